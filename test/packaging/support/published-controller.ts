// The controller as a user runs it from npm: `npm install @eventflow/controller` into a
// directory, then its `eventflow-controller` command, with the local driver and dev auth.
import { execFile, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freePort } from "./verdaccio.ts";

const run = promisify(execFile);

/** A controller started from the installed package. */
export interface PublishedController {
  readonly url: string;
  stop(): Promise<void>;
}

/** Installs @eventflow/controller under `dir` with the given npm environment and starts it. */
export async function startPublishedController(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<PublishedController> {
  await mkdir(dir, { recursive: true });
  await run("npm", ["install", "--prefix", dir, "@eventflow/controller"], { cwd: dir, env });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(join(dir, "node_modules/.bin/eventflow-controller"), [], {
    cwd: dir,
    env: {
      ...env,
      PORT: String(port),
      METRICS_PORT: "0",
      JWT_SECRET: "packaging-tier-secret-of-at-least-32-chars",
      EVENTFLOW_DEV_AUTH: "true",
      EVENTFLOW_DRIVER: "local",
      EVENTFLOW_DATA_DIR: join(dir, "data"),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`the published controller did not become healthy: ${output}`);
}
