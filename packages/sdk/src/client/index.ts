/**
 * `@eventflow/sdk/client`: the programmatic EventFlow API client. Browser-safe (fetch,
 * URL, AbortSignal and the `eventsource` package only), so the dashboard uses it too.
 * @packageDocumentation
 */
export {
  createClient,
  type DevTokenOptions,
  type EventFlowClient,
  type InvokeTokenOptions,
  type MetricsOptions,
  type TokensApi,
} from "./client.js";
export type { ClientOptions, TokenProvider } from "./transport.js";
export type { RetryPolicy } from "./retry.js";
export { defaultBackoff } from "./retry.js";
export {
  isReady,
  type ApplyResult,
  type CallOptions,
  type EventsOptions,
  type DeleteOptions,
  type FunctionsApi,
  type WaitOptions,
} from "./functions.js";
export {
  toSecretWriteRequest,
  type SecretDeleteOptions,
  type SecretsApi,
  type SecretValues,
} from "./secrets.js";
export type { InvokeOptions, InvokeResult, InvokeStreamResult } from "./invoke.js";
export type {
  DeadLetterSelector,
  EnqueueOptions,
  Invocation,
  InvocationAccepted,
  InvocationAttempt,
  InvocationsApi,
  InvocationState,
  WaitForInvocationOptions,
} from "./invocations.js";
export { toLogFields, type LogEntry, type LogsOptions } from "./logs.js";
export {
  EventFlowError,
  isEventFlowError,
  type ApiRole,
  type AuthConfig,
  type DevToken,
  type FunctionCreateRequest,
  type FunctionPhase,
  type FunctionEvent,
  type FunctionEventType,
  type FunctionRevision,
  type FunctionSpecInput,
  type FunctionSpecLimits,
  type FunctionStatus,
  type InvokeToken,
  type LogEvent,
  type MetricsPoint,
  type MetricsRange,
  type MetricsSeries,
  type RollbackRequest,
  type RolloutPhase,
  type RolloutSpec,
  type RolloutStatus,
  type SecretInfo,
  type SecretWriteRequest,
  type TrafficRequest,
  type TrafficStatus,
  type TrafficTarget,
} from "@eventflow/protocol";
