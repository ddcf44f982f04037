/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's leaderelection
 * semantics: a candidate takes the lease when it is absent, released, or not renewed for its
 * duration (as seen on the candidate's own clock); every write carries the resourceVersion it
 * read, so of two racing candidates the API server lets one win (409 for the other); the
 * leader renews every retry period and steps down when no renewal succeeded within the renew
 * deadline, before any other candidate may consider the lease expired.
 */
import type { CoordinationV1Api, V1Lease } from "@kubernetes/client-node";
import { EventFlowError } from "@eventflow/protocol";
import { apiStatus, toEventFlowError } from "../errors.js";
import { sleep, systemClock, type Clock } from "./clock.js";
import { watchLeaseReleases, type LeaseWatcher } from "./lease-watch.js";
import {
  buildLeaseSpec,
  buildReleasedSpec,
  isHeldByOther,
  toLeaseRecord,
  type LeaseRecord,
} from "./lease-record.js";

/** The Lease calls the elector makes (a CoordinationV1Api from `makeApiClient`). */
export type LeaseApi = Pick<
  CoordinationV1Api,
  "readNamespacedLease" | "createNamespacedLease" | "replaceNamespacedLease"
>;

/** What {@link createLeaderElector} needs; durations default to client-go's. */
export interface LeaderElectorOptions {
  readonly api: LeaseApi;
  readonly namespace: string;
  /** The Lease's name. */
  readonly name: string;
  /** This replica's identity, unique among candidates (e.g. the pod name). */
  readonly identity: string;
  /** How long others wait after the last renewal before taking over (default 15 s). */
  readonly leaseDurationMs?: number;
  /** The leader steps down when no renewal succeeded for this long (default 10 s). */
  readonly renewDeadlineMs?: number;
  /** Between two attempts to acquire or renew (default 2 s). */
  readonly retryPeriodMs?: number;
  /** A candidate waits retryPeriod × (1 + random × jitterFactor) (default 1.2). */
  readonly jitterFactor?: number;
  /** This replica now leads; `signal` aborts when it stops leading. */
  readonly onStartedLeading?: (signal: AbortSignal) => void;
  /** This replica stopped leading (lost the lease, released it or was stopped). */
  readonly onStoppedLeading?: () => void;
  /** The observed holder changed (this replica included). */
  readonly onNewLeader?: (identity: string) => void;
  /** A failed Lease call (the attempt is retried); other holders are not errors. */
  readonly onError?: (error: EventFlowError) => void;
  /**
   * A client-node `Watch`: with it a candidate tries at once when the Lease is released or
   * deleted, so a graceful hand-over takes one round trip instead of up to 2.2 retry periods.
   */
  readonly watch?: LeaseWatcher;
  readonly clock?: Clock;
  readonly random?: () => number;
}

/** A candidate for a Lease. */
export interface LeaderElector {
  /** Starts campaigning; after losing the lease the elector campaigns again. */
  start(): void;
  isLeader(): boolean;
  /** The holder last observed, if any. */
  leader(): string | undefined;
  /**
   * Stops campaigning and, when leading, stops leading and gives the lease up at once so a
   * candidate takes it at its next attempt. Settles within about a second whatever the API does.
   */
  release(): Promise<void>;
  /** Stops campaigning and leading without touching the lease (it expires on its own). */
  stop(): Promise<void>;
}

type Attempt = "acquired" | "held" | "failed";

/** Waiting for an in-flight call before a release; keeps release() under a second. */
const SETTLE_MS = 400;
const RELEASE_MS = 500;

function validate(lease: number, renew: number, retry: number, jitter: number) {
  const bad = (message: string) =>
    new EventFlowError("CONFIG_INVALID", `leader election: ${message}`);
  if (![lease, renew, retry].every((ms) => Number.isFinite(ms) && ms > 0) || !(jitter >= 0))
    throw bad("durations must be positive numbers and jitterFactor not negative");
  if (!(lease > renew)) throw bad("leaseDurationMs must be greater than renewDeadlineMs");
  if (!(renew > retry * (1 + jitter)))
    throw bad("renewDeadlineMs must be greater than retryPeriodMs × (1 + jitterFactor)");
}

/** Creates a candidate for the Lease `namespace/name`. */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  const { api, namespace, name, identity } = options;
  const leaseMs = options.leaseDurationMs ?? 15_000;
  const renewMs = options.renewDeadlineMs ?? 10_000;
  const retryMs = options.retryPeriodMs ?? 2_000;
  const jitter = options.jitterFactor ?? 1.2;
  validate(leaseMs, renewMs, retryMs, jitter);
  // An empty holder reads as "released": with an empty identity every candidate would lead.
  if (identity === "" || name === "" || namespace === "")
    throw new EventFlowError(
      "CONFIG_INVALID",
      "leader election: identity, name and namespace must not be empty",
    );
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const leaseSeconds = Math.ceil(leaseMs / 1000);
  const what = `Lease ${namespace}/${name}`;

  let stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let leading: AbortController | undefined;
  let latest: V1Lease | undefined;
  let observed: { version: string | undefined; at: number; holder: string } | undefined;
  let leaderSeen: string | undefined;
  // A release seen by the watch: ends the candidate's wait, or skips the next one.
  let released = false;
  let wake: AbortController | undefined;

  const report = (error: unknown, action: string) =>
    options.onError?.(toEventFlowError(error, { action: `${action} ${what}` }));
  const notify = (hook: () => void) => {
    try {
      hook();
    } catch (error) {
      report(error, "a leader-election callback for");
    }
  };
  // A hung call counts as failed once `ms` pass (the request itself may still land).
  const within = <T>(call: Promise<T>, ms: number): Promise<T | "timeout"> =>
    new Promise((resolve, reject) => {
      if (ms <= 0) {
        call.catch(() => {});
        return resolve("timeout");
      }
      const cancel = clock.setTimer(() => resolve("timeout"), ms);
      call.then(
        (value) => (cancel(), resolve(value)),
        (error: unknown) => (cancel(), reject(error)),
      );
    });

  const observe = (lease: V1Lease) => {
    const record = toLeaseRecord(lease);
    const version = lease.metadata?.resourceVersion;
    if (!observed || observed.version !== version)
      observed = { version, at: clock.now(), holder: record.holder };
    if (record.holder !== "" && record.holder !== leaderSeen) {
      leaderSeen = record.holder;
      const holder = record.holder;
      notify(() => options.onNewLeader?.(holder));
    }
    return record;
  };

  const write = async (previous: V1Lease | undefined, record: LeaseRecord | undefined) => {
    const spec = buildLeaseSpec({
      identity,
      previous: record,
      leaseDurationSeconds: leaseSeconds,
      now: new Date(),
    });
    if (!previous)
      return api.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace }, spec },
      });
    const metadata = { ...previous.metadata, name, namespace };
    return api.replaceNamespacedLease({ name, namespace, body: { metadata, spec } });
  };

  // Both calls of an attempt end by `deadline` (on `clock`), answered or not.
  const attempt = async (deadline: number): Promise<Attempt> => {
    try {
      const current = await within(
        api.readNamespacedLease({ name, namespace }).catch((error: unknown) => {
          if (apiStatus(error) === 404) return undefined;
          throw error;
        }),
        deadline - clock.now(),
      );
      if (current === "timeout") return "failed";
      const record = current ? observe(current) : undefined;
      const times = { observedAtMs: observed?.at ?? 0, nowMs: clock.now() };
      if (record && isHeldByOther(record, identity, times)) return "held";
      const written = await within(write(current, record), deadline - clock.now());
      if (written === "timeout") return "failed";
      // Kept even when stopping meanwhile: a release then writes over this very version.
      latest = written;
      observe(written);
      return stopping.signal.aborted ? "failed" : "acquired";
    } catch (error) {
      // 409: another candidate wrote first (create or replace); it is seen at the next read.
      report(error, "acquire or renew");
      return "failed";
    }
  };

  const startLeading = () => {
    leading = new AbortController();
    const signal = leading.signal;
    notify(() => options.onStartedLeading?.(signal));
  };
  const stopLeading = () => {
    if (!leading) return;
    leading.abort();
    leading = undefined;
    notify(() => options.onStoppedLeading?.());
  };

  // `renewedAt`: when the last successful write was sent (it landed no earlier).
  const lead = async (stop: AbortSignal, acquiredAt: number) => {
    let renewedAt = acquiredAt;
    while (!stop.aborted && leading) {
      const deadline = renewedAt + renewMs;
      // Renew attempts jitter a little; the deadline is never overslept.
      const wait = Math.min(retryMs * (1 + random() * 0.1), deadline - clock.now());
      await sleep(clock, wait, stop);
      if (stop.aborted) return;
      const sentAt = clock.now();
      const result = await attempt(deadline);
      if (stop.aborted) return;
      if (result === "acquired") renewedAt = sentAt;
      else if (result === "held" || clock.now() >= deadline) stopLeading();
    }
  };

  const waitToRetry = async (stop: AbortSignal) => {
    if (released) return;
    wake = new AbortController();
    await sleep(clock, retryMs * (1 + random() * jitter), AbortSignal.any([stop, wake.signal]));
    wake = undefined;
  };

  const campaign = async (stop: AbortSignal) => {
    while (!stop.aborted) {
      // A release seen before this attempt's read is covered by the read.
      released = false;
      const sentAt = clock.now();
      const result = await attempt(sentAt + renewMs);
      if (stop.aborted) return;
      if (result === "acquired") {
        startLeading();
        await lead(stop, sentAt);
        continue;
      }
      await waitToRetry(stop);
    }
  };

  const halt = async () => {
    stopping.abort();
    const running = loop;
    loop = undefined;
    if (running) await within(running, SETTLE_MS).catch(() => undefined);
  };

  const releaseLease = async () => {
    const lease = latest;
    if (!lease) return;
    const body = {
      metadata: lease.metadata,
      spec: buildReleasedSpec(toLeaseRecord(lease), new Date()),
    };
    try {
      await within(api.replaceNamespacedLease({ name, namespace, body }), RELEASE_MS);
    } catch (error) {
      // A 409 means the lease changed since our last write: it is no longer ours to give up.
      if (apiStatus(error) !== 409) report(error, "release");
    }
  };

  return {
    start() {
      if (loop) return;
      stopping = new AbortController();
      if (options.watch)
        watchLeaseReleases({
          watcher: options.watch,
          namespace,
          name,
          clock,
          reopenMs: retryMs,
          onRelease: () => {
            released = true;
            wake?.abort();
          },
          onError: (error) => report(error, "watch"),
          signal: stopping.signal,
        });
      loop = campaign(stopping.signal);
    },
    isLeader: () => leading !== undefined,
    leader: () => observed?.holder || undefined,
    async release() {
      await halt();
      const wasLeading = leading !== undefined;
      stopLeading();
      if (wasLeading) await releaseLease();
      latest = undefined;
    },
    async stop() {
      await halt();
      stopLeading();
      latest = undefined;
    },
  };
}
