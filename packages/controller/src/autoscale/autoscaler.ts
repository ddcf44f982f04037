/**
 * The autoscaler's loop: every interval, for each request-driven function, it reads the load
 * its replicas report (a sample of them when there are many) plus the invocations this
 * controller holds for it, keeps the stable and panic windows, asks the pure decision for a
 * replica count and writes it when it changed (Kubernetes: the Function's scale subresource).
 * It acts only where the driver says this controller leads, so two controllers never fight.
 */
import type { AutoscalerStatus } from "@eventflow/protocol";
import type { AutoscaledFunction, Driver, DriverLogger } from "../drivers/driver.js";
import { AUTOSCALER_TUNING, decide, type AutoscalerTuning, type DecideState } from "./decide.js";
import type { AutoscalerRecorder } from "./metrics.js";
import type { Scraper } from "./scrape.js";
import { createMetricWindow, type MetricWindow } from "./window.js";

/** What the loop works with. */
export interface AutoscalerDeps {
  readonly driver: Pick<Driver, "autoscaled" | "setReplicas" | "leading">;
  readonly scraper: Scraper;
  /** Invocations this controller holds for a function (the activator's queue). */
  readonly queued: (fnKey: string) => number;
  /**
   * Invocations this controller handles for a function right now (held ones included): a floor
   * for its concurrency, since requests still on their way to a replica (or waiting for a core
   * of a busy machine) are in no replica's count yet. Absent: the replicas' counts alone.
   */
  readonly inFlight?: (fnKey: string) => number;
  readonly intervalMs: number;
  readonly recorder?: AutoscalerRecorder;
  /** Called each tick with what the function is scaled to and how many replicas are ready. */
  readonly onTick?: (fn: AutoscaledFunction, desired: number, ready: number) => void;
  readonly logger?: DriverLogger;
  /** Knative's windows and rates unless set (tests shorten the stable window). */
  readonly tuning?: Partial<AutoscalerTuning>;
  /** Wall clock in ms (tests). */
  readonly now?: () => number;
}

interface FunctionState {
  window: MetricWindow;
  decide: DecideState;
  /** When this loop first saw the function (its grace to zero counts from here at the latest). */
  readonly since: number;
  /** The count this loop last wrote or saw. */
  lastReplicas: number;
  /** Another controller woke the function from zero: that is traffic too. */
  wokenAt?: number;
  status?: AutoscalerStatus;
}

/**
 * Functions worked on at once. A pool, not batches: a function whose replicas are slow to
 * answer (each scrape is cut at its timeout) holds up one worker, never the others' turns.
 */
const WORKERS = 64;

export function createAutoscaler(deps: AutoscalerDeps) {
  const now = deps.now ?? Date.now;
  const tuning = { ...AUTOSCALER_TUNING, ...deps.tuning };
  const states = new Map<string, FunctionState>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;

  async function step(fn: AutoscaledFunction): Promise<void> {
    const key = `${fn.tenant}/${fn.name}`;
    const t = now();
    let st = states.get(key);
    if (!st) {
      const window = createMetricWindow({ retainMs: tuning.stableWindowMs });
      st = { window, decide: {}, since: t, lastReplicas: fn.replicas };
      states.set(key, st);
    }
    if (st.lastReplicas === 0 && fn.replicas > 0) st.wokenAt = t;
    const held = deps.queued(key);
    const observation =
      fn.endpoints.length > 0 ? await deps.scraper.observe(key, fn.endpoints) : undefined;
    // At zero the held invocations are the whole load; replicas that do not report leave a gap.
    const local = deps.inFlight?.(key) ?? 0;
    if (observation !== undefined || fn.endpoints.length === 0 || local > 0) {
      const value =
        fn.scaling.metric === "concurrency"
          ? Math.max((observation?.concurrency ?? 0) + held, local)
          : (observation?.rps ?? 0) + held;
      st.window.record(t, value);
    }
    const stable = st.window.average(t, tuning.stableWindowMs);
    const panicAvg = st.window.average(
      t,
      (tuning.stableWindowMs * tuning.panicWindowPercent) / 100,
    );
    const traffic = Math.max(st.window.lastNonZeroAt() ?? 0, st.since, st.wokenAt ?? 0);
    const decision = decide(
      {
        scaling: fn.scaling,
        nowMs: t,
        stable,
        panic: panicAvg,
        readyReplicas: fn.endpoints.length,
        currentDesired: fn.replicas,
        lastTrafficAtMs: held > 0 ? t : traffic,
        held,
      },
      st.decide,
      tuning,
    );
    st.decide = decision.state;
    st.status = {
      desired_replicas: decision.desired,
      observed: Math.round((stable ?? 0) * 100) / 100,
      panic: decision.panic,
      queued: held,
    };
    deps.recorder?.decided(fn, decision.desired, decision.panic);
    deps.onTick?.(fn, decision.desired, fn.endpoints.length);
    st.lastReplicas = fn.replicas;
    if (decision.desired === fn.replicas) return;
    try {
      await deps.driver.setReplicas(fn.tenant, fn.name, decision.desired);
      st.lastReplicas = decision.desired;
      if (decision.desired === 0) {
        // Scale to zero comes after `scaleToZeroAfterSeconds`, often well inside the stable
        // window, which still holds the load from before the idle spell. A wake-up must be sized
        // by what arrives now, not by that memory: one cold request would otherwise start two.
        st.window = createMetricWindow({ retainMs: tuning.stableWindowMs });
        st.decide = {};
      }
      deps.logger?.info(
        {
          tenant: fn.tenant,
          function: fn.name,
          from: fn.replicas,
          to: decision.desired,
          reason: decision.reason,
        },
        "autoscaled",
      );
    } catch (error) {
      deps.logger?.warn(
        { tenant: fn.tenant, function: fn.name, to: decision.desired, err: error },
        "autoscaler could not set the replica count",
      );
    }
  }

  async function tick(): Promise<void> {
    if (deps.driver.leading && !deps.driver.leading()) {
      // Another controller decides; its windows are its own, so start afresh if this one takes over.
      states.clear();
      return;
    }
    const fns = deps.driver.autoscaled();
    const listed = new Set(fns.map((f) => `${f.tenant}/${f.name}`));
    for (const key of states.keys()) {
      if (!listed.has(key)) {
        states.delete(key);
        deps.scraper.forget(key);
      }
    }
    let next = 0;
    const worker = async () => {
      while (next < fns.length) await step(fns[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(WORKERS, fns.length) }, worker));
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((error: unknown) => deps.logger?.error({ err: error }, "autoscaler tick failed"))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, deps.intervalMs);
    timer.unref();
  }

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
      await deps.scraper.close();
    },
    /** One round now (tests, and a caller that cannot wait for the interval). */
    tick,
    /** What the loop last decided for a function (on the controller that runs it). */
    status(fnKey: string): AutoscalerStatus | undefined {
      return states.get(fnKey)?.status;
    },
  };
}

/** The autoscaler's type. */
export type Autoscaler = ReturnType<typeof createAutoscaler>;
