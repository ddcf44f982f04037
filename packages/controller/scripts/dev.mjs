#!/usr/bin/env node
// The controller for development, the way `npm start` runs it (after `npm run build`):
//   1. starts eventflow-controller in-process with the local driver and dev auth on 127.0.0.1,
//   2. builds every example with the CLI as an app-only image into a local OCI layout
//      (no base image is pulled: this works offline),
//   3. deploys (or updates) each example and waits until it runs,
//   4. prints a dev token and a curl line that invokes a function.
// Env: PORT (8080), METRICS_PORT (9090), EVENTFLOW_DATA_DIR, JWT_SECRET or JWT_SECRET_FILE
// (else a secret is generated into <data dir>/dev-jwt-secret, 0600, and read from there),
// EVENTFLOW_DEV_EXAMPLES=0 to skip step 2-3.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseConfig, startController } from "../dist/index.js";

const root = new URL("../../..", import.meta.url).pathname;
const started = Date.now();
const dataDir =
  process.env.EVENTFLOW_DATA_DIR ??
  join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "eventflow");
mkdirSync(dataDir, { recursive: true });

// The generated secret stays in a file only the controller's user can read: parseConfig reads it
// through JWT_SECRET_FILE, so it is neither in this process's environment nor in a child's.
function devSecretFile() {
  const file = join(dataDir, "dev-jwt-secret");
  if (!existsSync(file))
    writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

const config = parseConfig({
  ...process.env,
  ...(process.env.JWT_SECRET || process.env.JWT_SECRET_FILE
    ? {}
    : { JWT_SECRET_FILE: devSecretFile() }),
  EVENTFLOW_DEV_AUTH: process.env.EVENTFLOW_DEV_AUTH ?? "true",
  EVENTFLOW_DRIVER: process.env.EVENTFLOW_DRIVER ?? "local",
  EVENTFLOW_DATA_DIR: dataDir,
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
});
const controller = await startController(config);
const base = controller.url.replace("://0.0.0.0:", "://127.0.0.1:");
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => controller.close().then(() => process.exit(0)));
}

async function api(method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const { token } = await (await fetch(`${base}/auth/token`, { method: "POST" })).json();
const deployed = [];
if (process.env.EVENTFLOW_DEV_EXAMPLES !== "0") {
  const layout = join(dataDir, "images");
  const cli = join(root, "packages/cli/dist/bin.js");
  for (const example of readdirSync(join(root, "examples")).sort()) {
    // A Serverless Framework service is deployed with the framework (docs/serverless.md).
    if (existsSync(join(root, "examples", example, "serverless.yml"))) continue;
    const built = spawnSync(
      process.execPath,
      [
        cli,
        "build",
        join(root, "examples", example),
        "--base",
        "scratch",
        "--output",
        `oci:${layout}:${example}`,
        "--json",
        "-q",
      ],
      { encoding: "utf8" },
    );
    if (built.status !== 0) {
      process.stderr.write(`skipping examples/${example}: build failed\n${built.stderr}`);
      continue;
    }
    for (const line of built.stdout.split("\n").filter(Boolean)) {
      const image = JSON.parse(line);
      const name = image.function.replace(/[^a-z0-9-]/g, "-");
      const spec = { image: image.image, replicas: 1 };
      const exists = (await api("GET", `/v1/functions/${name}`, token)).status === 200;
      const res = exists
        ? await api("PUT", `/v1/functions/${name}`, token, spec)
        : await api("POST", "/v1/functions", token, { name, ...spec });
      if (res.status >= 300) {
        process.stderr.write(`deploy of ${name} failed: ${JSON.stringify(res.body)}\n`);
        continue;
      }
      deployed.push(name);
    }
  }
  const deadline = Date.now() + 60_000;
  for (const name of deployed) {
    while (Date.now() < deadline) {
      const { body } = await api("GET", `/v1/functions/${name}`, token);
      if (body?.ready_replicas >= 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const first = deployed.includes("hello") ? "hello" : (deployed[0] ?? "my-function");
process.stdout.write(
  [
    "",
    `EventFlow controller on ${base} (local driver, dev auth; data in ${dataDir}); ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    `Functions: ${deployed.join(", ") || "(none)"}`,
    ...(config.auth.devAuth
      ? [
          "Dev auth is on: any local process, functions included, can mint an admin token (POST /auth/token). Run only code you trust.",
        ]
      : []),
    "",
    `export TOKEN=${token}`,
    `curl -s -X POST "${base}/v1/functions/${first}:invoke?name=you" -H "Authorization: Bearer $TOKEN"`,
    `curl -s -H "Authorization: Bearer $TOKEN" ${base}/v1/functions`,
    `curl -sN -H "Authorization: Bearer $TOKEN" "${base}/v1/functions/${first}/logs?follow=true"`,
    `(a new token: curl -s -X POST ${base}/auth/token | jq -r .token)`,
    "",
  ].join("\n"),
);
