import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTestImage } from "./local-driver/helpers/oci-image.js";
import { promtoolCheck } from "./support/promtool.js";

// The `eventflow-controller` bin as a real process (dist/, built by `npm run build` before the
// tests), with the local driver and dev auth.
const BIN = new URL("../dist/bin.js", import.meta.url).pathname;
const SECRET = "server-test-secret-with-32-characters-at-least";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function run(env: Record<string, string>): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: "pipe",
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

describe("eventflow-controller bin", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it("refuses to start on bad configuration, listing every problem, exit 2", async () => {
    const p = run({ JWT_SECRET: "short", PORT: "eighty", EVENTFLOW_DRIVER: "docker" });
    expect(await p.exit).toBe(2);
    expect(p.err()).toContain("CONFIG_INVALID");
    for (const key of ["JWT_SECRET", "PORT", "EVENTFLOW_DRIVER"]) expect(p.err()).toContain(key);
    // Words a person reads (issue 14 item 10), not zod's "expected number, received NaN".
    expect(p.err()).toContain('  PORT must be a whole number between 0 and 65535 (got "eighty")\n');
    expect(p.err()).toContain(
      '  EVENTFLOW_DRIVER must be one of local, kubernetes (got "docker")\n',
    );
  });

  it("prints a banner with the API and dashboard URLs when its stdout is a terminal", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "eventflow-bin-tty-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    // util-linux `script` gives the controller a pseudo-terminal as stdout.
    const child = spawn("script", ["-qfec", `'${process.execPath}' '${BIN}'`, "/dev/null"], {
      env: {
        PATH: process.env["PATH"] ?? "",
        JWT_SECRET: SECRET,
        PORT: "0",
        METRICS_PORT: "0",
        EVENTFLOW_DEV_AUTH: "true",
        EVENTFLOW_DATA_DIR: dataDir,
        LOG_LEVEL: "silent",
      },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    cleanups.push(async () => {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 15_000;
    while (!out.includes("Ctrl-C stops it.") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const text = out.replaceAll("\r", "");
    expect(text).toMatch(/^EventFlow controller \d+\.\d+\.\d+\S* \(local driver\)$/m);
    const url = /^ {2}API +(http:\/\/127\.0\.0\.1:\d+)$/m.exec(text)?.[1];
    expect(url, text).toBeDefined();
    expect(text).toMatch(new RegExp(`^ {2}Dashboard +(${url}/|not built .*)$`, "m"));
    expect(text).toContain(`  Log in     eventflow login --url ${url} --dev\n`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    process.kill(-child.pid!, "SIGTERM");
  });

  it("starts with the local driver and dev auth, serves the API and METRICS_PORT, stops on SIGTERM", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "eventflow-bin-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const metricsPort = await freePort();
    const p = run({
      JWT_SECRET: SECRET,
      PORT: "0",
      METRICS_PORT: String(metricsPort),
      EVENTFLOW_DEV_AUTH: "true",
      EVENTFLOW_DATA_DIR: dataDir,
      LOG_LEVEL: "info",
    });
    cleanups.push(async () => {
      if (p.child.exitCode === null) p.child.kill("SIGKILL");
    });
    const deadline = Date.now() + 15_000;
    let url: string | undefined;
    while (url === undefined && Date.now() < deadline) {
      const line = p
        .out()
        .split("\n")
        .find((l) => l.includes('"controller listening"'));
      if (line !== undefined) url = (JSON.parse(line) as { url: string }).url;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(url, p.err() + p.out()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ driver: "local" });
    const { token } = (await (await fetch(`${url}/auth/token`, { method: "POST" })).json()) as {
      token: string;
    };
    const list = await fetch(`${url}/v1/functions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual([]);

    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain(
      'eventflow_http_requests_total{method="GET",route="/v1/functions",status="200"} 1',
    );
    expect((await promtoolCheck(text)).code).toBe(0);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);

    // A function with a follower on its logs: shutdown must end the stream, not wait for it.
    const image = await writeTestImage({ dir: join(dataDir, "layout") });
    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const created = await fetch(`${url}/v1/functions`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "follow-me", image }),
    });
    expect(created.status).toBe(201);
    const follower = await fetch(`${url}/v1/functions/follow-me/logs?follow=true`, {
      headers: auth,
    });
    expect(follower.status).toBe(200);
    const reading = follower.text();

    expect(p.out()).not.toContain("EventFlow controller "); // no banner into a pipe
    expect(p.out()).not.toContain(SECRET);
    expect(p.out()).not.toContain(token);
    const stopping = Date.now();
    p.child.kill("SIGTERM");
    expect(await p.exit).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(8000);
    await reading.catch(() => "");
    expect(p.out()).toContain('"controller stopped"');
  });
});
