import { join } from "node:path";
import type { FunctionSpec } from "../driver.js";
import { APP_ENTRY } from "./app-cache.js";
import type { ResolvedApp } from "./function-supervisor.js";
import type { LogBook } from "./log-book.js";
import { processStartTicks, type PidFiles } from "./pid-files.js";
import { buildReplicaEnv } from "./replica-env.js";
import { startReplicaProcess, type ReplicaProcess } from "./replica-process.js";
import { buildSandboxCommand, type ReplicaUser } from "./sandbox.js";

/** What {@link launchReplica} needs. */
export interface LaunchOptions {
  readonly spec: FunctionSpec;
  readonly app: ResolvedApp;
  readonly replica: string;
  readonly port: number;
  readonly nodePath: string;
  readonly logs: LogBook;
  readonly pidFiles: PidFiles;
  /** Run under bwrap (as `user`, when the controller is root). */
  readonly sandbox?: { readonly user?: ReplicaUser };
}

/**
 * Starts one replica, `<node> <app>/index.mjs [args]` in the app directory, wires its output to
 * the log book and records its pid file before anything else can happen.
 */
export function launchReplica(o: LaunchOptions): ReplicaProcess {
  const { tenant, name } = o.spec;
  const args = [join(o.app.appDir, APP_ENTRY), ...(o.spec.args ?? [])];
  const cwd = join(o.app.appDir, "app");
  const sandbox =
    o.sandbox &&
    buildSandboxCommand({
      nodePath: o.nodePath,
      appDir: o.app.appDir,
      args,
      cwd,
      ...(o.sandbox.user ? { user: o.sandbox.user } : {}),
    });
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
      ...(o.spec.env ? { specEnv: o.spec.env } : {}),
      ...(o.spec.timeoutSeconds !== undefined ? { timeoutSeconds: o.spec.timeoutSeconds } : {}),
      // The replicas' PATH is the controller's own (the one environment value they inherit).
      ...(process.env.PATH !== undefined ? { hostPath: process.env.PATH } : {}),
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
