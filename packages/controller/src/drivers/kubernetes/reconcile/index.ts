/** The Function reconciler and its building blocks: the work queue, its workers, leader election. */
export { systemClock, sleep } from "./clock.js";
export type { Clock, CancelTimer } from "./clock.js";
export { createRateLimiter } from "./rate-limiter.js";
export type { RateLimiter, RateLimiterOptions } from "./rate-limiter.js";
export { createWorkQueue } from "./work-queue.js";
export type { WorkQueue, WorkQueueOptions } from "./work-queue.js";
export { runWorkers } from "./run-workers.js";
export type { Reconcile, RunWorkersOptions } from "./run-workers.js";
export { createLeaderElector } from "./leader-election.js";
export type { LeaderElector, LeaderElectorOptions, LeaseApi } from "./leader-election.js";
export { buildLeaseSpec, buildReleasedSpec, isHeldByOther, toLeaseRecord } from "./lease-record.js";
export type { LeaseRecord } from "./lease-record.js";
export type { LeaseWatcher } from "./lease-watch.js";
export { createFunctionReconciler } from "./function-reconciler.js";
export type {
  FunctionReconciler,
  FunctionReconcilerOptions,
  ReconcilerStats,
} from "./function-reconciler.js";
