/**
 * `@eventflow/controller`: the Koa API (auth, tenants, validation, OpenAPI), drivers, the
 * invoke router, logs and metrics. Run it with the `eventflow-controller` bin.
 */
export { createApp, buildRoutes, type AppDeps } from "./app.js";
export {
  parseConfig,
  ROLES,
  type AuthConfig,
  type Config,
  type LimitsConfig,
  type Role,
} from "./config.js";
export { startController, type StartControllerOptions, type StartedController } from "./server.js";
export { createLogger } from "./logger.js";
export { createMetrics, type ControllerMetrics, type MetricsOptions } from "./metrics.js";
export { createTokenIssuer, type IssuedToken, type TokenIssuer } from "./auth/tokens.js";
export {
  createTokenVerifier,
  type TokenVerifier,
  type TokenVerifierOptions,
} from "./auth/verifier.js";
export type { Principal, UserPrincipal, InvokePrincipal, Action } from "./auth/principal.js";
export type { InvokeHandler } from "./invoke/index.js";
export type {
  Driver,
  Endpoint,
  FunctionPhase,
  FunctionSpec,
  FunctionStatus,
  InvocationRecorder,
  LogLine,
  LogQuery,
} from "./drivers/driver.js";
export {
  createInvocationQueue,
  type InvocationQueue,
  type InvocationQueueOptions,
} from "./async/invocations.js";
export { createJetStreamQueue, type JetStreamQueueOptions } from "./async/jetstream-queue.js";
export { createSqliteQueue, type SqliteQueueOptions } from "./async/sqlite-queue.js";
export type { QueueBackend } from "./async/queue.js";
export { CONTROLLER_VERSION } from "./version.js";
