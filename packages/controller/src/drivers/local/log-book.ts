import type { LogLine, LogQuery } from "../driver.js";
import type { NewLogLine, Store } from "../../store/index.js";

/** Options for {@link createLogBook}. */
export interface LogBookOptions {
  readonly store: Store;
  /** Lines kept per function; the oldest are dropped beyond about 1.1x this. */
  readonly maxLinesPerFunction: number;
  /** How often buffered lines are written (and followers woken). */
  readonly flushIntervalMs: number;
  readonly clock: () => Date;
}

const fnKey = (tenant: string, name: string) => `${tenant}/${name}`;
const PAGE = 1000;
const DROP_AFTER_MS = 10_000;

/**
 * Replica logs of every function, bounded on disk in the store's `logs` table. Lines are
 * buffered and written in one transaction per flush; followers wake on each flush and read
 * everything after the last id they saw, so replicas started mid-follow show up too.
 */
export function createLogBook(options: LogBookOptions) {
  const { store } = options;
  let buffer: NewLogLine[] = [];
  const sinceTrim = new Map<string, number>();
  const waiters = new Map<string, Set<() => void>>();
  const deleted = new Set<string>();
  const pendingDrops = new Map<string, NodeJS.Timeout>();

  function purge(tenant: string, name: string): void {
    const key = fnKey(tenant, name);
    clearTimeout(pendingDrops.get(key));
    pendingDrops.delete(key);
    store.deleteLogs(tenant, name);
  }
  const timer = setInterval(flush, options.flushIntervalMs);
  timer.unref();

  function wake(key: string): void {
    const set = waiters.get(key);
    if (!set) return;
    waiters.delete(key);
    for (const w of set) w();
  }

  function flush(): void {
    if (buffer.length === 0) return;
    const lines = buffer;
    buffer = [];
    store.appendLogs(lines);
    const touched = new Map<string, NewLogLine>();
    for (const l of lines) {
      const key = fnKey(l.tenant, l.name);
      touched.set(key, l);
      sinceTrim.set(key, (sinceTrim.get(key) ?? 0) + 1);
    }
    for (const [key, l] of touched) {
      if ((sinceTrim.get(key) ?? 0) > options.maxLinesPerFunction / 10) {
        store.trimLogs(l.tenant, l.name, options.maxLinesPerFunction);
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
  }): LogLine => ({
    id: String(l.id),
    replica: l.replica,
    stream: l.stream,
    timestamp: l.timestamp,
    line: l.line,
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
    append(line: {
      tenant: string;
      name: string;
      replica: string;
      stream: "stdout" | "stderr";
      line: string;
    }): void {
      buffer.push({ ...line, timestamp: options.clock().toISOString() });
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
