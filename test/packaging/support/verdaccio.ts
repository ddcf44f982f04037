// A real npm registry on loopback: Verdaccio, installed into the cache by
// scripts/setup/35-verdaccio.sh, started with a private storage and no uplink (it serves only
// what the test publishes; other packages come from the npm client's own registry).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Where 35-verdaccio.sh installs Verdaccio. */
export const VERDACCIO_BIN = join(
  process.env.EVENTFLOW_CACHE ?? join(homedir(), ".cache", "eventflow"),
  "verdaccio/node_modules/verdaccio/bin/verdaccio",
);

/** A running registry and a token that may publish to it. */
export interface TestNpmRegistry {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly token: string;
  stop(): Promise<void>;
}

/** A port free on loopback right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited: ${output()}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`verdaccio did not answer ${url}-/ping in 30 s: ${output()}`);
}

/** Starts Verdaccio on a free loopback port with its state under `dir`, and adds a user. */
export async function startNpmRegistry(dir: string): Promise<TestNpmRegistry> {
  if (!existsSync(VERDACCIO_BIN))
    throw new Error(`${VERDACCIO_BIN} is missing: run bash scripts/setup/35-verdaccio.sh`);
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  // JSON is YAML: no uplinks, our scope and our unscoped package (the Serverless Framework
  // plugin, named as the framework's plugins are) publishable by a logged-in user, everything
  // readable.
  const config = {
    storage: join(dir, "storage"),
    auth: { htpasswd: { file: join(dir, "htpasswd"), max_users: 10 } },
    uplinks: {},
    packages: {
      "@eventflow/*": { access: "$all", publish: "$authenticated" },
      "serverless-eventflow": { access: "$all", publish: "$authenticated" },
      "**": { access: "$all" },
    },
    log: { type: "stdout", format: "json", level: "warn" },
  };
  const configFile = join(dir, "config.yaml");
  await writeFile(configFile, JSON.stringify(config, null, 2));
  let output = "";
  const child = spawn(
    process.execPath,
    [VERDACCIO_BIN, "--config", configFile, "--listen", `127.0.0.1:${port}`],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  try {
    await waitForPing(url, child, () => output);
    // npm's `adduser` as one request: the registry answers with a token for publishing.
    const res = await fetch(`${url}-/user/org.couchdb.user:eventflow`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "eventflow", password: "packaging-tier" }),
    });
    const body = (await res.json()) as { token?: string };
    if (!res.ok || body.token === undefined)
      throw new Error(`adding a user: ${res.status} ${JSON.stringify(body)}`);
    return { url, token: body.token, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
