export { parseRuntimeConfig, type LogLevel, type RuntimeConfig } from "./config.js";
export {
  createLogger,
  captureConsole,
  requestContext,
  type LoggerOptions,
  type RuntimeLogger,
} from "./logger.js";
export { createRuntimeMetrics, type RuntimeMetrics } from "./metrics.js";
export { createRuntime, type Runtime, type RuntimeOptions, type RuntimeState } from "./server.js";
export { RESERVED_PREFIX } from "./reserved.js";
export { HandlerLoadError, loadHandlerFile, nameFromSource, syntaxErrorLocation } from "./load.js";
export { runMain, EXIT, type MainOptions } from "./main.js";
