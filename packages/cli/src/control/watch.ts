/**
 * `list --watch` and `get --watch`: the controller has no change stream, so the CLI polls and
 * prints what changed, as kubectl's `get -w` does (the table once, then one row per change).
 */
import type { FunctionStatus } from "@eventflow/protocol";

/** One change between two polls, named as kubectl's watch events are. */
export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly object: FunctionStatus;
}

/** What a person watching would call a change (not `updated_at` ticking alone). */
function fingerprint(f: FunctionStatus): string {
  return JSON.stringify([
    f.status,
    f.replicas,
    f.ready_replicas,
    f.updated_replicas,
    f.available_replicas,
    f.image,
    f.last_error?.code,
    f.last_error?.at,
  ]);
}

/** The changes from `before` to `after` (pure): added, modified, then deleted, each by name. */
export function diffFunctions(
  before: ReadonlyMap<string, FunctionStatus>,
  after: readonly FunctionStatus[],
): WatchEvent[] {
  const events: WatchEvent[] = [];
  const seen = new Set<string>();
  for (const f of after) {
    seen.add(f.name);
    const old = before.get(f.name);
    if (old === undefined) events.push({ type: "ADDED", object: f });
    else if (fingerprint(old) !== fingerprint(f)) events.push({ type: "MODIFIED", object: f });
  }
  for (const [name, f] of before) if (!seen.has(name)) events.push({ type: "DELETED", object: f });
  return events;
}

/** Options of {@link watchFunctions}. */
export interface WatchOptions {
  /** Reads the current state: every function, or the one watched (an empty list when gone). */
  readonly poll: () => Promise<readonly FunctionStatus[]>;
  /** Called with the first state and then with each poll's changes. */
  readonly onChange: (events: readonly WatchEvent[]) => Promise<void> | void;
  readonly intervalMs: number;
  readonly signal: AbortSignal;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Polls until the signal aborts (Ctrl-C); a failed poll ends the watch with its error. */
export async function watchFunctions(options: WatchOptions): Promise<void> {
  let known = new Map<string, FunctionStatus>();
  let first = true;
  while (!options.signal.aborted) {
    const current = await options.poll();
    const events = diffFunctions(known, current);
    known = new Map(current.map((f) => [f.name, f]));
    if (first || events.length > 0) await options.onChange(events);
    first = false;
    await sleep(options.intervalMs, options.signal);
  }
}
