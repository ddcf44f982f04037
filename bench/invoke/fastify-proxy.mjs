// The @fastify/http-proxy arm: a fastify 5 server proxying everything to UPSTREAM over undici
// (@fastify/reply-from) with keep-alive, as its README sets it up. Listens on PORT.
import proxy from "@fastify/http-proxy";
import Fastify from "fastify";

const app = Fastify({ logger: false });
await app.register(proxy, {
  upstream: process.env.UPSTREAM,
  undici: { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 },
});
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
