/**
 * Reads the load each replica measures itself (`GET /_eventflow/stats` of the runtime: requests
 * started and the time integral of requests in flight), so requests that never pass this
 * controller count too. Per replica the previous answer is kept: the growth of the integral over
 * the growth of the replica's uptime is its average concurrency since then, however short its
 * requests were. With many replicas only a random sample is asked and its mean extrapolated.
 * Replicas are untrusted: bodies are capped, numbers checked, slow answers cut off, and nothing
 * a replica does makes `observe()` throw.
 */
import { Agent, request } from "undici";
import { REPLICA_KEY_HEADER } from "@eventflow/protocol";

/** A replica to scrape (the driver's `Endpoint`). */
export interface ScrapeTarget {
  readonly replica: string;
  /** Base URL of the replica's runtime, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Sent as `x-eventflow-replica-key` when set (local driver). */
  readonly key?: string | undefined;
}

/** What a replica's `/_eventflow/stats` reports (cumulative since its process started). */
export interface ReplicaStats {
  inFlight: number;
  requests: number;
  concurrencySeconds: number;
  uptimeSeconds: number;
}

/** A function's load at `atMs`, summed over all its replicas. */
export interface Observation {
  readonly atMs: number;
  /** Average requests in flight since the previous scrape, all replicas together. */
  readonly concurrency: number;
  /** Requests started per second since the previous scrape, all replicas together. */
  readonly rps: number;
  /** Replicas that answered (the rest is extrapolated from their mean). */
  readonly sampled: number;
  /** Replicas the observation stands for (the targets given). */
  readonly replicas: number;
}

/** Scrapes functions' replicas; see {@link createScraper}. */
export interface Scraper {
  /**
   * Scrapes (a sample of) the targets; average concurrency and rps over the interval since
   * each replica's previous scrape, extrapolated to all targets. Undefined when no replica
   * answered. Never throws.
   */
  observe(functionKey: string, targets: readonly ScrapeTarget[]): Promise<Observation | undefined>;
  /** Drops what is kept about a function's replicas (deleted, or no longer autoscaled). */
  forget(functionKey: string): void;
  /** Closes the connections; later observations answer undefined. */
  close(): Promise<void>;
}

/** Options of {@link createScraper}. */
export interface ScraperOptions {
  /** Per replica, for the whole exchange (default 500 ms). */
  readonly timeoutMs?: number;
  /** Upper bound of the sample (default: {@link sampleSize} alone decides). */
  readonly maxSample?: number;
  /** One scrape (default: GET `/_eventflow/stats` over a dedicated undici Agent). */
  readonly fetchStats?: (target: ScrapeTarget, signal: AbortSignal) => Promise<ReplicaStats>;
  /** Milliseconds clock for `atMs` (default Date.now). */
  readonly now?: () => number;
}

/** Bytes of a stats answer read at most; the real one is under 150. */
export const MAX_STATS_BYTES = 4096;

// Sample size for a population mean at 95 % confidence (z = 1.96), an assumed per-replica
// variance of 100 and a margin of error of 5, corrected for the finite population: at most 16
// replicas stand for any number of them.
const UNBOUNDED_SAMPLE = (1.96 * 1.96 * 100) / (5 * 5);

/** How many of `population` replicas to scrape (all of up to 4; 7 of 10; 9 of 20; 16 of 1000). */
export function sampleSize(population: number): number {
  if (population <= 3) return Math.max(0, population);
  return Math.ceil((population * UNBOUNDED_SAMPLE) / (population + UNBOUNDED_SAMPLE - 1));
}

/** Checks a stats answer: every counter a finite number >= 0 (extra fields are ignored). */
export function parseReplicaStats(value: unknown): ReplicaStats {
  if (typeof value !== "object" || value === null) throw new Error("stats: not an object");
  const record = value as Record<string, unknown>;
  const field = (name: keyof ReplicaStats): number => {
    const n = record[name];
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0)
      throw new Error(`stats: ${name} is not a finite number >= 0`);
    return n;
  };
  return {
    inFlight: field("inFlight"),
    requests: field("requests"),
    concurrencySeconds: field("concurrencySeconds"),
    uptimeSeconds: field("uptimeSeconds"),
  };
}

interface Previous {
  readonly url: string;
  readonly stats: ReplicaStats;
}

