export { createInvokeHandler } from "./invoke-handler.js";
export type {
  InvokeConfig,
  InvokeHandler,
  InvokeHandlerDeps,
  InvokeLogger,
  InvokeRequest,
  InvokeRouter,
  InvokeTarget,
  InvokeTraffic,
} from "./invoke-handler.js";
