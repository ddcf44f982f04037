/**
 * Internals shared by `@eventflow/runtime` and the testing entry, so that a function behaves
 * the same in a unit test as in its container. Not a stable API for function authors.
 * @packageDocumentation
 */
export { buildEvent, parseBody, type RawRequest } from "./event.js";
export { prepareResponse, toBody, isHttpResponse, type PreparedResponse } from "./result.js";
export { resolveFunction, type ResolvedFunction } from "./resolve.js";
export { errorToResponse, invokeFunction, isThenable, type ErrorResponse } from "./invoke.js";
export {
  detectCloudEventMode,
  fromBinary,
  fromStructured,
  toBinary,
  toStructured,
  mediaType,
} from "./cloudevent.js";
