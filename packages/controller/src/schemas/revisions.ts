/** Schemas of the revision endpoints: a revision as answered, its path, the rollback body. */
import { functionNameSchema } from "@eventflow/protocol/function-spec";
import { z } from "zod";
import { functionStatusSchema } from "./functions.js";

const revisionRef = z.union([
  z.number().int().min(1).meta({ example: 3 }),
  z.string().min(1).max(80).meta({ example: "hello-00003" }),
]);

/** Path parameters of `/v1/functions/{name}/revisions/{revision}`. */
export const revisionParamsSchema = z.strictObject({
  name: functionNameSchema,
  revision: z
    .string()
    .min(1)
    .max(80)
    .meta({ description: "A revision number (`3`) or name (`hello-00003`)", example: "3" }),
});

/** Body of `POST /v1/functions/{name}:rollback`. */
export const rollbackSchema = z.strictObject({
  to: revisionRef.optional().meta({
    description:
      "The revision that takes every request; absent: the one before the revision serving most now.",
  }),
});

/** Body of `POST /v1/functions/{name}:traffic`. */
export const trafficRequestSchema = z.strictObject({
  traffic: z
    .array(
      z.strictObject({
        revision: revisionRef.optional(),
        latestRevision: z.boolean().optional(),
        percent: z.number(),
        tag: z.string().optional(),
      }),
    )
    .meta({
      description:
        "Targets: a revision (number or name) or latestRevision: true, a whole percent (adding up to 100; 0 only with a tag), an optional tag.",
    }),
});

/** One revision of a function. */
export const revisionSchema = z
  .object({
    name: z.string().meta({ example: "hello-00003" }),
    number: z.number().int(),
    image: z.string(),
    digest: z.string().optional().meta({ description: "The image's manifest digest, when known." }),
    created_by: z.string().meta({ description: "The subject of the token that made the change." }),
    created_at: z.string().meta({ format: "date-time" }),
    current: z
      .boolean()
      .meta({ description: "Whether the function runs this revision's spec now." }),
    percent: z.number().int().meta({ description: "Its share of the function's requests now." }),
    tags: z.array(z.string()).optional().meta({ description: "Traffic tags that reach it." }),
    spec: functionStatusSchema.shape.spec.omit({
      replicas: true,
      revisionHistoryLimit: true,
      traffic: true,
      rollout: true,
    }),
  })
  .meta({ id: "FunctionRevision" });

/** The revisions of a function, newest first. */
export const revisionListSchema = z.array(revisionSchema);
