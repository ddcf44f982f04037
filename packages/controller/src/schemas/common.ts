/**
 * Building blocks shared by the API schemas: names, roles, quantities, the error envelope.
 * The schemas directory is pure (zod, protocol and reference parsing only, no I/O and nothing
 * from the rest of the controller) so it can move to a browser-safe package for the client.
 */
import { checkFunctionName } from "@eventflow/protocol";
import { parseImageSource } from "@eventflow/registry";
import { z } from "zod";

/** Roles a token may carry, weakest first. */
export const ROLES = ["viewer", "developer", "admin"] as const;
/** A role: viewer (read, logs, metrics), developer (deploy, invoke), admin (every tenant). */
export type Role = (typeof ROLES)[number];

/** A function name: a DNS-1123 label with room for suffixes (protocol's rules). */
export const functionNameSchema = z
  .string()
  .superRefine((value, ctx) => {
    const problem = checkFunctionName(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ description: "DNS-1123 label, at most 40 characters", example: "hello-world" });

/** A tenant: a DNS-1123 label (it becomes part of Kubernetes names). */
export const tenantSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: "must be a DNS-1123 label (lower-case letters, digits, '-')",
  })
  .meta({ example: "team-a" });

/** An image: a registry reference (`registry/repo:tag@digest`) or `oci:DIR[:TAG]`. */
export const imageSchema = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((value, ctx) => {
    try {
      parseImageSource(value);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: error instanceof Error ? error.message : "invalid image reference",
      });
    }
  })
  .meta({ example: "127.0.0.1:5000/hello:1.0.0" });

/** CPU in Kubernetes notation: `250m`, `1`, `1.5`; at most 64 cores. */
export const cpuSchema = z
  .string()
  .regex(/^(?:[0-9]+m|[0-9]+(?:\.[0-9]{1,3})?)$/, {
    error: "must be a CPU quantity such as 250m or 1.5",
    abort: true,
  })
  .refine((q) => cpuMillis(q) > 0 && cpuMillis(q) <= 64_000, {
    error: "must be more than 0 and at most 64 cores",
  })
  .meta({ example: "250m" });

/** Memory in Kubernetes notation: `128Mi`, `1Gi`, `500M`; at most 256Gi. */
export const memorySchema = z
  .string()
  .regex(/^[0-9]+(?:Ki|Mi|Gi|Ti|k|M|G|T)?$/, {
    error: "must be a memory quantity such as 128Mi or 1Gi",
    abort: true,
  })
  .refine((q) => memoryBytes(q) >= 4 * 1024 * 1024 && memoryBytes(q) <= 256 * 1024 ** 3, {
    error: "must be between 4Mi and 256Gi",
  })
  .meta({ example: "128Mi" });

/** Millicores of a validated CPU quantity. */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith("m")
    ? Number(quantity.slice(0, -1))
    : Math.round(Number(quantity) * 1000);
}

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Bytes of a validated memory quantity. */
export function memoryBytes(quantity: string): number {
  const match = /^([0-9]+)([A-Za-z]*)$/.exec(quantity);
  return match === null
    ? Number.NaN
    : Number(match[1]) * (MEMORY_UNITS[match[2] ?? ""] ?? Number.NaN);
}

/** The error envelope every platform failure uses. */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: "FUNCTION_NOT_FOUND" }),
      message: z.string(),
      requestId: z.string().optional(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: "ErrorEnvelope" });
