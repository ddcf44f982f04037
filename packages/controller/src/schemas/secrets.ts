/**
 * Schemas of the secret endpoints. Values are write-only: they are checked here (base64, size)
 * but no answer schema has a place for them, and validation errors never quote them.
 */
import { MAX_SECRET_BYTES } from "@eventflow/protocol";
import { secretKeySchema, secretNameSchema } from "@eventflow/protocol/function-spec";
import { z } from "zod";
import { queryBool, tenantSchema } from "./common.js";

/** Keys of one secret. */
export const MAX_SECRET_KEYS = 64;
/**
 * The request body limit of the write endpoints: 1 MiB of values base64-encoded, with room
 * for the keys and the JSON around them (the API's general limit may be lower).
 */
export const SECRET_BODY_BYTES = 2 * 1024 * 1024;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const dataSchema = z
  .record(secretKeySchema, z.string().regex(BASE64, { error: "must be base64" }))
  .meta({
    description: "Values by key, base64-encoded (binary-safe).",
    example: { "api-key": "c2stbGl2ZS0xMjM0" },
  });
const stringDataSchema = z.record(secretKeySchema, z.string()).meta({
  description: "Values by key as UTF-8 text.",
  example: { "api-key": "sk-live-1234" },
});

type Values = { data?: Record<string, string>; stringData?: Record<string, string> };

/** Every key in one of `data` and `stringData` only, at least one, together at most 1 MiB. */
function checkValues(body: Values, ctx: z.RefinementCtx): void {
  const keys = new Set(Object.keys(body.data ?? {}));
  for (const key of Object.keys(body.stringData ?? {}))
    if (keys.has(key))
      ctx.addIssue({
        code: "custom",
        path: ["stringData", key],
        message: `${key} is also in data: give each key once`,
      });
    else keys.add(key);
  if (keys.size === 0)
    ctx.addIssue({
      code: "custom",
      path: ["data"],
      message: "a secret needs at least one key (in data or stringData)",
    });
  if (keys.size > MAX_SECRET_KEYS)
    ctx.addIssue({ code: "custom", path: ["data"], message: `at most ${MAX_SECRET_KEYS} keys` });
  if (secretSize(body) > MAX_SECRET_BYTES)
    ctx.addIssue({
      code: "custom",
      path: ["data"],
      message: `the values together exceed ${MAX_SECRET_BYTES} bytes`,
    });
}

/** The decoded size of a secret's values. */
function secretSize(body: Values): number {
  let size = 0;
  for (const value of Object.values(body.data ?? {})) size += Buffer.byteLength(value, "base64");
  for (const value of Object.values(body.stringData ?? {})) size += Buffer.byteLength(value);
  return size;
}

/** A checked body's values as bytes by key. */
export function secretValues(body: Values): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(body.data ?? {}))
    out[key] = Buffer.from(value, "base64");
  for (const [key, value] of Object.entries(body.stringData ?? {}))
    out[key] = Buffer.from(value, "utf8");
  return out;
}

/** Body of `POST /v1/secrets`. */
export const secretCreateSchema = z
  .strictObject({
    name: secretNameSchema,
    data: dataSchema.optional(),
    stringData: stringDataSchema.optional(),
  })
  .superRefine(checkValues);

/** Body of `PUT /v1/secrets/{name}`: the whole new set of keys. */
export const secretUpdateSchema = z
  .strictObject({
    name: secretNameSchema.optional(),
    data: dataSchema.optional(),
    stringData: stringDataSchema.optional(),
  })
  .superRefine(checkValues)
  .meta({
    description: "The whole new set of keys; `name`, when given, must equal the path's name.",
  });

/** Path parameters of `/v1/secrets/{name}`. */
export const secretParamsSchema = z.strictObject({ name: secretNameSchema });

/** Query of the delete route: `force` deletes a secret functions still use. */
export const secretDeleteQuerySchema = z.strictObject({
  tenant: tenantSchema.optional(),
  force: queryBool.optional().meta({
    description: "Delete even while functions use it (they fail to start until it exists again).",
  }),
});

/** What the API answers for one secret: key names, never values. */
export const secretInfoSchema = z
  .strictObject({
    name: z.string(),
    tenant: z.string(),
    keys: z.array(z.string()).meta({ example: ["api-key"] }),
    version: z.string(),
    created_at: z.string().meta({ format: "date-time" }),
    updated_at: z.string().meta({ format: "date-time" }),
    used_by: z.array(z.string()).meta({
      description: "Functions of the tenant whose spec names this secret.",
      example: ["checkout"],
    }),
  })
  .meta({ id: "SecretInfo" });

/** The list answer: a bare array, like the function list. */
export const secretListSchema = z.array(secretInfoSchema);
