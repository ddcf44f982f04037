// The SUTs of the invoke bench's instruction-count phase (`--instructions`): each proxy is
// started under callgrind, one at a time, with the same function replica behind it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { instructionsPerRequest } from "./instructions.mjs";
import { nginxCommand } from "./nginx.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Instructions per request of each of `arms` that has a callgrind SUT, one at a time. */
export async function countInstructions({
  work,
  fn,
  image,
  token,
  jwtSecret,
  n1,
  n2,
  arms,
  progress,
}) {
  const auth = { authorization: `Bearer ${token}` };
  const node = process.execPath;
  const suts = {
    nginx: (port) => {
      const [cmd, args] = nginxCommand({
        prefix: join(work, `nginx-cg-${port}`),
        port,
        upstream: fn.url,
        replicaKey: fn.key,
        single: true,
      });
      return { cmd, args, readyPath: "/" };
    },
    fastify_proxy: (port) => ({
      cmd: node,
      node: true,
      args: [join(ROOT, "bench/invoke/fastify-proxy.mjs")],
      env: { PORT: String(port), UPSTREAM: fn.url, REPLICA_KEY: fn.key ?? "" },
      readyPath: "/",
    }),
    router_only: (port) => ({
      cmd: node,
      node: true,
      args: [join(ROOT, "bench/invoke/router-sut.mjs")],
      env: {
        PORT: String(port),
        UPSTREAM: fn.url,
        REPLICA_KEY: fn.key ?? "",
        JWT_SECRET: jwtSecret,
      },
      readyPath: "/healthz",
      prepare: (base) => ({ url: `${base}/v1/functions/hello:invoke`, headers: auth }),
    }),
    node_floor: (port) => ({
      cmd: node,
      node: true,
      args: [join(ROOT, "bench/invoke/node-floor-sut.mjs")],
      env: { PORT: String(port), UPSTREAM: fn.url, REPLICA_KEY: fn.key ?? "" },
      readyPath: "/healthz",
    }),
    controller: (port) => {
      const dir = join(work, `cg-controller-${port}`);
      const endpointFile = join(dir, "endpoint.json");
      return {
        cmd: node,
        node: true,
        args: [join(ROOT, "bench/invoke/controller-sut.mjs")],
        env: {
          PORT: String(port),
          METRICS_PORT: "0",
          EVENTFLOW_DRIVER: "local",
          EVENTFLOW_DATA_DIR: join(dir, "data"),
          EVENTFLOW_DEV_AUTH: "true",
          JWT_SECRET: jwtSecret,
          LOG_LEVEL: "warn",
          ENDPOINT_FILE: endpointFile,
        },
        readyPath: "/healthz",
        async prepare(base) {
          const created = await fetch(`${base}/v1/functions`, {
            method: "POST",
            headers: { ...auth, "content-type": "application/json" },
            body: JSON.stringify({ name: "hello", image, replicas: 1 }),
          });
          if (!created.ok) throw new Error(`create failed: ${created.status}`);
          for (let i = 0; i < 3000 && !existsSync(endpointFile); i++)
            await new Promise((r) => setTimeout(r, 50));
          return { url: `${base}/v1/functions/hello:invoke`, headers: auth };
        },
      };
    },
  };
  const counts = {};
  for (const id of ["nginx", "fastify_proxy", "node_floor", "router_only", "controller"].filter(
    (a) => arms.includes(a),
  )) {
    progress(`instructions: ${id} under callgrind, ${n1} and ${n2} requests`);
    counts[id] = await instructionsPerRequest({ sut: suts[id], n1, n2 });
    progress(`instructions: ${id} ${Math.round(counts[id].perRequest)} per request`);
  }
  return counts;
}
