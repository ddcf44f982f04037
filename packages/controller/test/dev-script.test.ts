import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jwtVerify } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { TEST_SECRET } from "./support/harness.js";

// scripts/dev.mjs (what `npm start` runs) as a real process: built packages (dist/, made by
// `npm run build` before the tests), the CLI building the examples offline, the local driver.
const SCRIPT = new URL("../scripts/dev.mjs", import.meta.url).pathname;

describe("scripts/dev.mjs", () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it("deploys the examples and prints a token and a curl line that invokes hello", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "eventflow-dev-"));
    // A secret file left by an earlier run, readable by anyone: it is used, and made 0600.
    const secretFile = join(dataDir, "dev-jwt-secret");
    await writeFile(secretFile, `${TEST_SECRET}\n`);
    await chmod(secretFile, 0o644);
    const child = spawn(process.execPath, [SCRIPT], {
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: dataDir,
        PORT: "0",
        METRICS_PORT: "0",
        EVENTFLOW_DATA_DIR: dataDir,
      },
      stdio: "pipe",
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes("export TOKEN=") && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out, err).toContain("export TOKEN=");
      expect(out).toMatch(/Functions: .*hello/);
      // Dev auth is on: the banner says who else can mint an admin token.
      expect(out).toContain("any local process, functions included, can mint an admin token");
      const token = /export TOKEN=(\S+)/.exec(out)![1]!;
      const url =
        /curl -s -X POST "(http:\/\/127\.0\.0\.1:\d+\/v1\/functions\/hello:invoke\?name=you)"/.exec(
          out,
        )![1]!;
      const res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("Hello, you!");
      // The token is signed with the file's secret, which the controller read via
      // JWT_SECRET_FILE; the file is the controller user's alone.
      await jwtVerify(token, new TextEncoder().encode(TEST_SECRET));
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      // ...and not in the environment, where /proc/<pid>/environ would show it to a function.
      const environ = await readFile(`/proc/${child.pid}/environ`, "utf8");
      expect(environ.includes(TEST_SECRET)).toBe(false);
    } finally {
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    }
  }, 90_000);
});
