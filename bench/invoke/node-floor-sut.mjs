// The "Node.js floor" arm: the least a proxy written for Node can do per request, to tell what
// the runtime costs from what EventFlow adds. node:http in, one undici Pool.dispatch out, the
// small body read whole, the answer's head and body written in one go. No auth, no request
// ids, no trace context, no header filtering, no metrics, no timeouts: not a usable proxy,
// only the lower bound any Node.js proxy (ours, @fastify/http-proxy) sits on. It adds
// REPLICA_KEY to the forwarded headers, as every proxy in front of a local replica must.
import { createServer } from "node:http";
import { REPLICA_KEY_HEADER } from "@eventflow/protocol";
import { Pool } from "undici";

const replicaKey = process.env.REPLICA_KEY;

const pool = new Pool(process.env.UPSTREAM, { connections: 128, pipelining: 1 });

function forward(req, res, body) {
  if (replicaKey) req.headers[REPLICA_KEY_HEADER] = replicaKey;
  let status = 200;
  let headers;
  const chunks = [];
  pool.dispatch(
    { path: "/", method: req.method, headers: req.headers, body },
    {
      onRequestStart() {},
      onResponseStart(_c, statusCode, h) {
        status = statusCode;
        headers = h;
      },
      onResponseData(_c, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        delete headers.connection;
        delete headers["keep-alive"];
        res.writeHead(status, headers).end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      },
      onResponseError() {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      },
    },
  );
}

const server = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.end("ok");
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => forward(req, res, chunks.length === 0 ? null : Buffer.concat(chunks)));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), "127.0.0.1");
// Exit on SIGTERM (not killed by it), so `--cpu-prof` writes its profile.
process.on("SIGTERM", () => server.close(() => process.exit(0)).closeAllConnections());
