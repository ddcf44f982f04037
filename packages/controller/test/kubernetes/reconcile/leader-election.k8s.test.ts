/**
 * Tier 4: leader election against the real API server's Lease (short durations: lease 2 s,
 * renew deadline 1.5 s, retry 0.3 s). Several electors run in this process, each with its own
 * identity, like replicas; "leading" is tracked across them so two leaders at once would show.
 */
import { randomBytes } from "node:crypto";
import { CoordinationV1Api, V1MicroTime, Watch, type V1Lease } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createLeaderElector,
  type LeaderElector,
  type LeaseApi,
} from "../../../src/drivers/kubernetes/reconcile/index.js";
import { apiStatus } from "../../../src/drivers/kubernetes/errors.js";
import { startTestCluster, type TestCluster } from "../support/cluster.js";
import { apisFor, viaPort, type Apis } from "../support/k8s.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { startFreezingProxy } from "./freezing-proxy.js";

const run = randomBytes(3).toString("hex");
const NS = `ef-lease-${run}`;
const TIMING = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 };
/** Retries as slow as client-go's default (2 s): only the Lease watch makes a hand-over fast. */
const SLOW = { leaseDurationMs: 6000, renewDeadlineMs: 5000, retryPeriodMs: 2000 };

let cluster: TestCluster;
let api: Apis;
let leases: CoordinationV1Api;
const electors: LeaderElector[] = [];

/** Who leads, as the electors' own callbacks say, with the most ever leading at once. */
function createTracker() {
  const leaders = new Set<string>();
  const started: { id: string; at: number; signal: AbortSignal }[] = [];
  const stopped: { id: string; at: number }[] = [];
  let most = 0;
  return {
    started,
    stopped,
    leaders,
    most: () => most,
    start(id: string, signal: AbortSignal) {
      leaders.add(id);
      most = Math.max(most, leaders.size);
      started.push({ id, at: performance.now(), signal });
    },
    stop(id: string) {
      leaders.delete(id);
      stopped.push({ id, at: performance.now() });
    },
  };
}
type Tracker = ReturnType<typeof createTracker>;

/** The real API, observed: counts the 409s it answers. */
function observed(real: LeaseApi, conflicts: { count: number }): LeaseApi {
  const count = <T>(call: Promise<T>) =>
    call.catch((error: unknown) => {
      if (apiStatus(error) === 409) conflicts.count++;
      throw error;
    });
  return {
    readNamespacedLease: (req) => real.readNamespacedLease(req),
    createNamespacedLease: (req) => count(real.createNamespacedLease(req)),
    replaceNamespacedLease: (req) => count(real.replaceNamespacedLease(req)),
  };
}

function candidate(
  id: string,
  lease: string,
  tracker: Tracker,
  extra: { api?: LeaseApi; newLeaders?: string[]; slow?: boolean; watch?: boolean } = {},
) {
  const elector = createLeaderElector({
    api: extra.api ?? leases,
    namespace: NS,
    name: lease,
    identity: id,
    ...(extra.slow ? SLOW : TIMING),
    ...(extra.watch ? { watch: new Watch(api.kc) } : {}),
    onStartedLeading: (signal) => tracker.start(id, signal),
    onStoppedLeading: () => tracker.stop(id),
    onNewLeader: (holder) => extra.newLeaders?.push(holder),
  });
  electors.push(elector);
  elector.start();
  return elector;
}

