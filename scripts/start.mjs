#!/usr/bin/env node
// `npm start`: the main job on the embedded default. Builds the packages, builds every example
// into an app-only OCI layout (no base image to pull, no daemon), starts the controller with the
// local driver and dev auth, deploys the examples through the API, and prints a dev token and
// curl lines. Ctrl-C stops the controller, which drains its functions.
//
// Environment: PORT (default 8080), METRICS_PORT (9090), EVENTFLOW_DATA_DIR (.eventflow/data),
// JWT_SECRET (default: a random secret kept in .eventflow/dev-jwt-secret, mode 0600).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const work = join(root, ".eventflow");
const port = process.env.PORT ?? "8080";
const api = `http://127.0.0.1:${port}`;
const started = Date.now();
const say = (line) => process.stderr.write(`${line}\n`);

function step(label, cmd, args) {
  say(`==> ${label}`);
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  if (r.status !== 0) {
    say(`${label} failed (exit ${r.status}); see the messages above.`);
    process.exit(r.status ?? 1);
  }
  return r.stdout;
}

function devSecret() {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = join(work, "dev-jwt-secret");
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, "utf8").trim();
}

async function call(method, path, token, body) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

mkdirSync(work, { recursive: true });
step("building the packages", "npm", ["run", "--silent", "build"]);

const examples = readdirSync(join(root, "examples"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const images = {};
for (const name of examples) {
  const out = join(work, "images", name);
  const json = step(`building examples/${name} into oci:${out}`, process.execPath, [
    "packages/cli/dist/bin.js",
    "build",
    `examples/${name}`,
    "--base",
    "scratch",
    "--output",
    `oci:${out}`,
    "--json",
    "-q",
  ]);
  const result = JSON.parse(json.trim().split("\n").pop());
  images[result.function] = { image: `oci:${out}`, digest: result.digest };
}

say("==> starting the controller (local driver, dev auth)");
const controller = spawn(process.execPath, ["packages/controller/dist/bin.js"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: {
    ...process.env,
    PORT: port,
    EVENTFLOW_DRIVER: "local",
    EVENTFLOW_DEV_AUTH: "true",
    EVENTFLOW_DATA_DIR: process.env.EVENTFLOW_DATA_DIR ?? join(work, "data"),
    JWT_SECRET: devSecret(),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  },
});
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopping = true;
    controller.kill("SIGTERM");
  });
}
controller.on("exit", (code) => {
  if (!stopping) say(`the controller exited with ${code}`);
  process.exit(stopping ? 0 : code || 1);
});

try {
  await waitFor("controller ready", async () => (await fetch(`${api}/readyz`)).ok, 30_000);
  const { json: tokenBody } = await call("POST", "/auth/token", undefined, { role: "developer" });
  const token = tokenBody.token;
  for (const [name, { image }] of Object.entries(images)) {
    const existing = await call("GET", `/v1/functions/${name}`, token);
    const spec = { name, image, replicas: 1 };
    const r =
      existing.status === 200
        ? await call("PUT", `/v1/functions/${name}`, token, spec)
        : await call("POST", "/v1/functions", token, spec);
    if (r.status >= 300)
      throw new Error(`deploying ${name} failed: ${r.status} ${JSON.stringify(r.json)}`);
  }
  await waitFor(
    "functions running",
    async () =>
      (await call("GET", "/v1/functions", token)).json.every((f) => f.status === "Running"),
    60_000,
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const fns = Object.keys(images).join(", ");
  process.stdout.write(`
EventFlow is running on ${api} with the local driver (ready in ${seconds} s).
Functions: ${fns}

  export TOKEN=${token}
  curl -s -X POST ${api}/auth/token | jq -r .token     # another dev token
  curl -s -H "Authorization: Bearer $TOKEN" ${api}/v1/functions
  curl -s -X POST -H "Authorization: Bearer $TOKEN" '${api}/v1/functions/hello:invoke?name=you'
  curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
       -d '{"lines":[{"sku":"a","qty":2,"unitPrice":150}]}' ${api}/v1/functions/json-transform:invoke
  curl -sN -H "Authorization: Bearer $TOKEN" '${api}/v1/functions/hello/logs?follow=true'

Metrics: http://127.0.0.1:${process.env.METRICS_PORT ?? 9090}/metrics   Stop: Ctrl-C
`);
} catch (error) {
  say(`npm start failed: ${error.message}`);
  stopping = true;
  controller.kill("SIGTERM");
  process.exitCode = 1;
}
