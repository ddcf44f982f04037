export { createInvokeHandler } from "./invoke-handler.js";
export type {
  InvokeConfig,
  InvokeHandler,
  InvokeHandlerDeps,
  InvokeLogger,
  InvokeRequest,
  InvokeRouter,
  InvokeTarget,
} from "./invoke-handler.js";
