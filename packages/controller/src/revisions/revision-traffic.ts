/**
 * Revisions at run time: the traffic table the invoke router reads on every request, the
 * workloads of revisions other than the newest (created before they take requests, removed a
 * while after they take none), traffic changes and rollbacks that never send a request to a
 * revision without a ready replica, and the start of progressive rollouts (run by rollouts.ts).
 *
 * Every controller replica keeps the tables (each routes invokes); the loop that removes
 * workloads and steps rollouts runs where the driver says this controller leads.
 */
import {
  EventFlowError,
  sameRevisionSpec,
  startRollout,
  type RolloutStatus,
  type TrafficStatus,
  type TrafficTarget,
} from "@eventflow/protocol";
import type {
  Driver,
  DriverLogger,
  FunctionSpec,
  FunctionStatus,
  StoredRevision,
} from "../drivers/driver.js";
import { createWorkloadKeeper, ownerOfWorkload } from "./revision-workloads.js";
import { createRollouts, stepTraffic, type PendingRollout, type SpecTraffic } from "./rollouts.js";
import { createStepStats } from "./step-stats.js";
import {
  buildFunctionTraffic,
  percentOf,
  referencedRevisions,
  type FunctionTraffic,
  type RevisionRoute,
} from "./traffic-table.js";

/** Dependencies of {@link createRevisionTraffic}. */
export interface RevisionTrafficDeps {
  /** The driver that sees revision workloads (not the API's, which hides them). */
  readonly driver: Driver;
  readonly logger: DriverLogger;
  /** Milliseconds (rollout steps, idle workloads). */
  readonly now?: () => number;
  readonly random?: () => number;
  /** How long a revision may take to have a ready replica before it takes requests (30 s). */
  readonly readyTimeoutMs?: number;
  /** How long a workload of a revision that takes no requests is kept (30 s): in-flight ones end. */
  readonly idleGraceMs?: number;
  /** The loop's period (1 s). */
  readonly intervalMs?: number;
  /** A revision stopped being live: its metric series can go. */
  readonly onRevisionGone?: (tenant: string, fn: string, revision: string) => void;
}

interface Table {
  readonly fingerprint: string;
  readonly traffic: FunctionTraffic | undefined;
  /** Whether the newest revision has the spec the function runs (else: list again later). */
  readonly settled: boolean;
  readonly at: number;
  /** When the spec first had this fingerprint (here). */
  readonly since: number;
}

/**
 * An unsettled table (its function's spec is not its newest revision's) is listed again on every
 * pass for this long after the spec changed: another controller replica that wrote the change
 * records the revision a moment after the spec. Past it (a Function edited around the API, which
 * records none), every {@link UNSETTLED_RELIST_MS}.
 */
const UNSETTLED_EAGER_MS = 30_000;
const UNSETTLED_RELIST_MS = 10_000;

const keyOf = (tenant: string, name: string) => `${tenant}/${name}`;

/** The spec fields that change the table: all but the replica count (which moves constantly). */
function fingerprintOf(spec: FunctionSpec): string {
  const { replicas: _r, ...rest } = spec;
  return JSON.stringify(rest);
}

/** The revision that serves the most requests (the newer on a tie). */
function servingRevision(traffic: FunctionTraffic): number {
  let best = traffic.newest;
  let bestPercent = -1;
  for (const n of new Set(traffic.targets.map((t) => t.revision))) {
    const p = percentOf(traffic, n);
    if (p > bestPercent || (p === bestPercent && n > best)) [best, bestPercent] = [n, p];
  }
  return best;
}

