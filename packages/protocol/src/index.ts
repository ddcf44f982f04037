export { ERROR_CODES, isErrorCode, type ErrorCode, type ErrorCodeInfo } from "./error-codes.js";
export { CONNECTION_ERROR_CODES, isConnectionErrorCode } from "./connection-errors.js";
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
  type DevToken,
  type FunctionCreateRequest,
  type FunctionLastError,
  type FunctionPhase,
  type FunctionStatus,
  type InvokeToken,
  type LogEvent,
  type MetricsPoint,
  type MetricsRange,
  type MetricsSeries,
  type SecretInfo,
  type SecretWriteRequest,
} from "./api.js";
export {
  describeIssue,
  toFieldIssues,
  type FieldIssueOptions,
  type ValidationIssue,
} from "./issues.js";
