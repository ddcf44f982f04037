// A real controller (local driver, dev auth) in the test process on 127.0.0.1:0, for the CLI
// (run as a child process) to talk to, plus a private config directory per test file.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, startController, type StartedController } from "@eventflow/controller";

/** A running controller and the environment a CLI run needs to use a private config. */
export interface ControlTestEnv {
  readonly controller: StartedController;
  readonly url: string;
  /** HOME and XDG_CONFIG_HOME of the CLI runs (its config file lives there). */
  readonly home: string;
  readonly configPath: string;
  readonly env: Record<string, string>;
  /** A developer dev token. */
  token(): Promise<string>;
  close(): Promise<void>;
}

/** Starts the controller with the local driver. */
export async function startControlTestEnv(
  prefix: string,
  extraEnv: Record<string, string> = {},
): Promise<ControlTestEnv> {
  const dir = await mkdtemp(join(tmpdir(), `ef-cli-${prefix}-`));
  const config = parseConfig({
    JWT_SECRET: "cli-test-secret-of-at-least-thirty-two-chars",
    PORT: "0",
    METRICS_PORT: "0",
    EVENTFLOW_DEV_AUTH: "true",
    EVENTFLOW_DRIVER: "local",
    EVENTFLOW_DATA_DIR: join(dir, "data"),
    LOG_LEVEL: "silent",
    EVENTFLOW_SSE_HEARTBEAT_SECONDS: "1",
    ...extraEnv,
  });
  const controller = await startController(config);
  const home = join(dir, "home");
  return {
    controller,
    url: controller.url,
    home,
    configPath: join(home, ".config", "eventflow", "config.json"),
    env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), NO_COLOR: "1" },
    async token() {
      const res = await fetch(`${controller.url}/auth/token`, { method: "POST" });
      return ((await res.json()) as { token: string }).token;
    },
    async close() {
      await controller.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
