/** The secrets API: list, get, create, update and delete (values go in, never come back). */
import type { SecretInfo, SecretWriteRequest } from "@eventflow/protocol";
import type { CallOptions } from "./functions.js";
import { pathSegment, type Transport } from "./transport.js";

/** A secret's values by key: text is sent as `stringData`, bytes as base64 `data`. */
export type SecretValues = Readonly<Record<string, string | Uint8Array>>;

/** Options of {@link SecretsApi.delete}. */
export interface SecretDeleteOptions extends CallOptions {
  /** Delete even when functions use it (they fail to start until it exists again). */
  readonly force?: boolean | undefined;
}

/** The secrets API of one tenant (admins: `tenant` in the options). */
export interface SecretsApi {
  /** `GET /v1/secrets`: names, keys and users of the tenant's secrets. */
  list(options?: CallOptions): Promise<SecretInfo[]>;
  /** `GET /v1/secrets/{name}`: SECRET_NOT_FOUND when absent. */
  get(name: string, options?: CallOptions): Promise<SecretInfo>;
  /** `POST /v1/secrets`: SECRET_ALREADY_EXISTS when the name is taken. */
  create(name: string, data: SecretValues, options?: CallOptions): Promise<SecretInfo>;
  /** `PUT /v1/secrets/{name}`: replaces every key; the functions using it roll. */
  update(name: string, data: SecretValues, options?: CallOptions): Promise<SecretInfo>;
  /** `DELETE /v1/secrets/{name}`: SECRET_IN_USE while functions use it, unless `force`. */
  delete(name: string, options?: SecretDeleteOptions): Promise<void>;
}

/** Path of one secret ("", "." and ".." refused before any request: see pathSegment). */
function secretPath(name: string): string {
  return `/v1/secrets/${pathSegment(name, "secret name")}`;
}

// btoa over a binary string in chunks: browser-safe (no Buffer), and no spread of a large array.
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The wire body of a write: strings in `stringData`, bytes base64 in `data` (each key in one only). */
export function toSecretWriteRequest(values: SecretValues): SecretWriteRequest {
  const data: Record<string, string> = {};
  const stringData: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === "string") stringData[key] = value;
    else data[key] = toBase64(value);
  }
  return {
    ...(Object.keys(data).length === 0 ? {} : { data }),
    ...(Object.keys(stringData).length === 0 ? {} : { stringData }),
  };
}

function tenantQuery(options: CallOptions | undefined) {
  return options?.tenant === undefined ? undefined : { tenant: options.tenant };
}

/** Builds the secrets API over a transport; a bad name rejects like any other failure. */
export function createSecretsApi(transport: Transport): SecretsApi {
  return {
    list: (options) =>
      transport.json({
        method: "GET",
        path: "/v1/secrets",
        query: tenantQuery(options),
        idempotent: true,
        signal: options?.signal,
      }),
    get: async (name, options) =>
      transport.json({
        method: "GET",
        path: secretPath(name),
        query: tenantQuery(options),
        idempotent: true,
        signal: options?.signal,
      }),
    create: (name, data, options) =>
      transport.json({
        method: "POST",
        path: "/v1/secrets",
        query: tenantQuery(options),
        json: { name, ...toSecretWriteRequest(data) },
        idempotent: false,
        signal: options?.signal,
      }),
    update: async (name, data, options) =>
      transport.json({
        method: "PUT",
        path: secretPath(name),
        query: tenantQuery(options),
        json: toSecretWriteRequest(data),
        idempotent: true,
        signal: options?.signal,
      }),
    async delete(name, options) {
      await transport.json({
        method: "DELETE",
        path: secretPath(name),
        query: {
          ...tenantQuery(options),
          ...(options?.force === true ? { force: "true" } : {}),
        },
        idempotent: true,
        signal: options?.signal,
      });
    },
  };
}
