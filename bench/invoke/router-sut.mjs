// The "invoke router alone" arm: createInvokeHandler (from the controller's build) mounted in a
// bare Koa app behind a jose HS256 verify, with a one-function driver pointing at the same
// replica. Next to the controller arm it shows what the API layer (routing, validation,
// metrics, request ids, tenancy) adds on top of the router itself.
import { createSecretKey } from "node:crypto";
import { createServer } from "node:http";
import { jwtVerify } from "jose";
import Koa from "koa";
import { createInvokeHandler } from "../../packages/controller/dist/invoke/index.js";

const key = createSecretKey(Buffer.from(process.env.JWT_SECRET, "utf8"));
const endpoints = Object.freeze([{ replica: "hello-0", url: process.env.UPSTREAM }]);
// A driver double that only answers what the invoke path asks: the bench's one replica.
const driver = {
  endpoints: () => endpoints,
  waitForEndpoint: async () => endpoints[0],
};
const recorder = { invocation() {}, inFlight() {} };
const invoke = createInvokeHandler({
  driver,
  recorder,
  config: { maxBodyBytes: 6 * 1024 * 1024, defaultTimeoutSeconds: 30 },
});

const app = new Koa();
// Verified tokens are cached until they expire, as the controller's verifier does.
const verified = new Map();
async function verify(token) {
  const until = verified.get(token);
  if (until !== undefined && until > Date.now()) return;
  const { payload } = await jwtVerify(token, key, {
    algorithms: ["HS256"],
    issuer: "eventflow",
    audience: "eventflow",
  });
  if (verified.size > 10_000) verified.clear();
  verified.set(token, (payload.exp ?? 0) * 1000);
}

app.use(async (ctx) => {
  if (ctx.path === "/healthz") {
    ctx.body = "ok";
    return;
  }
  const auth = ctx.get("authorization");
  try {
    await verify(auth.slice(7));
  } catch {
    ctx.status = 401;
    return;
  }
  await invoke(ctx, { tenant: "bench", name: "hello" });
});
const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), "127.0.0.1");
