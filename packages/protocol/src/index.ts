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
export { MAX_FUNCTION_NAME_LENGTH, checkFunctionName, parseFunctionName } from "./names.js";
export {
  FUNCTION_PHASES,
  type ApiRole,
  type AuthConfig,
  type DevToken,
  type FunctionCreateRequest,
  type FunctionLastError,
  type FunctionPhase,
  type FunctionResources,
  type FunctionScaling,
  type FunctionSpecInput,
  type FunctionStatus,
  type InvokeToken,
  type LogEvent,
  type MetricsPoint,
  type MetricsRange,
  type MetricsSeries,
  type ResourceQuantities,
} from "./api.js";
export {
  describeIssue,
  toFieldIssues,
  type FieldIssueOptions,
  type ValidationIssue,
} from "./issues.js";
