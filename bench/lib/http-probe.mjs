// Minimal HTTP GET helpers for readiness checks and response checks (no keep-alive, no agent pool).
import { request } from "node:http";
import { createServer } from "node:net";

/** GET `url` once; resolves `{ status, headers, body }` or rejects on a socket error. */
export function httpGet(url, { timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** Polls `url` every `intervalMs` until it answers 200; rejects after `timeoutMs`. */
export async function waitFor200(
  url,
  { timeoutMs = 15000, intervalMs = 20, isAlive = () => true } = {},
) {
  const deadline = performance.now() + timeoutMs;
  let lastError;
  while (performance.now() < deadline) {
    if (!isAlive()) throw new Error(`process exited before ${url} answered`);
    try {
      const res = await httpGet(url, { timeoutMs: 1000 });
      if (res.status === 200) return res;
      lastError = new Error(`status ${res.status}`);
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${lastError?.message}`);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
