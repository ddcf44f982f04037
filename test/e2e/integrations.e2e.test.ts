// The integrations on a real node, one cluster for all: async invocations and triggers, tracing,
// and the Serverless Framework. The controller (out of cluster, kubernetes driver) queues on a
// real nats-server (JetStream, file storage) and exports its spans to a real Jaeger; functions
// are built by `eventflow build --push` (or by the serverless-eventflow plugin under the real
// `osls`) and run as pods on the node's kubelet, whose runtime exports its own spans to the same
// Jaeger over the bridge.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { connect, headers } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistry, type TestRegistry } from "../registry/index.ts";
import {
  startNatsServer,
  type NatsServer,
} from "../../packages/controller/test/async/nats-server.ts";
import {
  oneSpan,
  parentOf,
  serviceOf,
  startJaeger,
  tagOf,
  type Jaeger,
  type JaegerSpan,
} from "../../packages/controller/test/tracing/jaeger.ts";
import { eventually } from "./support/eventually.ts";
import { buildProject, pushFunctionBase } from "./support/images.ts";
import { callApi, type ApiReply } from "./support/api.ts";
import { startControllerProcess, type RunningController } from "./support/controller.ts";
import { startNodeCluster, type NodeCluster } from "./support/node-cluster.ts";

const NS = "default";

let cluster: NodeCluster;
let registry: TestRegistry;
let nats: NatsServer;
let jaeger: Jaeger;
let controller: RunningController;
let token: string;
let image: string;
/** The function base image in the test registry. */
let base: string;
/** A service on the bridge gateway that the handler calls (the trace's outgoing fetch). */
let downstream: Server;
let downstreamUrl: string;
const seen: IncomingHttpHeaders[] = [];

// `?op=flaky&until=N` fails with 503 until the platform's attempt N; `?op=trace` calls the
// downstream service and answers with its trace ids; anything else echoes what it received.
const HANDLER = `import { HttpError, type Context, type HttpEvent } from "@eventflow/sdk";

export default async function worker(event: HttpEvent, ctx: Context) {
  const attempt = Number(event.headers["x-eventflow-attempt"] ?? "0");
  if (event.query.op === "flaky") {
    if (attempt < Number(event.query.until ?? "2")) throw new HttpError(503, "not yet");
    return "ok on attempt " + attempt;
  }
  if (event.query.op === "trace") {
    const res = await fetch(process.env.DOWNSTREAM_URL!);
    await res.arrayBuffer();
    return { trace: ctx.trace, downstream: res.status };
  }
  return {
    body: event.body ?? null,
    attempt,
    type: event.cloudEvent?.type ?? null,
    subject: event.cloudEvent?.subject ?? null,
  };
}
`;

interface Invocation {
  readonly id: string;
  readonly state: string;
  readonly attempts: ReadonlyArray<{ readonly status: number }>;
  readonly result: { readonly body: string };
}

/** The controller's API (support/api.ts); `T` is what the caller knows the answer holds. */
function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiReply<T>> {
  return callApi<T>(
    { url: controller.url, token },
    { method, path, headers, ...(body === undefined ? {} : { body }) },
  );
}

async function deploy(spec: Record<string, unknown>): Promise<void> {
  const created = await api("POST", "/v1/functions", { image, replicas: 1, ...spec });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await eventually(
    `${spec.name as string} ready`,
    async () =>
      ((await api<{ ready_replicas?: number }>("GET", `/v1/functions/${spec.name as string}`)).body
        ?.ready_replicas ?? 0) >= 1,
    180_000,
  );
}

function settled(id: string, state: string): Promise<Invocation> {
  return eventually(
    `invocation ${id} ${state}`,
    async () => {
      const r = await api<Invocation | undefined>("GET", `/v1/invocations/${id}`);
      return r.body?.state === state ? r.body : undefined;
    },
    60_000,
  );
}

function succeeded(name: string, atLeast: number): Promise<Invocation[]> {
  return eventually(
    `${atLeast} succeeded invocations of ${name}`,
    async () => {
      const r = await api<Invocation[]>(
        "GET",
        `/v1/functions/${name}/invocations?state=succeeded&limit=50`,
      );
      return r.status === 200 && r.body.length >= atLeast ? r.body : undefined;
    },
    60_000,
  );
}

/** The JSON the handler answered for an invocation (its result is kept base64). */
const resultOf = (inv: Invocation) => Buffer.from(inv.result.body, "base64").toString("utf8");

