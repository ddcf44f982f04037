// The "invoke router alone" arm: createInvokeHandler (from the controller's build) on a bare
// node:http server behind a jose HS256 verify, with a one-function driver pointing at the same
// replica. Next to the controller arm it shows what the API layer (routing, validation,
// metrics, request ids, tenancy) adds on top of the router itself.
import { createSecretKey, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { jwtVerify } from "jose";
import { createInvokeHandler } from "../../packages/controller/dist/invoke/index.js";

const key = createSecretKey(Buffer.from(process.env.JWT_SECRET, "utf8"));
const endpoints = Object.freeze([
  { replica: "hello-0", url: process.env.UPSTREAM, key: process.env.REPLICA_KEY || undefined },
]);
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

const server = createServer(async (req, res) => {
  if (req.url === "/healthz") {
    res.end("ok");
    return;
  }
  try {
    await verify((req.headers.authorization ?? "").slice(7));
  } catch {
    res.writeHead(401).end();
    return;
  }
  const q = req.url.indexOf("?");
  await invoke(
    {
      req,
      res,
      requestId: randomUUID(),
      querystring: q === -1 ? "" : req.url.slice(q + 1),
      protocol: "http",
    },
    { tenant: "bench", name: "hello" },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), "127.0.0.1");
// Exit on SIGTERM (not killed by it), so `--cpu-prof` writes its profile.
process.on("SIGTERM", () => server.close(() => process.exit(0)).closeAllConnections());
