/**
 * The composition root: builds the driver, metrics, invoke router and app from a parsed
 * config, listens on PORT (and METRICS_PORT for Prometheus), and shuts down in order.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventFlowError } from "@eventflow/protocol";
import type { Logger } from "pino";
import { createApp } from "./app.js";
import type { Config } from "./config.js";
import type { Driver } from "./drivers/driver.js";
import type { KubernetesDriverOptions } from "./drivers/kubernetes/index.js";
import { authFileCredentials, createLocalDriver } from "./drivers/local/index.js";
import { createAutoscaler } from "./autoscale/autoscaler.js";
import { createScraper } from "./autoscale/scrape.js";
import { withAutoscalerStatus } from "./autoscale/status.js";
import { createRevisionTraffic } from "./revisions/revision-traffic.js";
import { withRevisionWorkloads } from "./revisions/revision-workloads.js";
import { createInvokeHandler } from "./invoke/index.js";
import { createLogger } from "./logger.js";
import { createMetrics, functionKey, type ControllerMetrics } from "./metrics.js";
import { ENDPOINT_ROUTE, INVOKE_ROUTE, matchInvokePath, targetOf } from "./routes/invoke.js";
import {
  connectTriggerNats,
  openInvocationQueue,
  startAsyncWorker,
  startTriggerEngine,
} from "./async/index.js";
import { traceRequests } from "./tracing/http-server.js";
import { createInvokeTracing } from "./tracing/invoke-spans.js";

/** A running controller. */
export interface StartedController {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Base URL of the Prometheus listener, when METRICS_PORT is not 0. */
  readonly metricsUrl: string | undefined;
  readonly driver: Driver;
  /** Stops listening, closes replica pools, then stops the driver (local: drains replicas). */
  close(): Promise<void>;
}

/** Options of {@link startController}. */
export interface StartControllerOptions {
  readonly logger?: Logger;
  /** A driver to use instead of the configured one (tests). */
  readonly driver?: Driver;
}

async function createDriver(
  config: Config,
  logger: Logger,
  recorders: Pick<ControllerMetrics, "logs" | "store">,
): Promise<Driver> {
  if (config.driver === "local") {
    const { authFile, authFileRequired, ca } = config.registry;
    return createLocalDriver({
      dataDir: config.dataDir,
      maxReplicas: config.limits.maxReplicas,
      sandbox: config.localSandbox.mode,
      ...(config.localSandbox.replicaPath === undefined
        ? {}
        : { replicaPath: config.localSandbox.replicaPath }),
      replicaUids: { first: config.localSandbox.uidBase, count: config.localSandbox.uidCount },
      allowEmptyStore: config.localStore.allowEmpty,
      ...(config.localStore.secretKeyFile === undefined
        ? {}
        : { secretKeyFile: config.localStore.secretKeyFile }),
      backup: {
        intervalMs: config.localStore.backupIntervalSeconds * 1000,
        keep: config.localStore.backupKeep,
      },
      logger: logger.child({ component: "local-driver" }),
      logLinesPerSecond: config.limits.functionLogLinesPerSecond,
      logRecorder: recorders.logs,
      storeRecorder: recorders.store,
      registry: {
        credentials: authFileCredentials({ path: authFile, required: authFileRequired }),
        ...(ca === undefined ? {} : { ca }),
      },
    });
  }
  // The Kubernetes driver (and @kubernetes/client-node) is loaded only when selected; the
  // literal specifier lets a bundler (the controller image) include it as a lazy chunk.
  let mod: { createKubernetesDriver: (options: KubernetesDriverOptions) => Driver };
  try {
    mod = (await import("./drivers/kubernetes/index.js")) as typeof mod;
  } catch (error) {
    throw new EventFlowError("DRIVER_UNAVAILABLE", "the kubernetes driver could not be loaded", {
      cause: error,
    });
  }
  const k = config.kubernetes;
  return mod.createKubernetesDriver({
    ...(k.namespacePerTenant
      ? { namespacePrefix: k.namespacePrefix }
      : { namespace: config.namespace }),
    controllerNamespace: k.controllerNamespace,
    endpointMode: k.endpointMode,
    imagePullSecrets: k.imagePullSecrets,
    ...(k.leaderElection ? {} : { leaderElection: false }),
    limits: {
      maxReplicas: config.limits.maxReplicas,
      maxBodyBytes: config.limits.maxInvokeBodyBytes,
    },
    logger: logger.child({ component: "kubernetes-driver" }),
  });
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      const shown = address.address.includes(":") ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}

