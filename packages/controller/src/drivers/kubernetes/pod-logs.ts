/**
 * Logs of a function: every pod's `pods/log` stream (timestamps on), merged like stern.
 * History is sorted by time and cut to `tail`; with `follow`, pods that appear later join.
 * A pod's output is untrusted: lines are cut into 16 KiB parts (the shared line splitter)
 * and a follower's queue is bounded, so neither a line without end nor a reader slower than
 * the pod makes the controller hold more.
 */
import { Readable } from "node:stream";
import { HttpMethod, RequestContext, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { fetch, type Dispatcher } from "undici";
import type { LogLine, LogQuery } from "../driver.js";
import { createLineSplitter, type SplitLine } from "../line-splitter.js";
import { toEventFlowError } from "./errors.js";
import { CONTAINER_NAME } from "./labels.js";

/** What {@link readFunctionLogs} needs from the driver. */
export interface PodLogSource {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The function's pods right now (from the informer). */
  pods(): readonly V1Pod[];
  /** Calls back when the function's pods change; returns an unsubscribe function. */
  onPodsChange(listener: () => void): () => void;
}

/** Splits `2026-01-02T03:04:05.123456789Z message` (the `timestamps=true` format; pure). */
export function parseTimestampedLine(raw: string): {
  timestamp: string;
  nanos: bigint;
  line: string;
} {
  const space = raw.indexOf(" ");
  const ts = space > 0 ? raw.slice(0, space) : "";
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (!m) {
    const now = new Date();
    return { timestamp: now.toISOString(), nanos: BigInt(now.getTime()) * 1_000_000n, line: raw };
  }
  const seconds = BigInt(Date.parse(`${m[1]}Z`) / 1000);
  const nanos = seconds * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
  return { timestamp: ts, nanos, line: raw.slice(space + 1) };
}

/** A log id that sorts by time, then pod, then order within the pod (pure). */
export function logId(nanos: bigint, pod: string, seq: number): string {
  return `${nanos.toString().padStart(20, "0")}-${pod}-${seq}`;
}

function sinceOf(query: LogQuery): string | undefined {
  if (query.afterId) {
    const nanos = BigInt(query.afterId.slice(0, 20) || "0");
    return new Date(Number(nanos / 1_000_000_000n) * 1000).toISOString();
  }
  return query.since ? query.since.toISOString().replace(/\.\d+Z$/, "Z") : undefined;
}

async function openPodLog(
  src: PodLogSource,
  pod: string,
  params: Record<string, string>,
  signal: AbortSignal,
): Promise<Readable> {
  const cluster = src.kubeConfig.getCurrentCluster();
  const url = new URL(`${cluster?.server}/api/v1/namespaces/${src.namespace}/pods/${pod}/log`);
  for (const [k, v] of Object.entries({ container: CONTAINER_NAME, timestamps: "true", ...params }))
    url.searchParams.set(k, v);
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  await src.kubeConfig.applySecurityAuthentication(ctx);
  const res = await fetch(url, {
    headers: ctx.getHeaders(),
    dispatcher: ctx.getDispatcher() as Dispatcher | undefined,
    signal,
  });
  if (res.status !== 200 || !res.body) {
    const body = await res.text().catch(() => "");
    const { ApiException } = await import("@kubernetes/client-node");
    throw new ApiException(res.status, "pods/log", body, {});
  }
  const stream = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
  stream.on("error", () => {});
  return stream;
}

/** Lines a follower's queue holds before the pod readers wait for the client. */
const QUEUE_HIGH_WATER = 1000;

/** The merge queue of a follow: `push` resolves once there is room again (backpressure). */
class Queue<T> {
  private items: T[] = [];
  private wake: (() => void) | undefined;
  private room: (() => void)[] = [];
  closed = false;
  push(item: T): Promise<void> | undefined {
    this.items.push(item);
    this.wake?.();
    if (this.items.length < QUEUE_HIGH_WATER || this.closed) return undefined;
    return new Promise<void>((resolve) => this.room.push(resolve));
  }
  private release() {
    for (const r of this.room.splice(0)) r();
  }
  close() {
    this.closed = true;
    this.wake?.();
    this.release();
  }
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      // Closed means the follower went away: what is queued is not wanted any more.
      while (this.items.length > 0 && !this.closed) {
        const item = this.items.shift()!;
        if (this.items.length < QUEUE_HIGH_WATER / 2) this.release();
        yield item;
      }
      if (this.closed) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

const isStarted = (pod: V1Pod) =>
  (pod.status?.containerStatuses ?? []).some(
    (c) => c.name === CONTAINER_NAME && (c.state?.running || c.state?.terminated),
  );

/** Reads (and with `follow`, keeps reading) the merged logs of a function's pods. */
export async function* readFunctionLogs(
  src: PodLogSource,
  query: LogQuery,
): AsyncGenerator<LogLine> {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  query.signal?.addEventListener("abort", onAbort, { once: true });
  const since = sinceOf(query);
  const params = (follow: boolean): Record<string, string> => ({
    ...(follow ? { follow: "true" } : {}),
    ...(query.tail !== undefined ? { tailLines: String(query.tail) } : {}),
    ...(since ? { sinceTime: since } : {}),
  });

  const readPod = async (
    pod: string,
    follow: boolean,
    sink: (l: LogLine) => Promise<void> | undefined,
  ) => {
    const stream = await openPodLog(src, pod, params(follow), abort.signal);
    let seq = 0;
    // The parts after the first of a long line carry no timestamp of their own.
    let continued: { timestamp: string; nanos: bigint } | undefined;
    const parts: SplitLine[] = [];
    const splitter = createLineSplitter({ onLine: (l) => parts.push(l) });
    const deliver = async () => {
      for (const part of parts.splice(0)) {
        const p = continued ? { ...continued, line: part.line } : parseTimestampedLine(part.line);
        continued = part.partial ? { timestamp: p.timestamp, nanos: p.nanos } : undefined;
        const id = logId(p.nanos, pod, seq++);
        if (query.afterId && id <= query.afterId) continue;
        await sink({
          id,
          replica: pod,
          stream: "stdout",
          timestamp: p.timestamp,
          line: p.line,
          ...(part.partial ? { partial: true as const } : {}),
        });
      }
    };
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      splitter.push(chunk);
      await deliver();
    }
    splitter.end();
    await deliver();
  };

  try {
    // History: every started pod, merged by time and cut to the tail.
    const history: LogLine[] = [];
    const started = src.pods().filter(isStarted);
    const seen = new Set<string>(started.map((p) => p.metadata!.name!));
    await Promise.all(
      started.map((p) =>
        readPod(p.metadata!.name!, false, (l) => void history.push(l)).catch((error: unknown) => {
          if (
            (error as { code?: number }).code !== 400 &&
            (error as { code?: number }).code !== 404
          )
            throw toEventFlowError(error, { action: "read pod logs" });
        }),
      ),
    );
    history.sort((a, b) => (a.id < b.id ? -1 : 1));
    const cut = query.tail !== undefined ? history.slice(-query.tail) : history;
    yield* cut;
    if (!query.follow || abort.signal.aborted) return;

    // Follow: continue every pod from the last line shown, and join pods as they start.
    const live = new Queue<LogLine>();
    const last = cut.at(-1)?.id ?? query.afterId ?? "";
    const follow = (pod: string) => {
      seen.add(pod);
      readPod(pod, true, (l) => (l.id > last ? live.push(l) : undefined)).catch(() => {});
    };
    for (const p of started) follow(p.metadata!.name!);
    const check = () => {
      for (const p of src.pods()) {
        const name = p.metadata?.name;
        if (name && !seen.has(name) && isStarted(p)) follow(name);
      }
    };
    const off = src.onPodsChange(check);
    check();
    abort.signal.addEventListener("abort", () => live.close(), { once: true });
    try {
      yield* live.drain();
    } finally {
      off();
    }
  } finally {
    query.signal?.removeEventListener("abort", onAbort);
    abort.abort();
  }
}
