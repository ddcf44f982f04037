/** Starts the controller app in-process (app.callback() on 127.0.0.1:0) for API tests. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { SignJWT } from "jose";
import { createApp } from "../../src/app.js";
import type { InvocationQueue } from "../../src/async/index.js";
import { createTokenVerifier } from "../../src/auth/verifier.js";
import { parseConfig, type Config } from "../../src/config.js";
import type { Driver } from "../../src/drivers/driver.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics, type ControllerMetrics } from "../../src/metrics.js";
import { createInvokeHandler, type InvokeHandler } from "../../src/invoke/index.js";
import {
  createRevisionTraffic,
  type RevisionTraffic,
} from "../../src/revisions/revision-traffic.js";
import { withRevisionWorkloads } from "../../src/revisions/revision-workloads.js";
import { startDriver, tempDir } from "../local-driver/helpers/driver-harness.js";
import { writeTestImage } from "../local-driver/helpers/oci-image.js";

/** The HS256 secret the tests configure. */
export const TEST_SECRET = "test-secret-of-at-least-thirty-two-characters!";

/** A running in-process controller. */
export interface TestApp {
  readonly url: string;
  readonly config: Config;
  readonly metrics: ControllerMetrics;
  /** JSON log lines the app wrote. */
  readonly logs: Array<Record<string, unknown>>;
  /** Raw log text, to check that secrets never appear. */
  rawLogs(): string;
  /** Cuts every open connection (clients see a network error and may reconnect). */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Options of {@link startTestApp}. */
export interface TestAppOptions {
  readonly driver: Driver;
  readonly env?: Record<string, string>;
  /** The invoke router; tests of the API shape may leave it out (invokes then fail loudly). */
  readonly invoke?: (metrics: ControllerMetrics, config: Config) => InvokeHandler;
  /** Revisions at run time, shared with the invoke router (startLocalDriverApp makes one). */
  readonly traffic?: RevisionTraffic;
  readonly now?: () => Date;
  /** Readiness for /readyz (default: ready). */
  readonly isReady?: () => boolean;
  /** Least time between JWKS refetches (key rotation tests lower it). */
  readonly jwksCooldownMs?: number;
  /** The asynchronous invocation queue (async API tests). */
  readonly invocations?: InvocationQueue;
}

/** Builds and listens. */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const config = parseConfig({
    JWT_SECRET: TEST_SECRET,
    METRICS_PORT: "0",
    LOG_LEVEL: "debug",
    ...options.env,
  });
  let raw = "";
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split("\n").filter(Boolean))
        logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const metrics = createMetrics({
    countFunctions: async () => (await options.driver.list()).length,
  });
  const invoke: InvokeHandler =
    options.invoke?.(metrics, config) ??
    (async () => {
      throw new Error("no invoke router in this test");
    });
  const app = createApp({
    config,
    driver: options.driver,
    logger,
    metrics,
    invoke,
    ...(options.now ? { now: options.now } : {}),
    ...(options.isReady ? { isReady: options.isReady } : {}),
    ...(options.invocations ? { invocations: options.invocations } : {}),
    ...(options.traffic ? { traffic: options.traffic } : {}),
    ...(options.jwksCooldownMs === undefined
      ? {}
      : {
          verifier: createTokenVerifier({
            auth: config.auth,
            jwksCooldownMs: options.jwksCooldownMs,
          }),
        }),
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    metrics,
    logs,
    rawLogs: () => raw,
    dropConnections: () => server.closeAllConnections(),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Claims of a test token; defaults make a valid developer token of tenant `acme`. */
export interface TokenClaims {
  tenant?: string | undefined;
  role?: string | string[] | undefined;
  iss?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
  sub?: string;
  [claim: string]: unknown;
}

/** Signs a token with the test secret (independently of the controller's issuer). */
export async function mintToken(
  claims: TokenClaims = {},
  secret: string = TEST_SECRET,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { iss = "eventflow", aud = "eventflow", exp = now + 600, sub = "tester", ...rest } = claims;
  const body: Record<string, unknown> = { tenant: "acme", role: "developer", ...rest };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return new SignJWT(body)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(iss)
    .setAudience(aud)
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
}

/** A fetch helper: JSON in, status + headers + parsed body out. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into arbitrary JSON
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: tests look at the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/**
 * The real invoke router over `driver` with the config's limits, for `startTestApp`'s `invoke`;
 * its pools are closed by the returned function.
 */
export function realInvoke(
  driver: Driver,
  traffic?: RevisionTraffic,
): {
  invoke: (metrics: ControllerMetrics, config: Config) => InvokeHandler;
  close: () => Promise<void>;
} {
  let handler: ReturnType<typeof createInvokeHandler> | undefined;
  return {
    invoke: (metrics, config) => {
      handler = createInvokeHandler({
        driver,
        ...(traffic === undefined ? {} : { traffic }),
        recorder: metrics.recorder,
        config: {
          maxBodyBytes: config.limits.maxInvokeBodyBytes,
          defaultTimeoutSeconds: config.limits.defaultTimeoutSeconds,
        },
      });
      return handler;
    },
    close: async () => handler?.close(),
  };
}

/** The real local driver with the test image, the real invoke router and the app over them. */
export interface LocalDriverApp {
  readonly app: TestApp;
  readonly driver: Driver;
  /** `oci:` reference of the fixture app's image (tag v1). */
  readonly image: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** Starts {@link LocalDriverApp} in a fresh temporary directory (removed by `close`). */
export async function startLocalDriverApp(
  prefix: string,
  env: Record<string, string> = {},
): Promise<LocalDriverApp> {
  const data = await tempDir(prefix);
  const dataDir = `${data.path}/data`;
  const image = await writeTestImage({ dir: `${data.path}/layout`, tag: "v1" });
  const driver = await startDriver(dataDir);
  // As the controller's start wires them: the router routes by the revisions' traffic, the API
  // sees the driver without revision workloads.
  const traffic = createRevisionTraffic({
    driver,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    intervalMs: 100,
    idleGraceMs: 1000,
  });
  const router = realInvoke(driver, traffic);
  const app = await startTestApp({
    driver: withRevisionWorkloads(driver),
    env: { EVENTFLOW_DATA_DIR: dataDir, ...env },
    invoke: router.invoke,
    traffic,
  });
  traffic.start();
  return {
    app,
    driver,
    image,
    dataDir,
    async close() {
      await traffic.stop();
      await app.close();
      await router.close();
      await driver.close();
      await data.cleanup();
    },
  };
}

/** Polls `GET /v1/functions/NAME` until `check` holds; throws with the last answer after 20 s. */
export async function waitForFunction(
  app: TestApp,
  token: string,
  name: string,
  check: (f: Record<string, unknown>) => boolean = (f) => f.ready_replicas === 1,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  let last: unknown;
  while (Date.now() < deadline) {
    const f = await call(app.url, "GET", `/v1/functions/${name}`, { token });
    last = f.body;
    if (f.status === 200 && check(f.body)) return f.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`function ${name} never matched: ${JSON.stringify(last)}`);
}
