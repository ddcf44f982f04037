import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

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
    } finally {
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    }
  }, 90_000);
});