export function createRevisionTraffic(deps: RevisionTrafficDeps) {
  const { driver, logger } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const readyTimeoutMs = deps.readyTimeoutMs ?? 30_000;
  const tables = new Map<string, Table>();
  const workloads = createWorkloadKeeper({
    driver,
    logger,
    now,
    idleGraceMs: deps.idleGraceMs ?? 30_000,
    ...(deps.onRevisionGone === undefined ? {} : { onRevisionGone: deps.onRevisionGone }),
  });
  const stats = createStepStats(random);
  const rollouts = createRollouts({
    driver,
    logger,
    now,
    stats,
    applyTraffic: (status, traffic, update) => applyTraffic(status, traffic, update),
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  /** Builds the function's table from its spec and revisions (one list of them). */
  async function refresh(status: FunctionStatus): Promise<Table> {
    const { tenant, name } = status;
    const revisions = await driver.revisions.list(tenant, name);
    const numbers = revisions.map((r) => r.number);
    let traffic: FunctionTraffic | undefined;
    try {
      traffic = buildFunctionTraffic(name, status.spec.traffic, numbers);
    } catch (error) {
      // A revision its traffic names is gone (a Function edited around the API): all to the newest.
      logger.warn(
        { tenant, function: name, err: error },
        "function traffic names a revision that does not exist; sending every request to its newest",
      );
      traffic = buildFunctionTraffic(name, undefined, numbers);
    }
    const newest = revisions[0];
    const previous = tables.get(keyOf(tenant, name));
    const fingerprint = fingerprintOf(status.spec);
    const table: Table = {
      fingerprint,
      traffic,
      settled: newest !== undefined && sameRevisionSpec(newest.spec, status.spec),
      at: now(),
      since:
        previous !== undefined && previous.fingerprint === fingerprint ? previous.since : now(),
    };
    tables.set(keyOf(tenant, name), table);
    rollouts.adopt(status, traffic);
    return table;
  }

  /** The table, built on first use (an invoke right after a start, or after a change). */
  async function tableOf(status: FunctionStatus): Promise<Table> {
    const table = tables.get(keyOf(status.tenant, status.name));
    if (table !== undefined && table.fingerprint === fingerprintOf(status.spec)) return table;
    return refresh(status);
  }

  /**
   * Sends the function's requests as `targets` say: validated against its revisions
   * (TRAFFIC_INVALID, REVISION_NOT_FOUND), the revisions that will take requests started and
   * ready first (FUNCTION_NOT_READY, FUNCTION_CRASH_LOOP: nothing changes), then written with
   * `update` (which records no revision: traffic is outside them).
   */
  async function applyTraffic(
    status: FunctionStatus,
    targets: SpecTraffic | undefined,
    update: (spec: FunctionSpec) => Promise<FunctionStatus>,
    listed?: readonly StoredRevision[],
  ): Promise<FunctionStatus> {
    const { tenant, name } = status;
    const revisions = listed ?? (await driver.revisions.list(tenant, name));
    const traffic = buildFunctionTraffic(
      name,
      targets,
      revisions.map((r) => r.number),
    );
    if (traffic !== undefined) {
      await workloads.ensure(status, traffic, revisions);
      await workloads.warm(status, traffic, readyTimeoutMs);
    }
    const { traffic: _old, ...spec } = status.spec;
    const updated = await update(targets === undefined ? spec : { ...spec, traffic: [...targets] });
    await refresh(updated);
    return updated;
  }

  /**
   * Where `:rollback` sends every request: `to`, or the newest revision older than the one that
   * serves most requests now. Tags keep reaching their revisions (with no share).
   */
  async function rollback(
    status: FunctionStatus,
    to: number | undefined,
    update: (spec: FunctionSpec) => Promise<FunctionStatus>,
    /** The function's revisions when the caller has just listed them (one list, not two). */
    listed?: readonly StoredRevision[],
  ): Promise<{ status: FunctionStatus; revision: number }> {
    const { tenant, name } = status;
    const table = await tableOf(status);
    const stored = listed ?? (await driver.revisions.list(tenant, name));
    const revisions = stored.map((r) => r.number);
    let target = to;
    if (target === undefined) {
      const serving = table.traffic === undefined ? Infinity : servingRevision(table.traffic);
      target = revisions.filter((n) => n < serving).sort((a, b) => b - a)[0];
      if (target === undefined)
        throw new EventFlowError(
          "REVISION_NO_PREVIOUS",
          `function ${name} has no revision before the one serving it to roll back to`,
        );
    }
    const tagged: SpecTraffic = (table.traffic?.targets ?? []).flatMap((t) =>
      t.tag === undefined
        ? []
        : [
            t.latestRevision
              ? { latestRevision: true, percent: 0, tag: t.tag }
              : { revision: t.revision, percent: 0, tag: t.tag },
          ],
    );
    const key = keyOf(tenant, name);
    const ended = rollouts.end(key);
    try {
      const applied = await applyTraffic(
        status,
        [{ revision: target, percent: 100 }, ...tagged],
        update,
        stored,
      );
      return { status: applied, revision: target };
    } catch (error) {
      rollouts.restore(key, ended);
      throw error;
    }
  }

  /**
   * Before an update: the traffic as it will be once the update is applied (a new revision when
   * it changes code or configuration) is checked, and every revision it sends requests to other
   * than the newest is running, with a ready replica, before the write. When the function has a
   * `rollout` and the update makes a revision, the update's traffic is the rollout's first step:
   * that share to the new revision, the rest to the revision serving most requests now. Returns
   * the spec to apply and the rollout to start once the revision is recorded.
   */
  async function beforeUpdate(
    status: FunctionStatus,
    next: FunctionSpec,
  ): Promise<{ spec: FunctionSpec; rollout?: PendingRollout }> {
    const revisions = await driver.revisions.list(status.tenant, status.name);
    const newest = revisions[0];
    const makesRevision = newest === undefined || !sameRevisionSpec(newest.spec, next);
    let spec = next;
    let rollout: PendingRollout | undefined;
    if (next.rollout !== undefined && newest !== undefined && makesRevision) {
      const table = await tableOf(status);
      const from = table.traffic === undefined ? newest.number : servingRevision(table.traffic);
      const decision = startRollout(next.rollout, now());
      const traffic = stepTraffic(from, decision.percent);
      const { traffic: _t, ...rest } = next;
      spec = traffic === undefined ? rest : { ...rest, traffic };
      rollout = { spec: next.rollout, from, state: decision.state };
    }
    const numbers = revisions.map((r) => r.number);
    if (makesRevision) numbers.push((newest?.number ?? 0) + 1);
    const after = buildFunctionTraffic(status.name, spec.traffic, numbers);
    if (after !== undefined) {
      await workloads.ensure(status, after, revisions);
      await workloads.warm(status, after, readyTimeoutMs);
    }
    return rollout === undefined ? { spec } : { spec, rollout };
  }

  /** Throws TRAFFIC_INVALID or REVISION_NOT_FOUND unless `targets` fit revisions `numbers`. */
  function check(
    name: string,
    targets: readonly TrafficTarget[],
    numbers: readonly number[],
  ): void {
    buildFunctionTraffic(name, targets, numbers);
  }

  /** After a write: the table is built again, and a rollout the update began starts. */
  async function afterUpdate(
    status: FunctionStatus,
    recorded: StoredRevision | undefined,
    pending: PendingRollout | undefined,
  ): Promise<void> {
    const key = keyOf(status.tenant, status.name);
    // A new revision ends the rollout of the one before it.
    if (recorded !== undefined) rollouts.end(key);
    await refresh(status);
    if (pending !== undefined && recorded !== undefined)
      rollouts.start(status, recorded.number, pending);
  }

  /** One pass: tables of changed functions, rollouts and workloads (these two where leading). */
  async function tick(): Promise<void> {
    const all = await driver.list();
    for (const s of all) {
      if (ownerOfWorkload(s.name) !== undefined) continue;
      const table = tables.get(keyOf(s.tenant, s.name));
      const stale =
        table === undefined ||
        table.fingerprint !== fingerprintOf(s.spec) ||
        (!table.settled &&
          (now() - table.since < UNSETTLED_EAGER_MS || now() - table.at >= UNSETTLED_RELIST_MS));
      if (stale)
        await refresh(s).catch((err: unknown) =>
          logger.warn(
            { err, tenant: s.tenant, function: s.name },
            "function traffic not refreshed",
          ),
        );
    }
    const present = new Set(all.map((s) => keyOf(s.tenant, s.name)));
    for (const key of tables.keys()) if (!present.has(key)) tables.delete(key);
    if (driver.leading !== undefined && !driver.leading()) return;
    await rollouts.step(present);
    await workloads.collect(
      all,
      (tenant, fn, number) =>
        tables.get(keyOf(tenant, fn))?.traffic?.workloads.includes(number) ?? true,
    );
  }

  return {
    /**
     * The route of one invoke (hot path, no I/O): by `tag` when given (null for a tag the
     * function does not have), else by weight; undefined when the function has no table yet.
     */
    route(tenant: string, name: string, tag?: string): RevisionRoute | null | undefined {
      const traffic = tables.get(keyOf(tenant, name))?.traffic;
      if (tag !== undefined) return traffic?.tagged(tag) ?? null;
      if (traffic === undefined) return undefined;
      const only = traffic.targets.length === 1 ? traffic.targets[0]! : undefined;
      return only === undefined ? traffic.pick(random) : traffic.route(only.revision);
    },
    /** Builds the function's table when it has none or it is out of date (before an invoke). */
    async prepare(status: FunctionStatus): Promise<void> {
      await tableOf(status);
    },
    /** Counts a revision's answer when its rollout step is being judged. */
    observe(tenant: string, workload: string, status: number, seconds: number): void {
      stats.observe(keyOf(tenant, workload), status, seconds);
    },
    applyTraffic,
    rollback,
    beforeUpdate,
    check,
    afterUpdate,
    /** The function's traffic and rollout as the API shows them. */
    async describe(
      status: FunctionStatus,
    ): Promise<{ traffic?: TrafficStatus[]; rollout?: RolloutStatus }> {
      const { traffic } = await tableOf(status);
      const out: { traffic?: TrafficStatus[]; rollout?: RolloutStatus } = {};
      if (traffic !== undefined)
        out.traffic = traffic.targets.map((t) => {
          const route = traffic.route(t.revision)!;
          return {
            revision: t.revision,
            name: t.name,
            percent: t.percent,
            ...(t.tag === undefined ? {} : { tag: t.tag }),
            latest_revision: t.latestRevision,
            ready_replicas:
              route.workload === status.name
                ? status.ready_replicas
                : driver.endpoints(status.tenant, route.workload).length,
          };
        });
      const rollout = rollouts.status(keyOf(status.tenant, status.name));
      if (rollout !== undefined) out.rollout = rollout;
      return out;
    },
    /** The revisions the function's traffic names (kept when the history is pruned). */
    referenced(tenant: string, name: string): number[] {
      return referencedRevisions(tables.get(keyOf(tenant, name))?.traffic);
    },
    tick,
    start(): void {
      const interval = deps.intervalMs ?? 1000;
      timer = setInterval(() => {
        if (running !== undefined) return;
        running = tick()
          .catch((err: unknown) => logger.warn({ err }, "revision traffic pass failed"))
          .finally(() => (running = undefined));
      }, interval);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}

export type RevisionTraffic = ReturnType<typeof createRevisionTraffic>;

export type { PendingRollout, SpecTraffic } from "./rollouts.js";