/** One replica's contribution: its previous answer when it has one, else a first sighting. */
export function replicaLoad(
  stats: ReplicaStats,
  previous: ReplicaStats | undefined,
): { concurrency: number; rps: number } {
  const dt = previous === undefined ? 0 : stats.uptimeSeconds - previous.uptimeSeconds;
  const restarted =
    previous !== undefined &&
    (stats.requests < previous.requests || stats.concurrencySeconds < previous.concurrencySeconds);
  if (previous === undefined || restarted || dt <= 0) {
    // No interval yet: what is in flight now, and the rate over the replica's life (>= 1 s).
    return { concurrency: stats.inFlight, rps: stats.requests / Math.max(1, stats.uptimeSeconds) };
  }
  return {
    concurrency: (stats.concurrencySeconds - previous.concurrencySeconds) / dt,
    rps: (stats.requests - previous.requests) / dt,
  };
}

/** A random subset of `n` items (partial Fisher-Yates on a copy). */
function pick<T>(items: readonly T[], n: number): T[] {
  const copy = items.slice();
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

/** Creates a scraper with its own small connection pool. */
export function createScraper(options: ScraperOptions = {}): Scraper {
  const timeoutMs = options.timeoutMs ?? 500;
  const now = options.now ?? Date.now;
  const agent = new Agent({
    connections: 2,
    pipelining: 1,
    keepAliveTimeout: 5_000,
    connectTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    maxHeaderSize: 8192,
  });
  const fetchStats = options.fetchStats ?? ((t, signal) => getStats(agent, t, signal));
  const previous = new Map<string, Map<string, Previous>>();
  let closed = false;

  async function scrapeOne(target: ScrapeTarget): Promise<ReplicaStats | undefined> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("stats: timed out")), timeoutMs);
    try {
      return parseReplicaStats(await fetchStats(target, controller.signal));
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async function observe(
    functionKey: string,
    targets: readonly ScrapeTarget[],
  ): Promise<Observation | undefined> {
    if (closed || targets.length === 0) return undefined;
    try {
      const n = Math.max(1, Math.min(sampleSize(targets.length), options.maxSample ?? Infinity));
      const sample = n >= targets.length ? targets : pick(targets, n);
      const answers = await Promise.all(sample.map(scrapeOne));
      let kept = previous.get(functionKey);
      if (kept === undefined) previous.set(functionKey, (kept = new Map()));
      const live = new Set(targets.map((t) => t.replica));
      for (const replica of kept.keys()) if (!live.has(replica)) kept.delete(replica);
      let concurrency = 0;
      let rps = 0;
      let sampled = 0;
      sample.forEach((target, i) => {
        const stats = answers[i];
        if (stats === undefined) return;
        const prior = kept.get(target.replica);
        const load = replicaLoad(stats, prior?.url === target.url ? prior.stats : undefined);
        kept.set(target.replica, { url: target.url, stats });
        concurrency += load.concurrency;
        rps += load.rps;
        sampled++;
      });
      if (sampled === 0) return undefined;
      const scale = targets.length / sampled;
      return {
        atMs: now(),
        concurrency: concurrency * scale,
        rps: rps * scale,
        sampled,
        replicas: targets.length,
      };
    } catch {
      return undefined;
    }
  }

  return {
    observe,
    forget: (functionKey) => void previous.delete(functionKey),
    async close() {
      closed = true;
      previous.clear();
      await agent.destroy();
    },
  };
}

/** GET `/_eventflow/stats`: 200 with at most {@link MAX_STATS_BYTES} of JSON, else it throws. */
async function getStats(agent: Agent, target: ScrapeTarget, signal: AbortSignal): Promise<unknown> {
  const res = await request(`${target.url}/_eventflow/stats`, {
    dispatcher: agent,
    signal,
    headers: target.key === undefined ? {} : { [REPLICA_KEY_HEADER]: target.key },
  });
  if (res.statusCode !== 200) {
    await res.body.dump({ limit: MAX_STATS_BYTES }).catch(() => undefined);
    throw new Error(`stats: HTTP ${res.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STATS_BYTES) {
      res.body.destroy();
      throw new Error(`stats: body over ${MAX_STATS_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks, size).toString("utf8")) as unknown;
}