beforeAll(async () => {
  [cluster, registry, nats] = await Promise.all([
    startNodeCluster(),
    startRegistry({ mode: "plain" }),
    startNatsServer(),
  ]);
  // Pods reach this machine at the bridge gateway (where the API server's forwarder listens).
  const gateway = cluster.apiserverForPods.split(":")[0]!;
  jaeger = await startJaeger({ otlpHost: gateway });
  downstream = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  await new Promise<void>((r) => downstream.listen(0, gateway, r));
  downstreamUrl = `http://${gateway}:${(downstream.address() as AddressInfo).port}/downstream`;

  await cluster.trustRegistry(registry.host);
  base = await pushFunctionBase(registry);
  const dir = await mkdtemp(`${tmpdir()}/ef-async-worker-`);
  await mkdir(`${dir}/src`);
  await writeFile(`${dir}/package.json`, '{"name":"async-worker","type":"module"}');
  await writeFile(`${dir}/src/index.ts`, HANDLER);
  image = await buildProject(registry, dir, "async-worker", base);
  controller = await startControllerProcess({
    kubeconfig: cluster.kubeconfig,
    namespace: NS,
    logDir: `${cluster.dir}/logs`,
    env: {
      EVENTFLOW_NATS_URL: nats.url,
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
      OTEL_BSP_SCHEDULE_DELAY: "100",
    },
  });
  token = await controller.token();
}, 600_000);

afterAll(async () => {
  await controller?.stop();
  downstream?.closeAllConnections();
  await new Promise((r) => (downstream ? downstream.close(r) : r(undefined)));
  await jaeger?.stop();
  await nats?.stop();
  await registry?.stop();
  await cluster?.stop();
  console.log(`[e2e] integrations component logs in ${cluster?.dir}/logs`);
});

describe("async invocations on a real node, queued on NATS JetStream", () => {
  beforeAll(async () => {
    await deploy({
      name: "worker",
      retry: { maxAttempts: 4, backoff: { initialMs: 100, maxMs: 400, multiplier: 2 } },
    });
  }, 240_000);

  it("answers 202 with a Location; the pod's answer is kept as the result", async () => {
    const accepted = await api<{ id: string }>(
      "POST",
      "/v1/functions/worker:invoke?op=echo",
      { order: 42 },
      { prefer: "respond-async" },
    );
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.headers.get("location")).toBe(`/v1/invocations/${accepted.body.id}`);
    const inv = await settled(accepted.body.id, "succeeded");
    expect(inv.attempts).toHaveLength(1);
    expect(JSON.parse(resultOf(inv))).toEqual({
      body: { order: 42 },
      attempt: 1,
      type: null,
      subject: null,
    });
  });

  it("retries a failing-then-succeeding function with the spec's backoff", async () => {
    const accepted = await api<{ id: string }>(
      "POST",
      "/v1/functions/worker:invoke?op=flaky&until=3",
      undefined,
      { prefer: "respond-async" },
    );
    expect(accepted.status).toBe(202);
    const inv = await settled(accepted.body.id, "succeeded");
    expect(inv.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(resultOf(inv)).toBe("ok on attempt 3");
  });
});

describe("triggers on a real node", () => {
  it("a 6-field schedule fires every second, each tick an async invoke carrying a CloudEvent", async () => {
    await deploy({
      name: "ticker",
      triggers: [{ type: "schedule", cron: "*/1 * * * * *", data: { hello: "tick" } }],
    });
    const done = await succeeded("ticker", 3);
    const inv = await settled(done[0]!.id, "succeeded");
    expect(JSON.parse(resultOf(inv))).toMatchObject({
      body: { hello: "tick" },
      type: "dev.eventflow.schedule.tick",
    });
    expect((await api("DELETE", "/v1/functions/ticker")).status).toBeLessThan(300);
  }, 240_000);

  it("a message published on a NATS subject reaches the function as a CloudEvent", async () => {
    await deploy({ name: "listener", triggers: [{ type: "nats", subject: "orders.*" }] });
    const nc = await connect({ servers: nats.url });
    try {
      // Published until one is seen: the subscription starts on the engine's next check.
      await eventually(
        "a delivered message",
        async () => {
          const h = headers();
          h.set("Content-Type", "application/json");
          nc.publish("orders.created", JSON.stringify({ order: 7 }), { headers: h });
          await nc.flush();
          const r = await api<Invocation[]>("GET", "/v1/functions/listener/invocations?limit=5");
          return r.status === 200 && r.body.length > 0;
        },
        60_000,
        500,
      );
    } finally {
      await nc.close();
    }
    const [first] = await succeeded("listener", 1);
    const inv = await settled(first!.id, "succeeded");
    expect(JSON.parse(resultOf(inv))).toMatchObject({
      body: { order: 7 },
      type: "dev.eventflow.nats.message",
      subject: "orders.created",
    });
    await api("DELETE", "/v1/functions/listener");
  }, 240_000);
});

