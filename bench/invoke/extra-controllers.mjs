// Arms that run a second controller like the first (own data dir, own replica of the same
// image), each differing in one thing: `--tracing`'s controller_tracing_on (OTEL_* on, every
// invoke sampled and exported to a real Jaeger), `--semi-space`'s controller_semi<N> (Node's
// young generation at N MiB per semi-space, `--max-semi-space-size`) and `--baseline DIR`'s
// controller_baseline (the controller of another built checkout, for before/after in one run).
// Their replica's CPU is counted as the function's, not as a neighbour's.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../lib/http-probe.mjs";
import { startSut } from "../lib/sut-process.mjs";

/** The semi-space arms' ids for `--semi-space 16,32,64`. */
export function semiSpaceArms(list) {
  return (list ?? "")
    .split(",")
    .filter(Boolean)
    .map((mib) => {
      if (!/^\d+$/.test(mib)) throw new Error(`--semi-space takes MiB numbers: ${mib}`);
      return `controller_semi${mib}`;
    });
}

/** The label of an extra controller arm, or undefined for another arm. */
export function extraControllerLabel(id, baseline) {
  if (id === "controller_baseline")
    return `EventFlow controller of the baseline checkout (${baseline ?? "--baseline"}; own replica)`;
  if (id === "controller_tracing_on")
    return "EventFlow controller, tracing on (every invoke sampled, OTLP/HTTP to Jaeger; own replica)";
  const semi = /^controller_semi(\d+)$/.exec(id);
  return semi ? `EventFlow controller, --max-semi-space-size=${semi[1]} (own replica)` : undefined;
}

/**
 * Starts the extra controller `id` (after the main one, with its environment), deploys hello
 * from `image` and waits for its replica: `{ url, headers, pids, fnPids }` of the arm.
 */
export async function startExtraController({
  id,
  controllerEnv,
  image,
  work,
  suts,
  nodeFlags,
  progress,
  root,
  baseline,
}) {
  const env = { ...controllerEnv };
  const args = [...nodeFlags(id)];
  let sutRoot = root;
  if (id === "controller_baseline") {
    if (!baseline) throw new Error("controller_baseline needs --baseline DIR");
    if (!existsSync(join(baseline, "packages/controller/dist/index.js")))
      throw new Error(`${baseline} has no built controller: run npm ci and npx tsc -b there`);
    sutRoot = baseline;
  } else if (id === "controller_tracing_on") {
    const { startJaeger } = await import("../../packages/controller/test/tracing/jaeger.ts");
    const jaeger = await startJaeger();
    suts.push({ stop: () => jaeger.stop() });
    Object.assign(env, {
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
      OTEL_TRACES_SAMPLER: "always_on",
    });
    progress(`${id}: spans to ${jaeger.otlpUrl}`);
  } else {
    const semi = /^controller_semi(\d+)$/.exec(id);
    if (!semi) throw new Error(`no extra controller arm ${id}`);
    args.push(`--max-semi-space-size=${semi[1]}`);
  }
  const c = await startBenchController({ name: id, args, root: sutRoot, env, image, work, suts });
  progress(`${id}: controller pid ${c.pid}, replica pid ${c.fn.pids.join(",")}`);
  return { url: c.url, headers: c.headers, pids: () => [c.pid], fnPids: c.fn.pids };
}

/**
 * Starts one controller of the bench (controller-sut.mjs under `root`, pinned to the server
 * core, on a free port with its own data dir), takes a dev token, deploys hello from `image`
 * and waits for its replica: `{ api, url, headers, pid, fn }`, `fn` its replica's url, key and pids.
 */
export async function startBenchController({ name, args = [], root, env, image, work, suts }) {
  const port = await freePort();
  const endpointFile = join(work, `endpoint-${name}.json`);
  const sut = await startSut({
    name,
    cmd: process.execPath,
    args: [...args, join(root, "bench/invoke/controller-sut.mjs")],
    cpu: 1,
    cwd: root,
    env: {
      ...env,
      PORT: String(port),
      EVENTFLOW_DATA_DIR: join(work, `data-${name}`),
      ENDPOINT_FILE: endpointFile,
    },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
  });
  suts.push(sut);
  const api = `http://127.0.0.1:${port}`;
  const tokenRes = await fetch(`${api}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "bench", role: "developer" }),
  });
  const headers = { authorization: `Bearer ${(await tokenRes.json()).token}` };
  const created = await fetch(`${api}/v1/functions`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ name: "hello", image, replicas: 1 }),
  });
  if (created.status !== 201)
    throw new Error(`${name}: create failed: ${created.status} ${await created.text()}`);
  for (let i = 0; i < 500 && !existsSync(endpointFile); i++)
    await new Promise((r) => setTimeout(r, 20));
  const fn = JSON.parse(readFileSync(endpointFile, "utf8"));
  return { api, url: `${api}/v1/functions/hello:invoke`, headers, pid: sut.pid, fn };
}
