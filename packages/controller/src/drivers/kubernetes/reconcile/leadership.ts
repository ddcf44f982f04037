/**
 * Who runs the reconciler: the controller replica holding the Lease (or this one alone when
 * the election is off). A replica that starts leading first runs `beforeLeading` (adoption),
 * then starts the reconciler; one that stops leading stops it. Changes run one after another,
 * so a stop finishes before the next start.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { CoordinationV1Api, Watch, type KubeConfig } from "@kubernetes/client-node";
import type { DriverLogger } from "../../driver.js";
import type { KubernetesDriverOptions } from "../driver-options.js";
import type { FunctionReconciler } from "./function-reconciler.js";
import { createLeaderElector } from "./leader-election.js";

/** The Lease the controller replicas elect their reconciler with. */
export const LEASE_NAME = "eventflow-controller";

/** What {@link createReconcilerLeadership} needs. */
export interface ReconcilerLeadershipOptions {
  readonly kubeConfig: KubeConfig;
  readonly election: NonNullable<KubernetesDriverOptions["leaderElection"]>;
  /** The Lease's namespace unless `election` names one (the controller's own). */
  readonly namespace: string;
  readonly reconciler: Pick<FunctionReconciler, "start" | "stop">;
  /** Runs each time this replica starts leading, before the reconciler starts. */
  readonly beforeLeading: () => Promise<void>;
  readonly logger?: DriverLogger;
}

/** Creates the leadership (no I/O until `start`). */
export function createReconcilerLeadership(options: ReconcilerLeadershipOptions) {
  const { election, reconciler, logger } = options;
  let transition: Promise<void> = Promise.resolve();
  const serially = (op: () => Promise<void> | void) => {
    transition = transition.then(op, op).catch((error: unknown) => {
      logger?.warn({ err: String(error) }, "reconciler start or stop failed");
    });
    return transition;
  };
  const elector =
    election === false
      ? undefined
      : createLeaderElector({
          api: options.kubeConfig.makeApiClient(CoordinationV1Api),
          watch: new Watch(options.kubeConfig),
          namespace: election.namespace ?? options.namespace,
          name: election.name ?? LEASE_NAME,
          identity: election.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`,
          ...(election.leaseDurationMs ? { leaseDurationMs: election.leaseDurationMs } : {}),
          ...(election.renewDeadlineMs ? { renewDeadlineMs: election.renewDeadlineMs } : {}),
          ...(election.retryPeriodMs ? { retryPeriodMs: election.retryPeriodMs } : {}),
          onStartedLeading: (signal) =>
            void serially(async () => {
              logger?.info({}, "leading: the reconciler runs here");
              await options.beforeLeading();
              if (!signal.aborted) reconciler.start();
            }),
          onStoppedLeading: () =>
            void serially(async () => {
              logger?.info({}, "stopped leading");
              await reconciler.stop();
            }),
          onError: (error) =>
            logger?.warn({ code: error.code, err: error.message }, "leader election"),
        });

  return {
    /** Whether the reconciler runs here now. */
    leading: (): boolean => elector?.isLeader() ?? true,
    /** Campaigns for the Lease, or (no election) starts reconciling at once. */
    async start(): Promise<void> {
      if (elector) elector.start();
      else
        await serially(async () => {
          await options.beforeLeading();
          reconciler.start();
        });
    },
    /** Gives the Lease up at once (shutdown has begun); another replica takes over. */
    async release(): Promise<void> {
      await elector?.release();
    },
    /** Releases and stops the reconciler. */
    async stop(): Promise<void> {
      await elector?.release();
      await serially(() => reconciler.stop());
    },
  };
}