describe("tracing on a real node", () => {
  it("one trace: caller -> controller -> proxy -> the pod's runtime -> handler -> its fetch", async () => {
    await deploy({
      name: "traced",
      env: {
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl,
        OTEL_SERVICE_NAME: "traced-pod",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        DOWNSTREAM_URL: downstreamUrl,
      },
    });
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const res = await api<{ downstream: number; trace: unknown }>(
      "POST",
      "/v1/functions/traced:invoke?op=trace",
      undefined,
      { traceparent: `00-${traceId}-${callerSpan}-01` },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.downstream).toBe(200);

    // The caller's span is not exported: the controller's server span is its child.
    const t = await jaeger.trace(traceId, 5, 30_000);
    const service = (s: JaegerSpan) => serviceOf(t, s);
    const one = (pred: (s: JaegerSpan) => boolean, what: string) => oneSpan(t, pred, what);
    const server = one(
      (s) => service(s) === "eventflow-controller" && tagOf(s, "span.kind") === "server",
      "controller server span",
    );
    expect(parentOf(server)).toBe(callerSpan);
    const proxy = one(
      (s) => service(s) === "eventflow-controller" && tagOf(s, "span.kind") === "client",
      "proxy client span",
    );
    expect(parentOf(proxy)).toBe(server.spanID);
    const replica = one(
      (s) => service(s) === "traced-pod" && tagOf(s, "span.kind") === "server",
      "the pod's runtime server span",
    );
    expect(parentOf(replica)).toBe(proxy.spanID);
    const handler = one((s) => s.operationName === "handler traced", "handler span");
    expect(parentOf(handler)).toBe(replica.spanID);
    const fetchSpan = one(
      (s) => service(s) === "traced-pod" && tagOf(s, "span.kind") === "client",
      "the handler's fetch span",
    );
    expect(parentOf(fetchSpan)).toBe(handler.spanID);
    expect(tagOf(fetchSpan, "url.full")).toBe(downstreamUrl);
    // What the handler saw, and what reached the service it called.
    expect(res.body.trace).toMatchObject({ traceId, spanId: handler.spanID });
    expect(seen.at(-1)?.traceparent).toBe(`00-${traceId}-${fetchSpan.spanID}-01`);
    await api("DELETE", "/v1/functions/traced");
  }, 240_000);
});

describe("serverless.yml on a real node (osls with serverless-eventflow)", () => {
  const require = createRequire(import.meta.url);
  const OSLS = join(dirname(require.resolve("osls/package.json")), "bin", "serverless.js");
  let service: string;
  const osls = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [OSLS, ...args],
        {
          cwd: service,
          maxBuffer: 16 * 1024 * 1024,
          env: {
            PATH: process.env.PATH ?? "",
            HOME: join(service, ".home"),
            EVENTFLOW_URL: controller.url,
            EVENTFLOW_TOKEN: token,
            // No telemetry, update checks, notifications or prompts: no network, no questions.
            SLS_TELEMETRY_DISABLED: "1",
            SLS_NOTIFICATIONS_MODE: "off",
            SLS_INTERACTIVE_SETUP_DISABLE: "1",
            CI: "true",
            NO_COLOR: "1",
          },
        },
        (error, stdout, stderr) =>
          done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    service = await mkdtemp(`${tmpdir()}/ef-sls-e2e-`);
    await mkdir(`${service}/src`);
    await writeFile(
      `${service}/src/greet.mjs`,
      [
        'import { hostname } from "node:os";',
        "export default (event) => ({",
        '  greeting: `Hello, ${event.body?.name ?? "world"}!`,',
        "  node: hostname(),",
        "});",
        "",
      ].join("\n"),
    );
    await writeFile(
      `${service}/serverless.yml`,
      [
        "service: shop",
        'frameworkVersion: "*"',
        "configValidationMode: error",
        "provider:",
        "  name: eventflow",
        `  registry: ${registry.host}/sls`,
        `  base: ${base}`,
        "plugins:",
        "  - serverless-eventflow",
        "functions:",
        "  greet:",
        "    handler: src/greet.default",
        "",
      ].join("\n"),
    );
  });

  it("deploy pushes the image and runs it as a pod; invoke answers from it; remove deletes it", async () => {
    const deployed = await osls(["deploy"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    const fn = await eventually(
      "shop-dev-greet ready",
      async () => {
        const r = await api<{ ready_replicas?: number; spec: { image: string } }>(
          "GET",
          "/v1/functions/shop-dev-greet",
        );
        return (r.body?.ready_replicas ?? 0) >= 1 ? r.body : undefined;
      },
      180_000,
    );
    expect(fn.spec.image.startsWith(`${registry.host}/sls`)).toBe(true);
    const pods = await cluster.core.listNamespacedPod({
      namespace: NS,
      labelSelector: "eventflow.dev/function=shop-dev-greet",
    });
    expect(pods.items.map((p) => p.spec?.nodeName)).toContain(cluster.nodeName);

    const invoked = await osls(["invoke", "-f", "greet", "--data", '{"name":"node"}']);
    expect(invoked.code, invoked.stderr).toBe(0);
    const answer = JSON.parse(invoked.stdout) as { greeting: string; node: string };
    expect(answer.greeting).toBe("Hello, node!");
    // Answered by one of the function's pods (a pod's host name is its name).
    expect(pods.items.map((p) => p.metadata?.name)).toContain(answer.node);

    const removed = await osls(["remove"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await api("GET", "/v1/functions/shop-dev-greet")).status).toBe(404);
  }, 300_000);
});
