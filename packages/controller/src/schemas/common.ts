/**
 * Building blocks shared by the API schemas: tenants, roles, the error envelope. The schemas
 * directory is pure (zod and protocol only, no I/O and nothing from the rest of the controller).
 */
import { z } from "zod";

/** Roles a token may carry, weakest first. */
export const ROLES = ["viewer", "developer", "admin"] as const;
/** A role: viewer (read, logs, metrics), developer (deploy, invoke), admin (every tenant). */
export type Role = (typeof ROLES)[number];

/** A tenant: a DNS-1123 label (it becomes part of Kubernetes names). */
export const tenantSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: "must be a DNS-1123 label (lower-case letters, digits, '-')",
  })
  .meta({ example: "team-a" });

/** A boolean in a query string: `true`/`false` or `1`/`0`. */
export const queryBool = z
  .enum(["true", "false", "1", "0"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1");

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
