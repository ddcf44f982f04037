// The @fastify/http-proxy arm: a fastify 5 server proxying everything to UPSTREAM over undici
// (@fastify/reply-from) with keep-alive, as its README sets it up. Listens on PORT. Adds
// REPLICA_KEY to each proxied request as the controller does (a replica answers 403 without it).
import proxy from "@fastify/http-proxy";
import { REPLICA_KEY_HEADER } from "@eventflow/protocol";
import Fastify from "fastify";

const replicaKey = process.env.REPLICA_KEY;

const app = Fastify({ logger: false });
await app.register(proxy, {
  upstream: process.env.UPSTREAM,
  undici: { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 },
  replyOptions: replicaKey
    ? {
        rewriteRequestHeaders(_req, headers) {
          headers[REPLICA_KEY_HEADER] = replicaKey;
          return headers;
        },
      }
    : {},
});
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
