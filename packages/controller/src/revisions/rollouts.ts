/**
 * Progressive rollouts at run time: the rollouts under way (in the memory of the controller
 * that leads, and in the traffic they write), each step judged on the new revision's own
 * answers (step-stats.ts) by the protocol's state machine, and the traffic each decision
 * writes. A controller that starts while one runs picks it up from the traffic it left (its
 * step, not the counters of the step so far).
 */
import {
  revisionName,
  rolloutPercent,
  stepRollout,
  type RolloutSpec,
  type RolloutState,
  type RolloutStatus,
} from "@eventflow/protocol";
import type { Driver, DriverLogger, FunctionSpec, FunctionStatus } from "../drivers/driver.js";
import type { StepStats } from "./step-stats.js";
import type { FunctionTraffic } from "./traffic-table.js";

/** Traffic as a spec stores it (revisions by number). */
export type SpecTraffic = NonNullable<FunctionSpec["traffic"]>;

/** What a rollout needs from the update that starts it. */
export interface PendingRollout {
  readonly spec: RolloutSpec;
  readonly from: number;
  readonly state: RolloutState;
}

interface ActiveRollout {
  readonly spec: RolloutSpec;
  readonly revision: number;
  readonly from: number;
  state: RolloutState;
  /** The step's answers are being counted (every replica runs the new revision since then). */
  counting?: boolean;
}

/** The traffic of a rollout's step: `percent` to the newest, the rest to `from`. */
export function stepTraffic(from: number, percent: number): SpecTraffic | undefined {
  if (percent >= 100) return undefined;
  return [
    { revision: from, percent: 100 - percent },
    { latestRevision: true, percent },
  ];
}

/** Dependencies of {@link createRollouts}. */
export interface RolloutsDeps {
  readonly driver: Pick<Driver, "get" | "update">;
  readonly logger: DriverLogger;
  readonly now: () => number;
  /** Counts the answers of a function's own workload (where its newest revision runs). */
  readonly stats: StepStats;
  /** Writes the function's traffic, its revisions ready first (revision-traffic.ts). */
  readonly applyTraffic: (
    status: FunctionStatus,
    traffic: SpecTraffic | undefined,
    update: (spec: FunctionSpec) => Promise<FunctionStatus>,
  ) => Promise<FunctionStatus>;
}

export function createRollouts(deps: RolloutsDeps) {
  const { driver, logger, now, stats } = deps;
  const rollouts = new Map<string, ActiveRollout>();

  /** Steps one rollout: judges the step on the new revision's own requests. */
  async function stepOne(key: string, active: ActiveRollout): Promise<void> {
    if (active.state.phase !== "progressing") return;
    const [tenant = "", name = ""] = key.split("/");
    const status = await driver.get(tenant, name);
    const settled =
      (status.status === "Running" || status.status === "ScaledToZero") &&
      status.updated_replicas >= status.replicas;
    if (!settled || active.counting !== true) {
      // The function's own workload is still rolling to the new revision: answers now may come
      // from the revision before it. The step starts over, counting from the first pass that
      // finds every replica running the new one.
      active.counting = settled;
      const { reason: _reason, ...state } = active.state;
      const waiting = `step ${state.step + 1}: waiting for every replica to run the new revision`;
      active.state = { ...state, since: now(), ...(settled ? {} : { reason: waiting }) };
      stats.watch(key);
      return;
    }
    const counters = stats.read(key);
    const decision = stepRollout(active.spec, active.state, { now: now(), ...counters });
    const before = active.state;
    if (decision.state.step === before.step && decision.state.phase === before.phase) {
      active.state = decision.state;
      return;
    }
    const traffic =
      decision.state.phase === "rolledBack"
        ? [{ revision: active.from, percent: 100 }]
        : stepTraffic(active.from, decision.percent);
    await deps.applyTraffic(status, traffic, (spec) => driver.update(spec));
    active.state = decision.state;
    const fields = {
      tenant,
      function: name,
      revision: revisionName(name, active.revision),
      percent: decision.percent,
      ...(decision.state.reason === undefined ? {} : { reason: decision.state.reason }),
    };
    if (decision.state.phase === "progressing") {
      stats.watch(key);
      logger.info(fields, "rollout step");
      return;
    }
    stats.unwatch(key);
    if (decision.state.phase === "rolledBack") logger.warn(fields, "rollout rolled back");
    else logger.info(fields, "rollout promoted");
  }

  return {
    /** Starts the rollout an update began, once its revision is recorded as `revision`. */
    start(status: FunctionStatus, revision: number, pending: PendingRollout): void {
      const key = `${status.tenant}/${status.name}`;
      rollouts.set(key, { ...pending, revision });
      stats.watch(key);
      logger.info(
        {
          tenant: status.tenant,
          function: status.name,
          revision: revisionName(status.name, revision),
          from: revisionName(status.name, pending.from),
          percent: pending.spec.steps[0],
        },
        "rollout started",
      );
    },

    /** A rollout a restarted controller finds in the traffic it left behind. */
    adopt(status: FunctionStatus, traffic: FunctionTraffic | undefined): void {
      const key = `${status.tenant}/${status.name}`;
      const spec = status.spec.rollout;
      if (rollouts.has(key) || spec === undefined || traffic === undefined) return;
      const latest = traffic.targets.find((x) => x.latestRevision);
      const pinned = traffic.targets.filter((x) => !x.latestRevision && x.percent > 0);
      if (latest === undefined || pinned.length !== 1 || traffic.targets.length !== 2) return;
      const step = spec.steps.indexOf(latest.percent);
      if (step < 0 || step >= spec.steps.length - 1) return;
      rollouts.set(key, {
        spec,
        revision: traffic.newest,
        from: pinned[0]!.revision,
        state: { phase: "progressing", step, since: now() },
      });
      stats.watch(key);
    },

    /** Ends the function's rollout (a new revision, a rollback); returns it, to restore. */
    end(key: string): ActiveRollout | undefined {
      const ended = rollouts.get(key);
      rollouts.delete(key);
      stats.unwatch(key);
      return ended;
    },

    /** Puts back a rollout {@link end} took (the change that ended it failed). */
    restore(key: string, ended: ActiveRollout | undefined): void {
      if (ended === undefined) return;
      rollouts.set(key, ended);
      if (ended.state.phase === "progressing") stats.watch(key);
    },

    /** Steps every rollout of a function in `present` (the others end). */
    async step(present: ReadonlySet<string>): Promise<void> {
      for (const [key, active] of rollouts) {
        if (!present.has(key)) {
          rollouts.delete(key);
          stats.unwatch(key);
          continue;
        }
        await stepOne(key, active).catch((err: unknown) =>
          logger.warn({ err, function: key }, "rollout step failed; trying again"),
        );
      }
    },

    /** The function's rollout as the API shows it. */
    status(key: string): RolloutStatus | undefined {
      const active = rollouts.get(key);
      if (active === undefined) return undefined;
      const { state } = active;
      return {
        revision: active.revision,
        from: active.from,
        phase: state.phase,
        step: state.step,
        percent: rolloutPercent(active.spec, state),
        since: new Date(state.since).toISOString(),
        ...(state.reason === undefined ? {} : { reason: state.reason }),
      };
    },
  };
}

export type Rollouts = ReturnType<typeof createRollouts>;
