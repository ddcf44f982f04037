export { ERROR_CODES, isErrorCode, type ErrorCode, type ErrorCodeInfo } from "./error-codes.js";
export { CONNECTION_ERROR_CODES, isConnectionErrorCode } from "./connection-errors.js";
export type {
  Invocation,
  InvocationAccepted,
  InvocationAttempt,
  InvocationResult,
  InvocationState,
} from "./invocations.js";
export {
  EventFlowError,
  GENERIC_ERROR_MESSAGE,
  PLATFORM_ERROR_HEADER,
  REPLICA_KEY_HEADER,
  fromErrorEnvelope,
  isErrorEnvelope,
  isEventFlowError,
  toErrorEnvelope,
  type ErrorEnvelope,
  type EventFlowErrorOptions,
  type FieldIssue,
} from "./errors.js";
// Types only: the schema's values live in the "./function-spec" entry, which loads zod.
export type {
  FunctionAuth,
  FunctionCors,
  FunctionResources,
  FunctionScaling,
  FunctionSpecFields,
  FunctionSpecInput,
  FunctionSpecLimits,
  ResourceQuantities,
  SecretRef,
} from "./function-spec/schema.js";
export {
  SCALING_DEFAULTS,
  replicasAfterUpdate,
  resolveScaling,
  type ManualScaling,
  type RequestScaling,
  type ResolvedScaling,
  type ResourceScaling,
  type ScalingInput,
} from "./function-spec/scaling.js";
export { describeAutoscaler, describeScaling, scalingOf } from "./function-spec/scaling-text.js";
export {
  MAX_REVISION_NUMBER,
  REVISION_NUMBER_DIGITS,
  checkRevisionNumber,
  parseRevisionName,
  revisionName,
  revisionOfWorkload,
  type RevisionRef,
} from "./revisions/revision-names.js";
export {
  DEFAULT_REVISION_HISTORY_LIMIT,
  planRevisionHistory,
  type RevisionHistoryInput,
  type RevisionHistoryPlan,
} from "./revisions/history.js";
export {
  DEFAULT_TRAFFIC,
  MAX_TRAFFIC_TAG_LENGTH,
  MAX_TRAFFIC_TARGETS,
  checkTraffic,
  resolveTraffic,
  type ResolvedTrafficTarget,
  type TrafficContext,
  type TrafficTarget,
} from "./revisions/traffic.js";
export { buildTrafficSplit, type TrafficSplit } from "./revisions/traffic-split.js";
export {
  FIELDS_OUTSIDE_REVISIONS,
  revisionChanges,
  sameRevisionSpec,
  toRevisionSpec,
} from "./revisions/revision-spec.js";
export {
  MAX_ROLLOUT_INTERVAL_SECONDS,
  MAX_ROLLOUT_STEPS,
  checkRollout,
  parseRollout,
  type RolloutSpec,
} from "./revisions/rollout-spec.js";
export {
  ROLLOUT_MIN_REQUESTS,
  rolloutPercent,
  startRollout,
  stepRollout,
  type RolloutDecision,
  type RolloutPhase,
  type RolloutState,
  type RolloutTick,
} from "./revisions/rollout.js";
export {
  DEFAULT_TAG,
  DIGEST_HEX_LENGTH,
  DOCKER_HUB,
  isDigest,
  manifestIdentifier,
  parseImageSource,
  parseReference,
  parseRepository,
  toImageReference,
  withDefaultTag,
  withReference,
  type ImageReference,
  type ImageSource,
  type RepositoryReference,
} from "./image-reference.js";
export {
  OTEL_SAMPLERS,
  parseTracingEnv,
  type OtelSampler,
  type TracingConfig,
} from "./otel-env.js";
export {
  FUNCTION_EVENT_TYPES,
  MAX_FUNCTION_EVENTS,
  SCALED_BY,
  describeFunctionEvent,
  isFunctionEventType,
  mergeFunctionEvents,
  type FunctionEvent,
  type FunctionEventType,
  type ScaledBy,
} from "./function-events.js";
export {
  FUNCTION_NAME_PATTERN,
  MAX_FUNCTION_NAME_LENGTH,
  checkFunctionName,
  parseFunctionName,
} from "./names.js";
export {
  FUNCTION_PHASES,
  MAX_SECRET_BYTES,
  type ApiRole,
  type AuthConfig,
  type AutoscalerStatus,
  type DevToken,
  type FunctionCreateRequest,
  type FunctionLastError,
  type FunctionPhase,
  type FunctionRevision,
  type FunctionStatus,
  type InvokeToken,
  type LogEvent,
  type MetricsPoint,
  type MetricsRange,
  type MetricsSeries,
  type RollbackRequest,
  type RolloutStatus,
  type TrafficRequest,
  type TrafficStatus,
  type SecretInfo,
  type SecretWriteRequest,
} from "./api.js";
export {
  describeIssue,
  toFieldIssues,
  type FieldIssueOptions,
  type ValidationIssue,
} from "./issues.js";
export { TRACE_ATTRIBUTES } from "./trace-attributes.js";
