import { Pool } from "undici";
import type { Endpoint } from "../drivers/driver.js";

/** One replica's connection pool and the requests it has in flight. */
export interface Upstream {
  readonly url: string;
  readonly replica: string;
  readonly pool: Pool;
  /**
   * The replica's key (local driver), sent in `x-eventflow-replica-key` with every request;
   * taken from each new endpoint list, since a restarted replica may reuse a port.
   */
  key: string | undefined;
  outstanding: number;
  /** Skipped by `pick` until then (ms of the balancer's clock): its connection was refused. */
  ejectedUntil: number;
}

interface FunctionUpstreams {
  endpoints: readonly Endpoint[];
  upstreams: Upstream[];
  next: number;
}

/** Pool settings for every replica. */
export interface PoolOptions {
  /** Sockets per replica. */
  readonly connections: number;
  readonly keepAliveTimeoutMs: number;
  /**
   * How long a replica that refused a connection is skipped (default 5000 ms), unless the
   * function's endpoint list changes first: like Envoy's outlier ejection, so the requests
   * after a replica died do not each pay a refused connect before their retry.
   */
  readonly ejectMs?: number;
  /** Clock in ms (tests); default `performance.now`. */
  readonly now?: () => number;
}

/**
 * Keeps one keep-alive undici Pool per replica and picks the replica with the fewest
 * outstanding requests (ties rotate), skipping ejected replicas while another one is left.
 * The driver's endpoint array is compared by identity, so the common case costs one Map
 * lookup; pools of replicas that left are closed gracefully.
 */
export function createBalancer(options: PoolOptions) {
  const byFunction = new Map<string, FunctionUpstreams>();
  const byUrl = new Map<string, Upstream>();
  const ejectMs = options.ejectMs ?? 5000;
  const now = options.now ?? (() => performance.now());

  function sync(entry: FunctionUpstreams, endpoints: readonly Endpoint[]): void {
    const keep = new Set(endpoints.map((e) => e.url));
    for (const u of entry.upstreams) {
      if (!keep.has(u.url)) {
        byUrl.delete(u.url);
        void u.pool.close().catch(() => undefined);
      }
    }
    entry.upstreams = endpoints.map((e) => {
      let u = byUrl.get(e.url);
      if (!u) {
        u = {
          url: e.url,
          replica: e.replica,
          key: e.key,
          outstanding: 0,
          ejectedUntil: 0,
          pool: new Pool(e.url, {
            connections: options.connections,
            pipelining: 1,
            keepAliveTimeout: options.keepAliveTimeoutMs,
          }),
        };
        byUrl.set(e.url, u);
      }
      // A new endpoint list is news about every replica (a restarted one is listed again).
      u.ejectedUntil = 0;
      u.key = e.key;
      return u;
    });
    entry.endpoints = endpoints;
  }

  function upstreamsOf(fnKey: string, endpoints: readonly Endpoint[]): FunctionUpstreams {
    let entry = byFunction.get(fnKey);
    if (!entry) byFunction.set(fnKey, (entry = { endpoints: [], upstreams: [], next: 0 }));
    if (entry.endpoints !== endpoints) sync(entry, endpoints);
    return entry;
  }

  return {
    /**
     * The least loaded upstream among `endpoints`, skipping `exclude` and those with `limit`
     * requests in flight (0: no limit); ejected ones only when nothing else is left (a refused
     * connect is then still better than no attempt).
     */
    pick(
      fnKey: string,
      endpoints: readonly Endpoint[],
      exclude?: Upstream,
      limit = 0,
    ): Upstream | undefined {
      const entry = upstreamsOf(fnKey, endpoints);
      const list = entry.upstreams;
      const n = list.length;
      if (n === 0) return undefined;
      const start = entry.next++ % n;
      let best: Upstream | undefined;
      let bestEjected: Upstream | undefined;
      let t: number | undefined;
      for (let i = 0; i < n; i++) {
        const u = list[(start + i) % n]!;
        if (u === exclude || (limit > 0 && u.outstanding >= limit)) continue;
        if (u.ejectedUntil !== 0 && u.ejectedUntil > (t ??= now())) {
          if (!bestEjected || u.outstanding < bestEjected.outstanding) bestEjected = u;
        } else if (!best || u.outstanding < best.outstanding) best = u;
      }
      return best ?? bestEjected;
    },
    /**
     * How many more requests `endpoints` can take before each has `limit` in flight: the
     * activator hands that many slots to held invokes. `limit` 0 (none): Infinity while any is
     * ready.
     */
    room(fnKey: string, endpoints: readonly Endpoint[], limit: number): number {
      if (limit <= 0) return endpoints.length > 0 ? Infinity : 0;
      let free = 0;
      for (const u of upstreamsOf(fnKey, endpoints).upstreams)
        if (u.outstanding < limit) free += limit - u.outstanding;
      return free;
    },
    /** Skips `upstream` for `ejectMs` or until its function's endpoint list changes. */
    eject(upstream: Upstream): void {
      upstream.ejectedUntil = now() + ejectMs;
    },
    async close(): Promise<void> {
      const pools = [...byUrl.values()].map((u) => u.pool.close().catch(() => undefined));
      byUrl.clear();
      byFunction.clear();
      await Promise.all(pools);
    },
  };
}

/** The balancer type. */
export type Balancer = ReturnType<typeof createBalancer>;
