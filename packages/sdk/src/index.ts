export type {
  CloudEventHandler,
  Context,
  TraceContext,
  Handler,
  HandlerResult,
  Headers,
  HttpEvent,
  HttpResponse,
  Logger,
  ResponseHeaders,
  SendableResult,
  StreamBody,
} from "./types.js";
export { HttpError, isHttpError, type HttpErrorOptions } from "./http-error.js";
export {
  cloudEventHandler,
  defineFunction,
  handler,
  isFunctionDefinition,
  type CloudEventFunctionDefinition,
  type FunctionDefinition,
  type HttpFunctionDefinition,
  type LifecycleContext,
} from "./define.js";
export {
  cloudEvent,
  isCloudEventReply,
  type CloudEvent,
  type CloudEventInit,
  type CloudEventMode,
  type CloudEventReply,
} from "./cloudevent.js";
