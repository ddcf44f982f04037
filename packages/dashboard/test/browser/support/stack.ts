/**
 * The real stack the browser tests drive: the dashboard's production build, a function image
 * built by the CLI, the controller's own bin with the local driver and dev auth on a free
 * port, and Debian's Chromium through playwright-core. Nothing is mocked.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

/** The repository root. */
export const ROOT = new URL("../../../../../", import.meta.url).pathname;
const DASHBOARD = join(ROOT, "packages/dashboard");

/** Chromium from Debian's package (scripts/setup/50-chromium.sh); never a downloaded browser. */
export const CHROMIUM = process.env.EVENTFLOW_CHROMIUM ?? "/usr/bin/chromium";

function run(cmd: string, args: string[], cwd = ROOT): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: process.env });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** Builds what is missing: the workspace (tsc -b) and the dashboard bundle. */
export function ensureBuilt(): void {
  const bins = ["packages/controller/dist/bin.js", "packages/cli/dist/bin.js"];
  if (bins.some((b) => !existsSync(join(ROOT, b)))) run("npx", ["tsc", "-b", "tsconfig.json"]);
  if (!existsSync(join(DASHBOARD, "dist/index.html")))
    run("npx", ["vite", "build", "--logLevel", "warn"], DASHBOARD);
}

/** Builds an example into an app-only OCI layout with the CLI; returns the image reference. */
export function buildExample(example: string, dir: string): string {
  const out = run(process.execPath, [
    join(ROOT, "packages/cli/dist/bin.js"),
    "build",
    join(ROOT, "examples", example),
    "--base",
    "scratch",
    "--output",
    `oci:${join(dir, example)}`,
    "--json",
  ]);
  const last = out.trim().split("\n").at(-1)!;
  return (JSON.parse(last) as { image: string }).image;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A running controller process. */
export interface Controller {
  readonly url: string;
  readonly secret: string;
  readonly dir: string;
  stderr(): string;
  close(): Promise<void>;
}

/** Starts `eventflow-controller` (local driver, dev auth unless `env` says otherwise) and waits until it is ready. */
export async function startController(
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<Controller> {
  const dir = await mkdtemp(join(tmpdir(), "eventflow-dashboard-e2e-"));
  // A controller running as root runs replicas as per-tenant users, who must be able to pass
  // through (not list) the data directory's parent.
  await chmod(dir, 0o711);
  const port = options.port ?? (await freePort());
  const secret = randomBytes(32).toString("base64url");
  let stderr = "";
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, "packages/controller/dist/bin.js")],
    {
      env: {
        ...process.env,
        PORT: String(port),
        METRICS_PORT: "0",
        EVENTFLOW_HOST: "127.0.0.1",
        JWT_SECRET: secret,
        EVENTFLOW_DEV_AUTH: "true",
        EVENTFLOW_DRIVER: "local",
        EVENTFLOW_DATA_DIR: join(dir, "data"),
        LOG_LEVEL: "warn",
        ...options.env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`controller exited (${child.exitCode}): ${stderr}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`controller not ready in 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    secret,
    dir,
    stderr: () => stderr,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An HS256 token signed with the controller's secret, for claims dev auth cannot give. */
export function signToken(secret: string, claims: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const head = `${enc({ alg: "HS256", typ: "JWT" })}.${enc({ iss: "eventflow", aud: "eventflow", iat: now, sub: "browser-test", ...claims })}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

/** Launches Debian's Chromium headless with the flags this machine's closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}
