/**
 * Builds the controller's Koa app without listening: request ids, metrics, the error envelope,
 * then the route table (which also yields /openapi.json). `createApp(deps).callback()` is what
 * tests and the server use; it answers invokes on a fast path before Koa (routes/invoke.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import Router from "@koa/router";
import Koa from "koa";
import type { Logger } from "pino";
import { createTokenIssuer, type TokenIssuer } from "./auth/tokens.js";
import { createTokenVerifier, type TokenVerifier } from "./auth/verifier.js";
import type { Config } from "./config.js";
import type { Driver } from "./drivers/driver.js";
import type { ControllerState } from "./http/context.js";
import { createDashboardMiddleware, DEFAULT_DASHBOARD_DIR } from "./http/dashboard.js";
import { createErrorMiddleware } from "./http/errors.js";
import { createRequestIdMiddleware } from "./http/request-id.js";
import type { ControllerMetrics } from "./metrics.js";
import { buildOpenApiDocument } from "./openapi.js";
import { authRoutes } from "./routes/auth.js";
import type { InvokeHandler } from "./invoke/index.js";
import type { RouteDeps } from "./routes/deps.js";
import { createRevisionTraffic, type RevisionTraffic } from "./revisions/revision-traffic.js";
import { withRevisionWorkloads } from "./revisions/revision-workloads.js";
import { functionRoutes } from "./routes/functions.js";
import { revisionRoutes } from "./routes/revisions.js";
import { eventRoutes } from "./routes/events.js";
import { invocationRoutes } from "./routes/invocations.js";
import type { InvocationQueue } from "./async/index.js";
import { secretRoutes } from "./routes/secrets.js";
import { createInvokeFastPath, invokeRoute, type RequestListener } from "./routes/invoke.js";
import { observeRoutes } from "./routes/observe.js";
import { createActionGuard, registerRoutes } from "./routes/register.js";
import type { AnyRoute } from "./routes/route.js";
import { systemRoutes } from "./routes/system.js";
import { isClientGone } from "./http/client-gone.js";
import type { OidcKeysObserver } from "./auth/oidc.js";
import { CONTROLLER_VERSION } from "./version.js";

/** What the app is built from. */
export interface AppDeps {
  readonly config: Config;
  readonly driver: Driver;
  readonly logger: Logger;
  readonly metrics: ControllerMetrics;
  /** The invoke router (`createInvokeHandler` from ./invoke). */
  readonly invoke: InvokeHandler;
  /**
   * Revisions at run time, shared with the invoke router (which routes by it). Absent: one over
   * `driver` that no invoke router reads (tests of the API alone).
   */
  readonly traffic?: RevisionTraffic;
  /** The asynchronous invocation queue (`Prefer: respond-async`, /v1/invocations). */
  readonly invocations?: InvocationQueue;
  readonly verifier?: TokenVerifier;
  readonly issuer?: TokenIssuer;
  readonly now?: () => Date;
  /** Readiness for /readyz; defaults to the driver's own `ready()` (ready when it has none). */
  readonly isReady?: () => boolean;
  /** Aborted when the controller shuts down: open log streams end so connections can close. */
  readonly shutdown?: AbortSignal;
  /** The dashboard's build, served at `/` (default packages/dashboard/dist); false: none. */
  readonly dashboardDir?: string | false;
}

/**
 * The Koa app whose `callback()` puts the invoke fast path in front of the middleware chain,
 * so the server and every test of `createApp(...).callback()` take the same path.
 */
type KoaListener = ReturnType<Koa<ControllerState>["callback"]>;

class ControllerApp extends Koa<ControllerState> {
  readonly #front: (koa: RequestListener) => RequestListener;

  constructor(front: (koa: RequestListener) => RequestListener) {
    super();
    this.#front = front;
  }

  override callback(): KoaListener {
    const koa = super.callback();
    const listener = this.#front((req, res) => void koa(req, res));
    // The controller serves HTTP/1.1 only (node:http), so requests are IncomingMessages.
    return (req, res) => {
      listener(req as IncomingMessage, res as ServerResponse);
      return Promise.resolve();
    };
  }
}

