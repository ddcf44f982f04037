/**
 * The local driver's secrets: rows of its SQLite store whose values are sealed (secret-box.ts)
 * under a key file kept apart from the database. Values are opened only to hand them to a
 * starting replica ({@link LocalSecrets.open}); nothing returns them to the API.
 */
import { randomBytes } from "node:crypto";
import { EventFlowError } from "@eventflow/protocol";
import type { SecretData, SecretMeta, SecretStore } from "../driver.js";
import { createSecretBox, loadSecretKey, type SecretBox } from "./secret-box.js";
import type { Store, StoredSecret } from "./store/index.js";

/** What {@link createLocalSecrets} needs. */
export interface LocalSecretsOptions {
  /** The driver's open store (throws while the driver is stopped). */
  readonly store: () => Store;
  /** The key file (base64 of 32 bytes, mode 0600), made with the first secret. */
  readonly keyFile: string;
  readonly clock: () => Date;
  /** Called after a secret of `tenant` was created or replaced: its functions roll. */
  readonly changed: (tenant: string, name: string) => void;
}

/** The local {@link SecretStore}, plus what the driver needs to deliver values. */
export interface LocalSecrets extends SecretStore {
  /** One secret's values by key (SECRET_NOT_FOUND when absent), for a replica being started. */
  open(tenant: string, name: string): Promise<Map<string, Buffer>>;
}

function notFound(name: string): EventFlowError {
  return new EventFlowError("SECRET_NOT_FOUND", `secret ${name} not found`, {
    details: { name },
  });
}

function toMeta(row: Omit<StoredSecret, "sealed">): SecretMeta {
  return {
    tenant: row.tenant,
    name: row.name,
    keys: row.keys,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The place a sealed value is bound to: it opens nowhere else. */
const placeOf = (tenant: string, name: string) => `${tenant}/${name}`;

/** Creates the local driver's secret store. */
export function createLocalSecrets(options: LocalSecretsOptions): LocalSecrets {
  let box: Promise<SecretBox> | undefined;

  /**
   * The box, its key read once: made with the first secret, required once any value is sealed
   * (a missing key file then is an error, never replaced). A failed read is tried again later.
   */
  function theBox(): Promise<SecretBox> {
    box ??= loadSecretKey(options.keyFile, { create: options.store().countSecrets() === 0 }).then(
      createSecretBox,
      (error: unknown) => {
        box = undefined;
        throw error;
      },
    );
    return box;
  }

  return {
    async put(tenant, name, data: SecretData, mode) {
      const sealer = await theBox();
      const store = options.store();
      const keys = Object.keys(data).sort();
      const plain: Record<string, string> = {};
      for (const key of keys) plain[key] = Buffer.from(data[key]!).toString("base64");
      const now = options.clock().toISOString();
      const before = mode === "replace" ? store.getSecret(tenant, name) : undefined;
      if (mode === "replace" && before === undefined) throw notFound(name);
      const row: StoredSecret = {
        tenant,
        name,
        keys,
        version: randomBytes(8).toString("hex"),
        keyId: sealer.keyId,
        sealed: sealer.seal(Buffer.from(JSON.stringify(plain)), placeOf(tenant, name)),
        createdAt: before?.createdAt ?? now,
        updatedAt: now,
      };
      store.putSecret(row, mode);
      options.changed(tenant, name);
      return toMeta(row);
    },
    async get(tenant, name) {
      const row = options.store().getSecret(tenant, name);
      if (row === undefined) throw notFound(name);
      return toMeta(row);
    },
    async list(tenant) {
      return options.store().listSecrets(tenant).map(toMeta);
    },
    async delete(tenant, name) {
      if (!options.store().deleteSecret(tenant, name)) throw notFound(name);
    },
    async open(tenant, name) {
      const row = options.store().getSecret(tenant, name);
      if (row === undefined) throw notFound(name);
      const opened = (await theBox()).open(row.sealed, placeOf(tenant, name));
      let plain: unknown;
      try {
        plain = JSON.parse(opened.toString("utf8"));
      } catch {
        plain = undefined;
      }
      if (typeof plain !== "object" || plain === null)
        throw new EventFlowError(
          "LOCAL_SECRET_UNREADABLE",
          `secret value ${placeOf(tenant, name)} opened but is not a set of keys: set the secret again`,
        );
      const values = new Map<string, Buffer>();
      for (const [key, value] of Object.entries(plain as Record<string, unknown>))
        if (typeof value === "string") values.set(key, Buffer.from(value, "base64"));
      return values;
    },
  };
}
