/**
 * The secret endpoints: create, replace, list, get and delete a tenant's secrets. Values go in
 * and on to the functions that use them; no answer, log line or error carries them.
 */
import { EventFlowError, type SecretInfo } from "@eventflow/protocol";
import type { Driver, SecretMeta } from "../drivers/driver.js";
import { listQuerySchema, tenantQuerySchema } from "../schemas/functions.js";
import {
  SECRET_BODY_BYTES,
  secretCreateSchema,
  secretDeleteQuerySchema,
  secretInfoSchema,
  secretListSchema,
  secretParamsSchema,
  secretUpdateSchema,
  secretValues,
} from "../schemas/secrets.js";
import type { RouteDeps } from "./deps.js";
import { defineRoute, type AnyRoute, type RouteContext } from "./route.js";
import { ownTenant, principalOf } from "./tenancy.js";

const TAGS = ["secrets"];

function audit(ctx: RouteContext, msg: string, fields: Record<string, unknown>): void {
  ctx.state.log.info({ ...fields, subject: principalOf(ctx).subject }, msg);
}

/** Which functions of each tenant name each secret: `tenant/secret` to function names. */
async function usage(driver: Driver, tenant: string | undefined): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const fn of await driver.list(tenant))
    for (const ref of fn.spec.secrets ?? []) {
      const id = `${fn.tenant}/${ref.name}`;
      users.set(id, [...(users.get(id) ?? []), fn.name]);
    }
  return users;
}

/**
 * SECRET_IN_USE when a replacement drops keys that functions name in their `keys`: they would
 * fail at their next start. Functions mounting every key just get the new set.
 */
async function refuseDroppedKeys(
  driver: Driver,
  tenant: string,
  name: string,
  keys: readonly string[],
): Promise<void> {
  const kept = new Set(keys);
  const functions: string[] = [];
  const dropped = new Set<string>();
  for (const fn of await driver.list(tenant))
    for (const ref of fn.spec.secrets ?? []) {
      if (ref.name !== name) continue;
      const gone = (ref.keys ?? []).filter((k) => !kept.has(k));
      if (gone.length === 0) continue;
      functions.push(fn.name);
      for (const k of gone) dropped.add(k);
    }
  if (functions.length === 0) return;
  throw new EventFlowError(
    "SECRET_IN_USE",
    `the update drops keys ${[...dropped].join(", ")} of secret ${name}, which ${functions.join(", ")} name: change their specs first`,
    { details: { functions, keys: [...dropped] } },
  );
}

function toInfo(meta: SecretMeta, users: Map<string, string[]>): SecretInfo {
  return {
    name: meta.name,
    tenant: meta.tenant,
    keys: [...meta.keys],
    version: meta.version,
    created_at: meta.createdAt,
    updated_at: meta.updatedAt,
    used_by: users.get(`${meta.tenant}/${meta.name}`) ?? [],
  };
}

const one = {
  description: "The secret: its key names, never its values.",
  schema: secretInfoSchema,
};