/** Every route of the API, in registration order. */
export function buildRoutes(deps: RouteDeps): AnyRoute[] {
  let document: unknown;
  const routes: AnyRoute[] = [];
  const openapi = () =>
    (document ??= buildOpenApiDocument(routes, { version: CONTROLLER_VERSION }));
  routes.push(
    ...functionRoutes(deps),
    ...revisionRoutes(deps),
    ...eventRoutes(deps),
    ...secretRoutes(deps),
    invokeRoute(deps),
    ...invocationRoutes(deps),
    ...observeRoutes(deps),
    ...authRoutes(deps),
    ...systemRoutes(deps, openapi),
  );
  return routes;
}

/** Counts each failed key set refresh; logs once per issuer outage, and its end. */
export function createOidcObserver(deps: Pick<AppDeps, "metrics" | "logger">): OidcKeysObserver {
  let failing = false;
  return {
    refreshFailed(error, ageMs) {
      deps.metrics.countJwksRefreshError();
      if (failing) return;
      failing = true;
      deps.logger.warn(
        { err: String(error), keySetAgeSeconds: Math.round(ageMs / 1000) },
        "OIDC issuer unreachable: verifying with the last key set fetched",
      );
    },
    recovered() {
      failing = false;
      deps.logger.info("OIDC issuer reachable again: key set refreshed");
    },
  };
}

/** Creates the Koa app; it does not listen. */
export function createApp(deps: AppDeps): Koa<ControllerState> {
  const now = deps.now ?? (() => new Date());
  const routeDeps: RouteDeps = {
    config: deps.config,
    // Revision workloads are not the API's to show (the controller's start wraps it already).
    driver: withRevisionWorkloads(deps.driver),
    metrics: deps.metrics,
    invoke: deps.invoke,
    traffic: deps.traffic ?? createRevisionTraffic({ driver: deps.driver, logger: deps.logger }),
    ...(deps.invocations === undefined ? {} : { invocations: deps.invocations }),
    issuer: deps.issuer ?? createTokenIssuer(deps.config.auth, now),
    now,
    isReady: deps.isReady ?? (() => deps.driver.ready?.() ?? true),
    shutdown: deps.shutdown ?? new AbortController().signal,
  };
  const verifier =
    deps.verifier ??
    createTokenVerifier({
      auth: deps.config.auth,
      ...(deps.now ? { now } : {}),
      oidcObserver: createOidcObserver(deps),
    });
  const app = new ControllerApp((fallback) =>
    createInvokeFastPath({
      verifier,
      driver: deps.driver,
      invoke: deps.invoke,
      countRequest: deps.metrics.countHttpRequest,
      fallback,
      logger: deps.logger,
    }),
  );
  app.silent = true;
  const router = new Router<ControllerState>();
  const routes = buildRoutes(routeDeps);
  registerRoutes(router, routes, {
    verifier,
    maxBodyBytes: deps.config.limits.maxBodyBytes,
    bodyTimeoutMs: deps.config.limits.bodyTimeoutSeconds * 1000,
  });
  app.use(createRequestIdMiddleware(deps.logger));
  app.use(deps.metrics.httpMiddleware);
  app.use(createErrorMiddleware());
  if (deps.dashboardDir !== false) {
    const oidc = deps.config.auth.oidc?.issuer;
    app.use(
      createDashboardMiddleware({
        root: deps.dashboardDir ?? DEFAULT_DASHBOARD_DIR,
        connectOrigins: oidc ? [new URL(oidc).origin] : [],
      }),
    );
  }
  app.use(createActionGuard(routes));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on("error", (error: unknown) => {
    // Koa reports a streamed body (a log stream) that broke because its client left this way.
    if (isClientGone(error))
      deps.logger.debug({ code: (error as { code?: string }).code }, "client went away");
    else deps.logger.error({ err: error }, "unhandled error");
  });
  return app;
}
