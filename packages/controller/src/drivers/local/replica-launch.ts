import { join } from "node:path";
import type { FunctionSpec } from "../driver.js";
import { APP_ENTRY } from "./app-cache.js";
import type { ResolvedApp } from "./function-supervisor.js";
import type { LogBook } from "./log-book.js";
import { processStartTicks, type PidFiles } from "./pid-files.js";
import { buildReplicaEnv } from "./replica-env.js";
import { startReplicaProcess, type ReplicaProcess } from "./replica-process.js";
import type { ReplicaSecrets } from "./replica-secrets.js";
import { buildReplicaCommand, SANDBOX_SECRETS_DIR, type ReplicaUser } from "./sandbox.js";

/** What {@link launchReplica} needs. */
export interface LaunchOptions {
  readonly spec: FunctionSpec;
  readonly app: ResolvedApp;
  readonly replica: string;
  readonly port: number;
  readonly nodePath: string;
  /** The one environment value replicas take from the controller's (its config passes it). */
  readonly replicaPath?: string;
  readonly logs: LogBook;
  readonly pidFiles: PidFiles;
  /** The replica's key: in its environment, and required by its runtime on every request. */
  readonly key: string;
  /** How it is isolated (default: a plain child process as the controller's user). */
  readonly isolation?: ReplicaIsolation;
  /** Its secrets, prepared for it alone. */
  readonly secrets?: ReplicaSecrets;
}

/** How one replica is isolated, as the driver decided from the sandbox mode and its uid. */
export interface ReplicaIsolation {
  readonly sandbox: "bwrap" | "none";
  /** Run as this user (the controller is root). */
  readonly user?: ReplicaUser;
  /** Where the app is for this user (a view only it can read), when not the cache's. */
  readonly appDir?: string;
  /** Its private TMPDIR (without bwrap, whose /tmp is a private tmpfs). */
  readonly tmpDir?: string;
}

/**
 * Starts one replica, `<node> --enable-source-maps <app>/index.mjs [args]` in the app directory, wires its output to
 * the log book and records its pid file before anything else can happen.
 */
export function launchReplica(o: LaunchOptions): ReplicaProcess {
  const { tenant, name } = o.spec;
  const iso = o.isolation;
  const appDir = iso?.appDir ?? o.app.appDir;
  // Stacks name the function's sources through the bundle's index.mjs.map (as the image's
  // entrypoint does); a bundle without a map costs nothing.
  const args = ["--enable-source-maps", join(appDir, APP_ENTRY), ...(o.spec.args ?? [])];
  const cwd = join(appDir, "app");
  const secretsDir = o.secrets?.dir;
  const sandbox =
    iso &&
    buildReplicaCommand({
      sandbox: iso.sandbox,
      nodePath: o.nodePath,
      appDir,
      args,
      cwd,
      ...(iso.user ? { user: iso.user } : {}),
      ...(secretsDir === undefined ? {} : { secretsDir }),
    });
  const tmpDir = iso?.sandbox === "bwrap" ? "/tmp" : iso?.tmpDir;
  const proc = startReplicaProcess({
    ...(sandbox ? { sandbox } : {}),
    replica: o.replica,
    nodePath: o.nodePath,
    args,
    cwd,
    env: buildReplicaEnv({
      imageEnv: o.app.env,
      functionName: name,
      port: o.port,
      replicaKey: o.key,
      ...(tmpDir !== undefined ? { tmpDir } : {}),
      ...(o.spec.env ? { specEnv: o.spec.env } : {}),
      ...(o.secrets ? { secretEnv: o.secrets.env } : {}),
      ...(secretsDir === undefined
        ? {}
        : { secretsDir: iso?.sandbox === "bwrap" ? SANDBOX_SECRETS_DIR : secretsDir }),
      ...(o.spec.timeoutSeconds !== undefined ? { timeoutSeconds: o.spec.timeoutSeconds } : {}),
      ...(o.replicaPath !== undefined ? { hostPath: o.replicaPath } : {}),
    }),
    port: o.port,
    onLine: (stream, { line, partial }) =>
      o.logs.append({ tenant, name, replica: o.replica, stream, line, partial }),
  });
  // Written synchronously: a controller killed right after spawn must still find this child.
  o.pidFiles.write({
    pid: proc.pid,
    startTicks: processStartTicks(proc.pid) ?? 0,
    tenant,
    name,
    replica: o.replica,
  });
  return proc;
}
