import type { LogLine, LogQuery, LogRecorder } from "../driver.js";
import type { NewLogLine, Store } from "./store/index.js";
import { createLogBudget } from "./log-budget.js";

/** Options for {@link createLogBook}. */
export interface LogBookOptions {
  readonly store: Store;
  /** Lines kept per function; the oldest are dropped beyond about 1.1x this. */
  readonly maxLinesPerFunction: number;
  /** How often buffered lines are written (and followers woken). */
  readonly flushIntervalMs: number;
  readonly clock: () => Date;
  /** Lines per second each function may have stored (0: no limit); the excess is dropped. */
  readonly linesPerSecond?: number;
  readonly recorder?: LogRecorder;
  /** Reports store failures (once per failing operation, and again once it works). */
  readonly log?: (level: "info" | "error", obj: Record<string, unknown>, msg: string) => void;
}

/** A line a replica wrote (or one 16 KiB part of a longer one). */
export interface AppendedLine {
  readonly tenant: string;
  readonly name: string;
  readonly replica: string;
  readonly stream: "stdout" | "stderr";
  readonly line: string;
  readonly partial?: boolean;
}

const fnKey = (tenant: string, name: string) => `${tenant}/${name}`;
const PAGE = 1000;
const DROP_AFTER_MS = 10_000;

/** The line written in place of the lines a function had dropped over its budget. */
export function droppedMarker(count: number): string {
  return `eventflow: ${count} log lines dropped (log rate limit)`;
}

/**
 * Replica logs of every function, bounded on disk in the store's `logs` table. Lines are
 * buffered and written in one transaction per flush; followers wake on each flush and read
 * everything after the last id they saw, so replicas started mid-follow show up too. Logs are
 * best effort: a store error loses the lines of that flush, is counted and reported, and never
 * reaches the replica's output handler or a timer as an exception.
 */
