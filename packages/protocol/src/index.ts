export { ERROR_CODES, isErrorCode, type ErrorCode, type ErrorCodeInfo } from "./error-codes.js";
export {
  EventFlowError,
  GENERIC_ERROR_MESSAGE,
  fromErrorEnvelope,
  isErrorEnvelope,
  isEventFlowError,
  toErrorEnvelope,
  type ErrorEnvelope,
  type EventFlowErrorOptions,
  type FieldIssue,
} from "./errors.js";
export { MAX_FUNCTION_NAME_LENGTH, checkFunctionName, parseFunctionName } from "./names.js";