/** Routes of `/v1/secrets`. */
export function secretRoutes(deps: RouteDeps): AnyRoute[] {
  const { driver } = deps;
  const info = async (meta: SecretMeta) => toInfo(meta, await usage(driver, meta.tenant));

  return [
    defineRoute({
      method: "POST",
      path: "/v1/secrets",
      operationId: "createSecret",
      summary: "Create a secret (values are write-only)",
      tags: TAGS,
      auth: "write",
      query: tenantQuerySchema,
      body: { name: "SecretCreate", schema: secretCreateSchema, maxBytes: SECRET_BODY_BYTES },
      responses: { 201: { description: "Created.", schema: secretInfoSchema } },
      errors: ["REQUEST_VALIDATION_FAILED", "SECRET_ALREADY_EXISTS", "SECRET_LIMIT_REACHED"],
      async handle(ctx, { body, query }) {
        const tenant = ownTenant(ctx, query.tenant);
        // One tenant must not fill the store (Kubernetes Secrets, the local database) for all.
        // Checked before each create: creates racing at the limit may each pass it once.
        const limit = deps.config.limits.maxSecretsPerTenant;
        const held = await driver.secrets.list(tenant);
        if (held.length >= limit && !held.some((s) => s.name === body.name))
          throw new EventFlowError(
            "SECRET_LIMIT_REACHED",
            `tenant ${tenant} has ${held.length} secrets, the most this controller allows`,
            { details: { limit } },
          );
        const meta = await driver.secrets.put(tenant, body.name, secretValues(body), "create");
        audit(ctx, "secret created", { tenant, secret: body.name, keys: meta.keys });
        ctx.status = 201;
        ctx.set("location", `/v1/secrets/${body.name}`);
        ctx.body = await info(meta);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/secrets",
      operationId: "listSecrets",
      summary: "List secrets: names and keys (admins: every tenant unless `tenant` is given)",
      tags: TAGS,
      auth: "read",
      query: listQuerySchema,
      responses: { 200: { description: "The secrets.", schema: secretListSchema } },
      errors: ["AUTH_FORBIDDEN"],
      async handle(ctx, { query }) {
        const principal = principalOf(ctx);
        const everyTenant =
          principal.kind === "user" && principal.role === "admin" && query.tenant === undefined;
        const tenant = everyTenant ? undefined : ownTenant(ctx, query.tenant);
        const secrets = await driver.secrets.list(tenant);
        const users = await usage(driver, tenant);
        ctx.body = secrets.map((meta) => toInfo(meta, users));
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/secrets/{name}",
      operationId: "getSecret",
      summary: "Get one secret's key names and the functions using it",
      tags: TAGS,
      auth: "read",
      params: secretParamsSchema,
      query: tenantQuerySchema,
      responses: { 200: one },
      errors: ["SECRET_NOT_FOUND"],
      async handle(ctx, { params, query }) {
        const tenant = ownTenant(ctx, query.tenant);
        ctx.body = await info(await driver.secrets.get(tenant, params.name));
      },
    }),
    defineRoute({
      method: "PUT",
      path: "/v1/secrets/{name}",
      operationId: "updateSecret",
      summary: "Replace a secret's keys; the functions using it roll to the new values",
      tags: TAGS,
      auth: "write",
      params: secretParamsSchema,
      query: tenantQuerySchema,
      body: { name: "SecretUpdate", schema: secretUpdateSchema, maxBytes: SECRET_BODY_BYTES },
      responses: { 200: one },
      errors: ["REQUEST_VALIDATION_FAILED", "SECRET_NOT_FOUND", "SECRET_IN_USE"],
      async handle(ctx, { params, query, body }) {
        const tenant = ownTenant(ctx, query.tenant);
        if (body.name !== undefined && body.name !== params.name)
          throw new EventFlowError(
            "REQUEST_VALIDATION_FAILED",
            "name in the body differs from the path",
            { details: [{ path: "name", message: `must equal the path's name ${params.name}` }] },
          );
        const values = secretValues(body);
        await refuseDroppedKeys(driver, tenant, params.name, Object.keys(values));
        const meta = await driver.secrets.put(tenant, params.name, values, "replace");
        audit(ctx, "secret updated", { tenant, secret: params.name, keys: meta.keys });
        ctx.body = await info(meta);
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/v1/secrets/{name}",
      operationId: "deleteSecret",
      summary: "Delete a secret (refused while functions use it, unless `force`)",
      tags: TAGS,
      auth: "write",
      params: secretParamsSchema,
      query: secretDeleteQuerySchema,
      responses: { 204: { description: "Deleted." } },
      errors: ["SECRET_NOT_FOUND", "SECRET_IN_USE"],
      async handle(ctx, { params, query }) {
        const tenant = ownTenant(ctx, query.tenant);
        const store = driver.secrets;
        const meta = await store.get(tenant, params.name);
        const users = (await usage(driver, tenant)).get(`${tenant}/${meta.name}`) ?? [];
        if (users.length > 0 && query.force !== true)
          throw new EventFlowError(
            "SECRET_IN_USE",
            `secret ${params.name} is used by ${users.join(", ")}: remove it from their specs, or delete with force=true`,
            { details: { functions: users } },
          );
        await store.delete(tenant, params.name);
        audit(ctx, "secret deleted", { tenant, secret: params.name, usedBy: users });
        ctx.status = 204;
      },
    }),
  ];
}
