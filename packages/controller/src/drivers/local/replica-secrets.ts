/**
 * Hands a function's secrets to one replica as it starts: `env` mounts become environment
 * variables, `files` mounts files `<dir>/NAME/KEY` in a directory of that replica alone (files
 * 0400, directories 0700, owned by the replica's user), removed when the replica stops. Under
 * bubblewrap the directory is mounted read-only at /var/eventflow/secrets (sandbox.ts); without
 * it the replica finds it through EVENTFLOW_SECRETS_DIR.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import type { FunctionSpec } from "../driver.js";
import { REPLICAS_DIR } from "./replica-dirs.js";
import type { ReplicaUser } from "./sandbox.js";
import type { LocalSecrets } from "./secret-store.js";

/** One replica's secrets, ready to launch it with. */
export interface ReplicaSecrets {
  /** Variables of its `env` mounts. */
  readonly env: Readonly<Record<string, string>>;
  /** The host directory holding its `files` mounts (none when it has none). */
  readonly dir?: string;
  /** Removes the directory; the replica has stopped. */
  remove(): void;
}

function missing(spec: FunctionSpec, secret: string, key: string | undefined, why: string) {
  return new EventFlowError("FUNCTION_SECRET_MISSING", `function ${spec.name}: ${why}`, {
    details: key === undefined ? { secret } : { secret, key },
  });
}

/**
 * Opens the secrets `spec` names and lays them out for one replica in `dir` (which must not be
 * shared with another replica). A secret deleted since the function was deployed, or a key
 * gone from it, fails with FUNCTION_SECRET_MISSING: the replica is not started.
 */
export async function prepareReplicaSecrets(input: {
  readonly secrets: LocalSecrets;
  readonly spec: FunctionSpec;
  readonly dir: string;
  readonly user?: ReplicaUser;
}): Promise<ReplicaSecrets> {
  const { spec, dir, user } = input;
  const env: Record<string, string> = {};
  const files: { name: string; key: string; value: Buffer }[] = [];
  for (const ref of spec.secrets ?? []) {
    let values: Map<string, Buffer>;
    try {
      values = await input.secrets.open(spec.tenant, ref.name);
    } catch (error) {
      if (isEventFlowError(error) && error.code === "SECRET_NOT_FOUND")
        throw missing(spec, ref.name, undefined, `secret ${ref.name} does not exist`);
      throw error;
    }
    for (const key of ref.keys ?? [...values.keys()]) {
      const value = values.get(key);
      if (value === undefined)
        throw missing(spec, ref.name, key, `secret ${ref.name} has no key ${key}`);
      if (ref.mount !== "env") {
        files.push({ name: ref.name, key, value });
        continue;
      }
      if (value.includes(0))
        throw missing(
          spec,
          ref.name,
          key,
          `key ${key} of secret ${ref.name} holds a NUL byte, which no environment variable can: mount it as files`,
        );
      env[key] = value.toString("utf8");
    }
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (files.length === 0) return { env, remove: () => undefined };
  remove();
  const own = (path: string) => {
    if (user) chownSync(path, user.uid, user.gid);
  };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    own(dir);
    for (const { name, key, value } of files) {
      const sub = join(dir, name);
      mkdirSync(sub, { recursive: true, mode: 0o700 });
      own(sub);
      const path = join(sub, key);
      writeFileSync(path, value, { mode: 0o400, flag: "wx" });
      own(path);
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { env, dir, remove };
}

/** What {@link createSecretDelivery} needs from the driver. */
export interface SecretDeliveryOptions {
  readonly dataDir: string;
  readonly secrets: LocalSecrets;
  /** The tenant's user and its directories, when replicas run as per-tenant users. */
  readonly userOf: (tenant: string) => ReplicaUser | undefined;
  /** `<dataDir>/replicas/<uid>/secrets` of a user whose replicas run without bwrap, else undefined. */
  readonly userSecretsDir: (user: ReplicaUser) => string | undefined;
}

/**
 * Where each replica's secret files go, and their clean-up: `<dataDir>/replica-secrets/TENANT/
 * FUNCTION/REPLICA`, or below the tenant user's own directory when replicas run as users
 * without a sandbox (they must reach it).
 */
export function createSecretDelivery(o: SecretDeliveryOptions) {
  const runDir = join(o.dataDir, "replica-secrets");
  const dirOf = (spec: FunctionSpec, replica: string, user: ReplicaUser | undefined) => {
    const own = user && o.userSecretsDir(user);
    return own ? join(own, replica) : join(runDir, spec.tenant, spec.name, replica);
  };
  return {
    /** Lays out `spec`'s secrets for one replica. */
    prepare(spec: FunctionSpec, replica: string): Promise<ReplicaSecrets> {
      const user = o.userOf(spec.tenant);
      return prepareReplicaSecrets({
        secrets: o.secrets,
        spec,
        dir: dirOf(spec, replica, user),
        ...(user ? { user } : {}),
      });
    },
    /** Removes files left by a controller that was killed: no replica of theirs runs. */
    removeStale(): void {
      rmSync(runDir, { recursive: true, force: true });
      const users = join(o.dataDir, REPLICAS_DIR);
      if (!existsSync(users)) return;
      for (const uid of readdirSync(users))
        rmSync(join(users, uid, "secrets"), { recursive: true, force: true });
    },
  };
}

/** The functions of `tenant` whose spec names secret `name` (they roll when it changes). */
export function usersOfSecret<T extends { readonly spec: FunctionSpec }>(
  functions: Iterable<T>,
  tenant: string,
  name: string,
): T[] {
  const out: T[] = [];
  for (const fn of functions)
    if (fn.spec.tenant === tenant && (fn.spec.secrets ?? []).some((ref) => ref.name === name))
      out.push(fn);
  return out;
}
