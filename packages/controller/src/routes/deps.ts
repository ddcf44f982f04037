/** What route handlers are built from. */
import type { InvocationQueue } from "../async/index.js";
import type { TokenIssuer } from "../auth/tokens.js";
import type { Config } from "../config.js";
import type { Driver } from "../drivers/driver.js";
import type { InvokeHandler } from "../invoke/index.js";
import type { ControllerMetrics } from "../metrics.js";
import type { RevisionTraffic } from "../revisions/revision-traffic.js";

/** Dependencies shared by the route modules. */
export interface RouteDeps {
  readonly config: Config;
  readonly driver: Driver;
  readonly metrics: ControllerMetrics;
  readonly issuer: TokenIssuer;
  readonly invoke: InvokeHandler;
  /** Revisions at run time: traffic tables, revision workloads, rollouts. */
  readonly traffic: RevisionTraffic;
  /** The asynchronous invocation queue; absent: async routes answer ASYNC_UNAVAILABLE. */
  readonly invocations?: InvocationQueue;
  readonly now: () => Date;
  /** Whether the driver has started and can serve. */
  readonly isReady: () => boolean;
  /** Aborted at shutdown; long-lived responses (log streams) end on it. */
  readonly shutdown: AbortSignal;
}
