/** Inputs of {@link buildReplicaEnv}. */
export interface ReplicaEnvInput {
  /** `Env` of the image config (KEY=value). */
  readonly imageEnv: readonly string[];
  readonly specEnv?: Readonly<Record<string, string>>;
  /** Variables of the spec's `env` secret mounts (checked not to collide with `specEnv`). */
  readonly secretEnv?: Readonly<Record<string, string>>;
  /** Where the replica finds its `files` secret mounts (EVENTFLOW_SECRETS_DIR). */
  readonly secretsDir?: string;
  readonly functionName: string;
  readonly timeoutSeconds?: number;
  /** The controller's PATH (the image's PATH names container paths, which do not exist here). */
  readonly hostPath?: string;
  readonly port: number;
  /** The replica's key, which the runtime requires on every request (EVENTFLOW_REPLICA_KEY). */
  readonly replicaKey?: string;
  /** A private temporary directory (TMPDIR, and HOME: the replica's user may have none). */
  readonly tmpDir?: string;
}

/**
 * The environment of one replica, built from scratch so none of the controller's own
 * variables (JWT_SECRET, ...) leak into functions: PATH, the image's Env, the spec's env and
 * its `env` secrets, then the runtime contract's variables, which nobody may override.
 */
export function buildReplicaEnv(input: ReplicaEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  if (input.hostPath !== undefined) env.PATH = input.hostPath;
  for (const entry of input.imageEnv) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    if (key !== "PATH") env[key] = entry.slice(eq + 1);
  }
  // The driver takes a replica out of the endpoints before SIGTERM, so the runtime's own
  // wait-for-load-balancers delay only slows deletes and updates down (a spec may still set it).
  env.EVENTFLOW_SHUTDOWN_DELAY_MS = "0";
  Object.assign(env, input.specEnv ?? {}, input.secretEnv ?? {});
  if (input.secretsDir !== undefined) env.EVENTFLOW_SECRETS_DIR = input.secretsDir;
  env.PORT = String(input.port);
  // Replicas are reached over loopback only; nothing else on the network may call them directly.
  env.EVENTFLOW_HOST = "127.0.0.1";
  env.EVENTFLOW_FUNCTION_NAME = input.functionName;
  if (input.replicaKey !== undefined) env.EVENTFLOW_REPLICA_KEY = input.replicaKey;
  if (input.tmpDir !== undefined) {
    env.TMPDIR = input.tmpDir;
    env.HOME ??= input.tmpDir;
  }
  if (input.timeoutSeconds !== undefined)
    env.EVENTFLOW_TIMEOUT_MS = String(Math.round(input.timeoutSeconds * 1000));
  return env;
}
