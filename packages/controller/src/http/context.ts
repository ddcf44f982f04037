/** What the controller keeps on `ctx.state` for each request. */
import type { Logger } from "pino";
import type { Principal } from "../auth/principal.js";

/** Per-request state set by the controller's middleware. */
export interface ControllerState {
  /** Request id: the caller's `x-request-id` when sane, else a fresh UUID. */
  requestId: string;
  /** Child logger bound to the request id. */
  log: Logger;
  /** Set by the auth middleware on authenticated routes. */
  principal?: Principal;
}
