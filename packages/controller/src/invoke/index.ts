export { createInvokeHandler } from "./invoke-handler.js";
export type {
  InvokeConfig,
  InvokeHandler,
  InvokeHandlerDeps,
  InvokeLogger,
  InvokeTarget,
} from "./invoke-handler.js";