export function createLogBook(options: LogBookOptions) {
  const { store } = options;
  let buffer: NewLogLine[] = [];
  const budget = createLogBudget({
    linesPerSecond: options.linesPerSecond ?? 0,
    now: () => options.clock().getTime(),
  });
  // Per function: where its dropped lines came from (for the marker) and how many the
  // metric has not been told about yet.
  const dropping = new Map<string, { tenant: string; name: string; replica: string; n: number }>();
  // Store operations failing right now, so each failure is reported once, not per flush.
  const failing = new Set<string>();

  /** Runs a store write; a failure is counted, reported on its first occurrence, and swallowed. */
  function attempt(op: string, write: () => void): boolean {
    try {
      write();
    } catch (error) {
      options.recorder?.writeError();
      if (!failing.has(op)) {
        failing.add(op);
        options.log?.(
          "error",
          { op, err: error instanceof Error ? error.message : String(error) },
          "cannot write function logs; their lines are dropped until the store works again",
        );
      }
      return false;
    }
    if (failing.delete(op)) options.log?.("info", { op }, "function log writes work again");
    return true;
  }
  const sinceTrim = new Map<string, number>();
  const waiters = new Map<string, Set<() => void>>();
  const deleted = new Set<string>();
  const pendingDrops = new Map<string, NodeJS.Timeout>();

  function purge(tenant: string, name: string): void {
    const key = fnKey(tenant, name);
    clearTimeout(pendingDrops.get(key));
    pendingDrops.delete(key);
    attempt("delete", () => store.deleteLogs(tenant, name));
  }
  const timer = setInterval(flush, options.flushIntervalMs);
  timer.unref();

  function wake(key: string): void {
    const set = waiters.get(key);
    if (!set) return;
    waiters.delete(key);
    for (const w of set) w();
  }

  /** Reports dropped lines to the metric, and writes the marker of a flood that ended. */
  function settleDrops(): void {
    for (const [key, d] of dropping) {
      if (d.n > 0) options.recorder?.linesDropped(d, d.n);
      d.n = 0;
      const total = budget.takeDropped(key);
      if (total === 0) continue;
      dropping.delete(key);
      buffer.push({
        tenant: d.tenant,
        name: d.name,
        replica: d.replica,
        stream: "stderr",
        timestamp: options.clock().toISOString(),
        line: droppedMarker(total),
      });
    }
  }

  function flush(): void {
    if (dropping.size > 0) settleDrops();
    if (buffer.length === 0) return;
    const lines = buffer;
    buffer = [];
    if (!attempt("append", () => store.appendLogs(lines))) return;
    const touched = new Map<string, NewLogLine>();
    for (const l of lines) {
      const key = fnKey(l.tenant, l.name);
      touched.set(key, l);
      sinceTrim.set(key, (sinceTrim.get(key) ?? 0) + 1);
    }
    for (const [key, l] of touched) {
      if ((sinceTrim.get(key) ?? 0) > options.maxLinesPerFunction / 10) {
        attempt("trim", () => store.trimLogs(l.tenant, l.name, options.maxLinesPerFunction));
        sinceTrim.set(key, 0);
      }
      wake(key);
    }
  }

  function waitForLines(key: string, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = waiters.get(key);
      if (!set) waiters.set(key, (set = new Set()));
      const done = () => {
        set.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      set.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  const toLine = (l: {
    id: number;
    replica: string;
    stream: "stdout" | "stderr";
    timestamp: string;
    line: string;
    partial?: boolean;
  }): LogLine => ({
    id: String(l.id),
    replica: l.replica,
    stream: l.stream,
    timestamp: l.timestamp,
    line: l.line,
    ...(l.partial === true ? { partial: true } : {}),
  });

  async function* read(tenant: string, name: string, query: LogQuery): AsyncGenerator<LogLine> {
    const key = fnKey(tenant, name);
    flush();
    const afterId =
      query.afterId !== undefined && /^\d+$/.test(query.afterId)
        ? Number(query.afterId)
        : undefined;
    const since = query.since?.toISOString();
    const history = store.readLogs(tenant, name, {
      ...(afterId !== undefined ? { afterId } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(query.tail !== undefined ? { tail: query.tail } : {}),
    });
    let lastId = afterId ?? 0;
    for (const l of history) {
      if (query.signal?.aborted) return;
      lastId = l.id;
      yield toLine(l);
    }
    if (!query.follow) return;
    if (history.length === 0 && afterId === undefined)
      lastId = store.readLogs(tenant, name, { tail: 1 })[0]?.id ?? 0;
    while (!query.signal?.aborted) {
      const gone = deleted.has(key);
      const page = store.readLogs(tenant, name, { afterId: lastId, limit: PAGE });
      for (const l of page) {
        if (query.signal?.aborted) return;
        lastId = l.id;
        yield toLine(l);
      }
      // A deleted function's followers get its last lines (the drain), then their stream ends.
      if (page.length < PAGE) {
        if (gone) return;
        await waitForLines(key, query.signal);
      }
    }
  }

  return {
    append(line: AppendedLine): void {
      const key = fnKey(line.tenant, line.name);
      if (!budget.take(key)) {
        const d = dropping.get(key);
        if (d === undefined)
          dropping.set(key, { tenant: line.tenant, name: line.name, replica: line.replica, n: 1 });
        else d.n += 1;
        return;
      }
      // The first line kept after a flood: the marker goes before it.
      if (dropping.has(key)) settleDrops();
      buffer.push({
        tenant: line.tenant,
        name: line.name,
        replica: line.replica,
        stream: line.stream,
        line: line.line,
        ...(line.partial === true ? { partial: true } : {}),
        timestamp: options.clock().toISOString(),
      });
      if (buffer.length >= 2000) flush();
    },
    flush,
    read,
    /** Marks a function as created again (a follow of a deleted name may start anew). */
    revive(tenant: string, name: string): void {
      const key = fnKey(tenant, name);
      if (pendingDrops.has(key)) purge(tenant, name);
      deleted.delete(key);
    },
    /**
     * Ends a deleted function's followers once they have read its last lines, and drops the
     * lines a little later (at once if the name is created again).
     */
    drop(tenant: string, name: string): void {
      flush();
      const key = fnKey(tenant, name);
      deleted.add(key);
      sinceTrim.delete(key);
      budget.forget(key);
      dropping.delete(key);
      wake(key);
      const timer = setTimeout(() => purge(tenant, name), DROP_AFTER_MS);
      timer.unref();
      pendingDrops.set(key, timer);
    },
    close(): void {
      clearInterval(timer);
      flush();
      for (const key of [...pendingDrops.keys()]) {
        const [tenant, ...rest] = key.split("/");
        purge(tenant!, rest.join("/"));
      }
      for (const key of [...waiters.keys()]) {
        deleted.add(key);
        wake(key);
      }
    },
  };
}

/** The log book type. */
export type LogBook = ReturnType<typeof createLogBook>;
