/**
 * The controller as users run it out of cluster: the built `eventflow-controller`
 * (packages/controller/dist/bin.js, from `npm run build`) as a child process with the
 * kubernetes driver and dev auth on 127.0.0.1; its log goes to `<logDir>/controller.log`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../cli/index.ts";
import { freePort } from "../../registry/index.ts";

export const CONTROLLER_BIN = join(REPO_ROOT, "packages/controller/dist/bin.js");

export interface RunningController {
  readonly url: string;
  readonly child: ChildProcess;
  /** A developer token from dev auth. */
  token(): Promise<string>;
  stop(): Promise<void>;
}

export async function startControllerProcess(options: {
  kubeconfig: string;
  namespace: string;
  logDir: string;
  /** More variables for the controller (e.g. the activator's queue size). */
  env?: Readonly<Record<string, string>>;
}): Promise<RunningController> {
  if (!existsSync(CONTROLLER_BIN))
    throw new Error(`${CONTROLLER_BIN} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const log = openSync(join(options.logDir, "controller.log"), "a");
  const child = spawn(process.execPath, [CONTROLLER_BIN], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      JWT_SECRET: "e2e-tier-secret-with-at-least-32-characters",
      PORT: String(port),
      METRICS_PORT: "0",
      EVENTFLOW_HOST: "127.0.0.1",
      EVENTFLOW_DRIVER: "kubernetes",
      EVENTFLOW_DEV_AUTH: "true",
      EVENTFLOW_SSE_HEARTBEAT_SECONDS: "1",
      KUBECONFIG: options.kubeconfig,
      NAMESPACE: options.namespace,
      // Out of cluster there is no controller namespace: the reconciler's Lease lives beside
      // the functions (this kubeconfig may write it there).
      EVENTFLOW_CONTROLLER_NAMESPACE: options.namespace,
      LOG_LEVEL: "info",
      ...options.env,
    },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `controller exited with ${child.exitCode}; see ${options.logDir}/controller.log`,
      );
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline)
      throw new Error(`controller not ready after 30 s; see ${options.logDir}/controller.log`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    async token() {
      const res = await fetch(`${url}/auth/token`, { method: "POST" });
      return ((await res.json()) as { token: string }).token;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