function createMetricsServer(metrics: ControllerMetrics): Server {
  return createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics failed\n"),
    );
  });
}

/** In-flight requests get this long to finish before their connections are cut. */
const CLOSE_GRACE_MS = 10_000;

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    // Keep-alive connections whose last response (an invoke, a log stream) ends after close()
    // become idle later: close those as they appear.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearTimeout(cut);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * The drain window: for the whole of `ms` the server keeps listening and answering, each answer
 * closing its connection, like the API server's `--shutdown-delay-duration`. It does not end
 * when the connection count touches 0: clients told to reconnect may be routed here again until
 * every load balancer has taken this replica out, and a listener closed then would refuse or
 * reset them. Idle keep-alive connections are not cut here either: cutting one races a client
 * that is writing a request on it right then, which is the failure the window exists to avoid.
 */
async function drain(ms: number): Promise<void> {
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

function closeIfListening(server: Server): Promise<void> {
  return server.listening ? close(server) : Promise.resolve();
}

/** The route template of an invoke's request line, for span names (others: the method only). */
function routeOf(method: string, url: string): string | undefined {
  if (url.startsWith("/fn/")) return ENDPOINT_ROUTE;
  return matchInvokePath(method, url) === undefined ? undefined : INVOKE_ROUTE;
}

/** Starts the controller described by `config`. */
export async function startController(
  config: Config,
  options: StartControllerOptions = {},
): Promise<StartedController> {
  // Tracing off: no SDK is set up, and every hook below is absent.
  const tracing = config.tracing.enabled
    ? (await import("./tracing/provider.js")).createControllerTracing(config.tracing)
    : undefined;
  const logger =
    options.logger ?? createLogger(config.logLevel, undefined, { traceIds: tracing !== undefined });
  // Created before the driver, which counts its log ingestion in them.
  const metrics = createMetrics({
    countFunctions: async () => (await driver.list()).length,
    exemplars: tracing !== undefined,
  });
  const baseDriver = options.driver ?? (await createDriver(config, logger, metrics));
  let ready = false;
  // Revisions at run time: the router reads its traffic tables on every invoke.
  const traffic = createRevisionTraffic({
    driver: baseDriver,
    logger: logger.child({ component: "revisions" }),
    onRevisionGone: (tenant, fn, revision) => metrics.forgetRevision(tenant, fn, revision),
  });
  const invoke = createInvokeHandler({
    driver: baseDriver,
    traffic,
    recorder: metrics.recorder,
    activatorRecorder: metrics.scaling.activator,
    config: {
      maxBodyBytes: config.limits.maxInvokeBodyBytes,
      defaultTimeoutSeconds: config.limits.defaultTimeoutSeconds,
      coldStartTimeoutMs: config.autoscaling.coldStartTimeoutMs,
      maxQueuedPerFunction: config.autoscaling.activatorQueue,
      ...(config.limits.tenantInvokeRate === undefined
        ? {}
        : { tenantRateLimit: config.limits.tenantInvokeRate }),
    },
    logger: logger.child({ component: "invoke" }),
    ...(tracing === undefined ? {} : { tracing: createInvokeTracing(tracing.tracer) }),
  });
  // Request-driven scaling: runs where the driver says this controller leads.
  const autoscaler = createAutoscaler({
    driver: baseDriver,
    scraper: createScraper({}),
    queued: invoke.queued,
    inFlight: invoke.inFlight,
    intervalMs: config.autoscaling.intervalMs,
    recorder: metrics.scaling.autoscaler,
    onTick: (fn, desired, ready) =>
      metrics.series.replicas(functionKey(fn.tenant, fn.name), desired, ready),
    logger: logger.child({ component: "autoscaler" }),
  });
  // What the API and the rest see: revision workloads hidden, autoscaler status added.
  const driver = withRevisionWorkloads(
    withAutoscalerStatus(baseDriver, autoscaler.status, invoke.queued),
  );
  // The async queue: JetStream when EVENTFLOW_NATS_URL is set, else sqlite in the data dir on
  // the local driver. Controller replicas on Kubernetes share no disk (their root filesystem
  // is read-only, a pod's files go with it): without NATS they answer ASYNC_UNAVAILABLE.
  const invocations =
    config.async.nats !== undefined || driver.name === "local"
      ? await openInvocationQueue(config.async, async (tenant, name) => {
          // A function deleted meanwhile keeps the controller's policy.
          const spec = await driver.get(tenant, name).then(
            (s) => s.spec,
            () => undefined,
          );
          return spec?.retry;
        })
      : undefined;
  if (invocations === undefined)
    logger.warn(
      { hint: "set EVENTFLOW_NATS_URL" },
      "asynchronous invocations are off: on Kubernetes they need NATS JetStream",
    );
  const shutdown = new AbortController();
  const app = createApp({
    config,
    driver,
    logger,
    metrics,
    invoke,
    traffic,
    ...(invocations === undefined ? {} : { invocations }),
    isReady: () => ready && (driver.ready?.() ?? true),
    shutdown: shutdown.signal,
  });
  const koa = app.callback();
  const listener =
    tracing === undefined ? koa : traceRequests(koa, { tracer: tracing.tracer, routeOf });
  // Set while shutting down: every answer says `Connection: close`, so each keep-alive client
  // learns to reconnect (elsewhere) on its next request instead of racing the socket's close.
  let draining = false;
  const api = createServer((req, res) => {
    if (draining) res.shouldKeepAlive = false;
    void listener(req, res);
  });
  // Long invokes and log streams are bounded by their own timeouts, not the server's.
  api.requestTimeout = 0;
  api.keepAliveTimeout = 65_000;
  const metricsServer = config.metricsPort === 0 ? undefined : createMetricsServer(metrics);
  let url: string;
  let metricsUrl: string | undefined;
  try {
    url = await listen(api, config.port, config.host);
    if (metricsServer !== undefined)
      metricsUrl = await listen(metricsServer, config.metricsPort, config.metricsHost);
    await driver.start();
  } catch (error) {
    // A port in use or a driver that cannot start (store locked by another controller, no
    // cluster) leaves nothing listening behind.
    await Promise.all([closeIfListening(api), metricsServer && closeIfListening(metricsServer)]);
    await invoke.close();
    await invocations?.close();
    await tracing?.shutdown().catch(() => undefined);
    throw error;
  }
  ready = true;
  autoscaler.start();
  traffic.start();
  const worker =
    invocations &&
    startAsyncWorker({
      queue: invocations,
      config: config.async,
      invoke,
      target: async (tenant, name) => targetOf(await driver.get(tenant, name)),
      recorder: metrics.async,
      logger: logger.child({ component: "async" }),
    });
  // Every replica runs the triggers: schedules fire once per tick through idempotency keys,
  // NATS messages reach one replica through a queue group.
  const triggerNats =
    invocations && config.async.nats && (await connectTriggerNats(config.async.nats));
  const triggers =
    invocations &&
    startTriggerEngine({
      queue: invocations,
      functions: async () => (await driver.list()).map((s) => s.spec),
      ...(triggerNats ? { nats: triggerNats } : {}),
      logger: logger.child({ component: "triggers" }),
    });
  logger.info(
    { url, metricsUrl, driver: driver.name, devAuth: config.auth.devAuth },
    "controller listening",
  );
  if (config.auth.devAuth) {
    logger.warn(
      { hint: `curl -s -X POST ${url}/auth/token | jq -r .token` },
      "dev auth is enabled: anyone who reaches this port gets a token, admin included; on the local driver that includes every function, which runs on this machine",
    );
  }
  if (config.auth.jwtSecretFile?.readableByOthers === true) {
    logger.warn(
      { file: config.auth.jwtSecretFile.path, hint: "chmod 600 (or 640/440 for a group)" },
      "JWT_SECRET_FILE can be read by any user of this machine, who could then sign admin tokens",
    );
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    metricsUrl,
    driver,
    close() {
      closing ??= (async () => {
        ready = false;
        draining = true;
        shutdown.abort();
        await Promise.all([
          drain(config.limits.shutdownDrainSeconds * 1000),
          driver
            .draining?.()
            .catch((error: unknown) =>
              logger.warn({ err: String(error) }, "driver hand-over failed"),
            ),
        ]);
        await Promise.all([
          close(api),
          metricsServer === undefined ? undefined : close(metricsServer),
        ]);
        await triggers?.stop();
        await triggerNats?.drain();
        // Deliveries in hand finish (bounded by their timeouts); the rest wait in the queue.
        await worker?.stop();
        await invocations?.close();
        await autoscaler.stop();
        await traffic.stop();
        await invoke.close();
        await driver.close();
        await tracing?.shutdown().catch((error: unknown) => {
          logger.warn({ err: error }, "exporting the last spans failed");
        });
        logger.info("controller stopped");
      })();
      return closing;
    },
  };
}
