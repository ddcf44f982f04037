// Controller-mediated cold invoke (performance.md 3.0 (c)): the latency of an invoke that finds
// the function scaled to zero, against the raw spawn -> first 200 of the same bundle, in
// alternating order. The difference is what the controller and the local driver add to a cold
// start (image already extracted, as after the first deploy).
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { measureColdStart } from "../lib/cold-start.mjs";
import { freePort } from "../lib/http-probe.mjs";

async function untilScaledToZero(api, auth) {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${api}/v1/functions/hello`, { headers: auth });
    const fn = await res.json();
    if (fn.status === "ScaledToZero" && fn.ready_replicas === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the function never reached ScaledToZero");
}

async function coldInvoke(api, auth) {
  const scaled = await fetch(`${api}/v1/functions/hello:scale`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ replicas: 0 }),
  });
  if (!scaled.ok) throw new Error(`scale to 0 failed: ${scaled.status} ${await scaled.text()}`);
  await untilScaledToZero(api, auth);
  const t0 = performance.now();
  const res = await fetch(`${api}/v1/functions/hello:invoke`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: "{}",
  });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200 || body !== "Hello, world!")
    throw new Error(`cold invoke answered ${res.status} ${body}`);
  return ms;
}

async function rawSpawn(entry) {
  const port = await freePort();
  return measureColdStart({
    cmd: process.execPath,
    args: [entry],
    env: { PORT: String(port), EVENTFLOW_HOST: "127.0.0.1", EVENTFLOW_FUNCTION_NAME: "hello" },
    cpu: 1,
    cwd: dirname(entry),
    url: `http://127.0.0.1:${port}/`,
  });
}

/** Resolves `{ raw: number[], controller: number[], overhead: number[] }` in milliseconds. */
export async function measureColdInvoke({ api, auth, dataDir, iterations, progress }) {
  const apps = join(dataDir, "cache", "apps");
  const dir = readdirSync(apps).find((d) => !d.includes(".tmp-"));
  if (!dir) throw new Error(`no extracted app under ${apps}`);
  const entry = join(apps, dir, "app", "index.mjs");
  const raw = [];
  const controller = [];
  for (let i = 0; i < iterations; i++) {
    if (i % 2 === 0) {
      raw.push(await rawSpawn(entry));
      controller.push(await coldInvoke(api, auth));
    } else {
      controller.push(await coldInvoke(api, auth));
      raw.push(await rawSpawn(entry));
    }
    progress(
      `cold ${i + 1}/${iterations}: raw spawn->200 ${raw[i].toFixed(1)} ms, cold invoke ${controller[i].toFixed(1)} ms`,
    );
  }
  return { raw, controller, overhead: controller.map((c, i) => c - raw[i]) };
}
