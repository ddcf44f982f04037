/**
 * Direct readiness probes of a function's new pods, the activator's shortcut around the
 * kubelet: its readiness probe runs at most once per period and the EndpointSlice follows it,
 * while an invoke held at zero can go as soon as the runtime answers `/_eventflow/readyz`. While
 * someone waits, every running pod with an address the slices do not list as ready is probed
 * every `intervalMs`; one that answers 200 joins the function's endpoints until the slices list
 * it, it goes away, or `trustMs` passes (then the kubelet's view is the only one).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { Agent, request } from "undici";
import type { Endpoint } from "../driver.js";

/** What the prober reads and how it probes. */
export interface PodProberOptions {
  /** The live pods of a function (the cluster cache's). */
  readonly pods: (key: string) => readonly V1Pod[];
  /** The runtime's port in the pod. */
  readonly port: number;
  /** Between two rounds of probes (default 25 ms). */
  readonly intervalMs?: number;
  /** How long a probed pod counts as ready without the slices agreeing (default 30 s). */
  readonly trustMs?: number;
  /** One probe: true when the pod answered ready (default: GET its readiness path). */
  readonly probe?: (url: string, signal: AbortSignal) => Promise<boolean>;
  readonly now?: () => number;
}

interface Probed {
  readonly endpoint: Endpoint;
  readonly uid: string;
  readonly at: number;
}

interface Merged {
  base: readonly Endpoint[];
  version: number;
  out: readonly Endpoint[];
}

/** The address a pod's runtime listens on, when it has one and runs. */
export function podUrl(pod: V1Pod, port: number): string | undefined {
  const ip = pod.status?.podIP;
  if (!ip || pod.metadata?.deletionTimestamp || pod.status?.phase !== "Running") return undefined;
  if (!pod.status?.containerStatuses?.some((c) => c.state?.running)) return undefined;
  return `http://${ip.includes(":") ? `[${ip}]` : ip}:${port}`;
}

export function createPodProber(options: PodProberOptions) {
  const intervalMs = options.intervalMs ?? 25;
  const trustMs = options.trustMs ?? 30_000;
  const now = options.now ?? (() => performance.now());
  const agent = new Agent({ connections: 4, keepAliveTimeout: 1_000, connectTimeout: 250 });
  const probe =
    options.probe ??
    (async (url: string, signal: AbortSignal) => {
      const res = await request(`${url}/_eventflow/readyz`, {
        dispatcher: agent,
        signal,
        headersTimeout: 500,
        bodyTimeout: 500,
      });
      await res.body.dump({ limit: 4096 });
      return res.statusCode === 200;
    });
  const probed = new Map<string, Map<string, Probed>>();
  const merged = new Map<string, Merged>();
  let version = 0;

  /** Probed pods still alive at the same address and within the trust period. */
  function current(key: string): Probed[] {
    const entries = probed.get(key);
    if (!entries || entries.size === 0) return [];
    const live = new Map(options.pods(key).map((p) => [p.metadata?.uid ?? "", p]));
    const t = now();
    const out: Probed[] = [];
    for (const [uid, p] of entries) {
      const pod = live.get(uid);
      if (!pod || podUrl(pod, options.port) !== p.endpoint.url || t - p.at > trustMs) {
        entries.delete(uid);
        version++;
      } else out.push(p);
    }
    if (entries.size === 0) probed.delete(key);
    return out;
  }

  /** One round: probes every running pod the slices do not list; true when one is ready. */
  async function round(key: string, listed: readonly Endpoint[], signal: AbortSignal) {
    const known = new Set(listed.map((e) => e.url));
    const candidates = options.pods(key).flatMap((pod) => {
      const url = podUrl(pod, options.port);
      return url && !known.has(url) ? [{ pod, url }] : [];
    });
    const answers = await Promise.all(
      candidates.map(async ({ pod, url }) => {
        const ok = await probe(url, signal).catch(() => false);
        if (!ok || signal.aborted) return false;
        const uid = pod.metadata?.uid ?? "";
        let entries = probed.get(key);
        if (!entries) probed.set(key, (entries = new Map()));
        entries.set(uid, { uid, at: now(), endpoint: { replica: pod.metadata?.name ?? uid, url } });
        version++;
        return true;
      }),
    );
    return answers.some(Boolean);
  }

  return {
    /**
     * The slices' endpoints plus pods probed ready that they do not list yet; the same array
     * while nothing changes (the balancer compares by identity).
     */
    endpoints(key: string, fromSlices: readonly Endpoint[]): readonly Endpoint[] {
      if (!probed.has(key)) return fromSlices;
      const extra: Probed[] = [];
      for (const p of current(key)) {
        // Listed by the slices now: the kubelet agrees, the probe's part is done.
        if (fromSlices.some((e) => e.url === p.endpoint.url)) {
          probed.get(key)?.delete(p.uid);
          version++;
        } else extra.push(p);
      }
      if (probed.get(key)?.size === 0) probed.delete(key);
      if (extra.length === 0) return fromSlices;
      const m = merged.get(key);
      if (m && m.base === fromSlices && m.version === version) return m.out;
      const out = Object.freeze([...fromSlices, ...extra.map((p) => p.endpoint)]);
      merged.set(key, { base: fromSlices, version, out });
      return out;
    },

    /**
     * Probes the function's pods every interval until one answers ready (true) or `signal`
     * aborts (false). `listed` gives the endpoints known without probing.
     */
    async untilReady(
      key: string,
      listed: () => readonly Endpoint[],
      signal: AbortSignal,
    ): Promise<boolean> {
      while (!signal.aborted) {
        if (await round(key, listed(), signal)) return true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, intervalMs);
          signal.addEventListener("abort", done, { once: true });
          function done() {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            resolve();
          }
        });
      }
      return false;
    },

    forget(key: string): void {
      probed.delete(key);
      merged.delete(key);
    },

    close(): Promise<void> {
      probed.clear();
      merged.clear();
      return agent.close();
    },
  };
}

/** The prober's type. */
export type PodProber = ReturnType<typeof createPodProber>;
