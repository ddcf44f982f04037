import { Pool } from "undici";
import type { Endpoint } from "../drivers/driver.js";

/** One replica's connection pool and the requests it has in flight. */
export interface Upstream {
  readonly url: string;
  readonly replica: string;
  readonly pool: Pool;
  outstanding: number;
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
}

/**
 * Keeps one keep-alive undici Pool per replica and picks the replica with the fewest
 * outstanding requests (ties rotate). The driver's endpoint array is compared by identity, so
 * the common case costs one Map lookup; pools of replicas that left are closed gracefully.
 */
export function createBalancer(options: PoolOptions) {
  const byFunction = new Map<string, FunctionUpstreams>();
  const byUrl = new Map<string, Upstream>();

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
          outstanding: 0,
          pool: new Pool(e.url, {
            connections: options.connections,
            pipelining: 1,
            keepAliveTimeout: options.keepAliveTimeoutMs,
          }),
        };
        byUrl.set(e.url, u);
      }
      return u;
    });
    entry.endpoints = endpoints;
  }

  return {
    /** The least loaded upstream among `endpoints`, skipping `exclude`. */
    pick(fnKey: string, endpoints: readonly Endpoint[], exclude?: Upstream): Upstream | undefined {
      let entry = byFunction.get(fnKey);
      if (!entry) byFunction.set(fnKey, (entry = { endpoints: [], upstreams: [], next: 0 }));
      if (entry.endpoints !== endpoints) sync(entry, endpoints);
      const list = entry.upstreams;
      const n = list.length;
      if (n === 0) return undefined;
      const start = entry.next++ % n;
      let best: Upstream | undefined;
      for (let i = 0; i < n; i++) {
        const u = list[(start + i) % n]!;
        if (u === exclude) continue;
        if (!best || u.outstanding < best.outstanding) best = u;
      }
      return best;
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