async function until<T>(probe: () => T | undefined | false, ms: number, what: string) {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const readLease = (name: string) => leases.readNamespacedLease({ name, namespace: NS });

/**
 * "a" leads (through `aApi` when given), then "b" campaigns for a few attempts in vain
 * (watching the Lease when `watch`).
 */
async function leaderAndCandidate(
  lease: string,
  tracker: Tracker,
  options: { aApi?: LeaseApi; watch?: boolean } = {},
) {
  const a = candidate("a", lease, tracker, options.aApi ? { api: options.aApi } : {});
  await until(() => a.isLeader(), 5000, "a leads");
  const b = candidate("b", lease, tracker, { watch: options.watch ?? false });
  await pause(700);
  expect(b.isLeader()).toBe(false);
  return { a, b };
}

/** The API server's address, for a proxy in front of it. */
function apiServer() {
  const server = new URL(api.kc.getCurrentCluster()!.server);
  return { host: server.hostname, port: Number(server.port) };
}
const throughPort = (port: number) => viaPort(api.kc, port).makeApiClient(CoordinationV1Api);

/** After a failure of a at `t0`: when a stepped down and when b took over, from `t0`. */
async function stepDownAndTakeOver(tracker: Tracker, b: LeaderElector, t0: number) {
  await until(() => b.isLeader(), 5000, "b leads");
  const steppedDown = (tracker.stopped.find((s) => s.id === "a")?.at ?? Number.NaN) - t0;
  const takeover = tracker.started.at(-1)!.at - t0;
  return { steppedDown, takeover };
}

beforeAll(async () => {
  cluster = await startTestCluster();
  api = apisFor(cluster.kubeconfig);
  leases = api.kc.makeApiClient(CoordinationV1Api);
  await api.core.createNamespace({ body: { metadata: { name: NS } } });
}, 900_000);

afterEach(async () => {
  await Promise.all(electors.splice(0).map((elector) => elector.stop()));
});

afterAll(async () => {
  if (api) await api.core.deleteNamespace({ name: NS }).catch(() => {});
});

describe("leader election on a real Lease", () => {
  it("refuses settings client-go refuses, and an empty identity, with CONFIG_INVALID", () => {
    const base = { api: leases, namespace: NS, name: "refused", identity: "a" };
    for (const bad of [
      { leaseDurationMs: 1500, renewDeadlineMs: 1500, retryPeriodMs: 300 },
      { leaseDurationMs: 2000, renewDeadlineMs: 600, retryPeriodMs: 300 },
      { leaseDurationMs: 0 },
      { retryPeriodMs: Number.NaN },
      { jitterFactor: -1 },
      { identity: "" },
      { name: "" },
    ])
      expect(() => createLeaderElector({ ...base, ...bad })).toThrow(
        expect.objectContaining({ code: "CONFIG_INVALID" }),
      );
    expect(() => createLeaderElector({ ...base, ...TIMING })).not.toThrow();
  });

  it("two candidates: exactly one leads, and the Lease names it", async () => {
    const tracker = createTracker();
    const a = candidate("a", "two", tracker);
    const b = candidate("b", "two", tracker);
    await until(() => tracker.leaders.size === 1, 5000, "a leader");
    // Several renewals later, still one leader, and it is the Lease's holder.
    await pause(1500);
    const leader = a.isLeader() ? "a" : "b";
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    expect((await readLease("two")).spec?.holderIdentity).toBe(leader);
    expect(tracker.most()).toBe(1);
    expect(tracker.started.map((s) => s.id)).toEqual([leader]);
  });

  it("a release hands the lease over in under a second", async () => {
    const tracker = createTracker();
    // b watches the Lease, as a controller replica does: it tries the moment a releases.
    const { a, b } = await leaderAndCandidate("handover", tracker, { watch: true });
    const before = (await readLease("handover")).spec?.leaseTransitions ?? 0;
    const t0 = performance.now();
    await a.release();
    const released = performance.now() - t0;
    expect(a.isLeader()).toBe(false);
    await until(() => b.isLeader(), 3000, "b leads");
    const handover = tracker.started.at(-1)!.at - t0;
    console.log(
      `lease release: release() ${released.toFixed(0)} ms, hand-over ${handover.toFixed(0)} ms`,
    );
    expect(released).toBeLessThan(1000);
    expect(handover).toBeLessThan(1000);
    const lease = await readLease("handover");
    expect(lease.spec).toMatchObject({ holderIdentity: "b", leaseDurationSeconds: 2 });
    // The release keeps the count; b taking the lease from no holder adds one.
    expect(lease.spec?.leaseTransitions).toBe(before + 1);
    expect(tracker.most()).toBe(1);
  });

  it("with the Lease watch, a release hands over at once although retries are 2 s apart", async () => {
    const tracker = createTracker();
    const a = candidate("a", "watched", tracker, { slow: true, watch: true });
    await until(() => a.isLeader(), 5000, "a leads");
    const b = candidate("b", "watched", tracker, { slow: true, watch: true });
    // b's first attempt found a leading; its next retry is 2 to 4.4 s away.
    await pause(700);
    expect(b.isLeader()).toBe(false);
    const t0 = performance.now();
    await a.release();
    await until(() => b.isLeader(), 5000, "b leads");
    const handover = tracker.started.at(-1)!.at - t0;
    console.log(`lease release with a watch (retry 2 s): hand-over ${handover.toFixed(0)} ms`);
    expect(handover).toBeLessThan(1000);
    expect(tracker.most()).toBe(1);
  });

  it("a leader that stops renewing without release is replaced after the lease duration", async () => {
    const tracker = createTracker();
    const { a, b } = await leaderAndCandidate("crash", tracker);
    // Like a SIGKILL: renewals stop, the Lease is left as it is.
    const t0 = performance.now();
    await a.stop();
    expect((await readLease("crash")).spec?.holderIdentity).toBe("a");
    await until(() => b.isLeader(), 5000, "b leads");
    const takeover = tracker.started.at(-1)!.at - t0;
    console.log(`lease expiry: take-over ${takeover.toFixed(0)} ms after the leader stopped`);
    // a renewed at most one retry period (+10 % jitter) before it stopped; b waits a full
    // lease duration after it saw that renewal, then up to one jittered retry period.
    expect(takeover).toBeGreaterThan(2000 - 330 - 100);
    expect(takeover).toBeLessThan(2000 + 300 * 2.2 + 700);
    expect(tracker.most()).toBe(1);
  });

  it("a leader cut off from the API server steps down within the renew deadline", async () => {
    const proxy = await startTcpProxy(apiServer());
    try {
      const tracker = createTracker();
      const { a, b } = await leaderAndCandidate("cut", tracker, { aApi: throughPort(proxy.port) });
      const t0 = performance.now();
      await proxy.cut();
      const { steppedDown, takeover } = await stepDownAndTakeOver(tracker, b, t0);
      console.log(
        `lease cut-off: leader stepped down ${steppedDown.toFixed(0)} ms after the cut, take-over ${takeover.toFixed(0)} ms`,
      );
      // a's last renewal was sent before the cut: its deadline falls within 1.5 s of it.
      expect(steppedDown).toBeLessThanOrEqual(1500 + 100);
      expect(tracker.started[0]).toMatchObject({ id: "a" });
      expect(tracker.started[0]!.signal.aborted).toBe(true);
      expect(takeover).toBeGreaterThan(steppedDown);
      expect(tracker.most()).toBe(1);
      // Back on the network, a campaigns again but finds b's lease valid.
      await proxy.restore();
      await pause(1200);
      expect(a.isLeader()).toBe(false);
      expect(b.isLeader()).toBe(true);
      expect(a.leader()).toBe("b");
    } finally {
      await proxy.close();
    }
  });

  it("a leader whose API server stops answering steps down at the renew deadline", async () => {
    const proxy = await startFreezingProxy(apiServer());
    try {
      const tracker = createTracker();
      const { b } = await leaderAndCandidate("hang", tracker, { aApi: throughPort(proxy.port) });
      const t0 = performance.now();
      proxy.freeze();
      const { steppedDown, takeover } = await stepDownAndTakeOver(tracker, b, t0);
      console.log(
        `lease hang: leader stepped down ${steppedDown.toFixed(0)} ms after the API hung, take-over ${takeover.toFixed(0)} ms`,
      );
      // The pending renewal never answers: a steps down at its deadline all the same
      // (NaN, never stepped down, fails this too).
      expect(steppedDown).toBeLessThanOrEqual(1500 + 100);
      expect(tracker.started[0]!.signal.aborted).toBe(true);
      expect(takeover).toBeGreaterThan(steppedDown);
      expect(tracker.most()).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it("release() returns within a second even when the API server hangs", async () => {
    const proxy = await startFreezingProxy(apiServer());
    try {
      const tracker = createTracker();
      const { a, b } = await leaderAndCandidate("hang-release", tracker, {
        aApi: throughPort(proxy.port),
      });
      proxy.freeze();
      const t0 = performance.now();
      await a.release();
      const released = performance.now() - t0;
      console.log(`lease release while the API hangs: release() ${released.toFixed(0)} ms`);
      expect(released).toBeLessThan(1000);
      expect(a.isLeader()).toBe(false);
      expect(tracker.started[0]!.signal.aborted).toBe(true);
      // The release never reached the API server: b takes over when the lease expires.
      await until(() => b.isLeader(), 5000, "b leads");
      expect(tracker.most()).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it("five candidates racing through conflicts and hand-overs never lead two at once", async () => {
    const tracker = createTracker();
    const conflicts = { count: 0 };
    const ids = ["c1", "c2", "c3", "c4", "c5"];
    // The first creates wait until every candidate has read the Lease as absent, so all five
    // race to create it and the API server must refuse four of them.
    let reads = 0;
    const barrier = (async () => {
      await until(() => reads >= ids.length, 3000, "every candidate's first read");
    })();
    const real = observed(leases, conflicts);
    const racing: LeaseApi = {
      ...real,
      readNamespacedLease: (req) => real.readNamespacedLease(req).finally(() => reads++),
      createNamespacedLease: async (req) => (await barrier, real.createNamespacedLease(req)),
    };
    const all = new Map(ids.map((id) => [id, candidate(id, "race", tracker, { api: racing })]));
    // The Lease's holders as a poller sees them, next to the electors' own view.
    const holders: string[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const holder = (await readLease("race").catch(() => undefined))?.spec?.holderIdentity;
        if (holder && holder !== holders.at(-1)) holders.push(holder);
        await pause(20);
      }
    })();
    for (let round = 0; round < 3; round++) {
      const leader = await until(
        () => [...all].find(([, e]) => e.isLeader())?.[0],
        5000,
        `a leader in round ${round}`,
      );
      await pause(400);
      await all.get(leader)!.release();
      all.delete(leader);
    }
    const last = await until(() => [...tracker.leaders][0], 5000, "the last leader");
    await until(() => holders.at(-1) === last, 2000, "the poller sees the last leader");
    polling = false;
    await poll;
    console.log(`lease race: ${conflicts.count} conflicts (409), holders ${holders.join(" -> ")}`);
    expect(conflicts.count).toBeGreaterThanOrEqual(ids.length - 1);
    expect(tracker.most()).toBe(1);
    // Every leader took over from the previous one: the same sequence the Lease went through.
    expect(new Set(tracker.started.map((s) => s.id)).size).toBe(tracker.started.length);
    expect(holders).toEqual(tracker.started.map((s) => s.id));
  });

  it("a write on a stale version is refused (409) and leaves the winner leading", async () => {
    await leases.createNamespacedLease({
      namespace: NS,
      body: {
        metadata: { name: "stale" },
        spec: { holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 0 },
      },
    });
    const conflicts = { count: 0 };
    const real = observed(leases, conflicts);
    let intruded = false;
    // Just before the candidate's first write, an intruder takes the Lease for 30 s: the
    // candidate's write then carries a resourceVersion that is no longer current.
    const racing: LeaseApi = {
      ...real,
      async replaceNamespacedLease(req) {
        if (!intruded) {
          intruded = true;
          const current = await readLease("stale");
          const now = new V1MicroTime();
          await leases.replaceNamespacedLease({
            name: "stale",
            namespace: NS,
            body: {
              metadata: current.metadata,
              spec: {
                holderIdentity: "intruder",
                leaseDurationSeconds: 30,
                renewTime: now,
                acquireTime: now,
              },
            },
          });
        }
        return real.replaceNamespacedLease(req);
      },
    };
    const tracker = createTracker();
    const newLeaders: string[] = [];
    const a = candidate("a", "stale", tracker, { api: racing, newLeaders });
    await until(() => newLeaders.includes("intruder"), 5000, "a sees the intruder");
    await pause(1000);
    expect(conflicts.count).toBe(1);
    expect(a.isLeader()).toBe(false);
    expect(tracker.started).toEqual([]);
    expect((await readLease("stale")).spec?.holderIdentity).toBe("intruder");
  });

  it("a lease held by a foreign holder is respected while it renews, and taken when it expires", async () => {
    const renew = async (lease?: V1Lease) => {
      const now = new V1MicroTime();
      const spec = {
        holderIdentity: "foreign",
        leaseDurationSeconds: 3,
        renewTime: now,
        acquireTime: now,
      };
      return lease
        ? leases.replaceNamespacedLease({
            name: "foreign",
            namespace: NS,
            body: { metadata: lease.metadata, spec },
          })
        : leases.createNamespacedLease({
            namespace: NS,
            body: { metadata: { name: "foreign" }, spec },
          });
    };
    const created = await renew();
    const tracker = createTracker();
    const newLeaders: string[] = [];
    const t0 = performance.now();
    const a = candidate("a", "foreign", tracker, { newLeaders });
    await pause(1500);
    const current = await readLease("foreign");
    // Taken before the write is sent: the candidate cannot see the renewal any earlier.
    const renewedAt = performance.now();
    await renew(current);
    await until(() => a.isLeader(), 8000, "a takes the expired lease");
    const takeover = tracker.started[0]!.at;
    console.log(
      `foreign lease: taken ${(takeover - renewedAt).toFixed(0)} ms after its last renewal (duration 3 s)`,
    );
    expect(created.spec?.holderIdentity).toBe("foreign");
    expect(takeover - renewedAt).toBeGreaterThanOrEqual(3000);
    expect(takeover - renewedAt).toBeLessThan(3000 + 300 * 2.2 + 700);
    expect(takeover - t0).toBeGreaterThan(4500);
    expect(newLeaders).toEqual(["foreign", "a"]);
    const lease = await readLease("foreign");
    expect(lease.spec).toMatchObject({ holderIdentity: "a", leaseTransitions: 1 });
  });
});
