/**
 * A function's recent events on the local driver, in memory. Not in the SQLite store: they
 * describe the processes this controller runs, which a restart starts afresh (a stored crash
 * of a process that no longer exists would mislead), and a crash loop would otherwise write a
 * row on every restart. Kubernetes keeps its Events for an hour for the same kind of reason.
 * The ring lives on the function's supervisor, so deleting the function drops it.
 */
import { MAX_FUNCTION_EVENTS, type FunctionEvent } from "@eventflow/protocol";

/** A bounded list of events, oldest dropped first. */
export interface EventRing {
  /** Adds an event at the clock's time now. */
  push(event: Omit<FunctionEvent, "time">): void;
  /** The events kept, newest first. */
  list(): FunctionEvent[];
}

/** Creates a ring keeping the last `limit` events. */
export function createEventRing(clock: () => Date, limit: number = MAX_FUNCTION_EVENTS): EventRing {
  const events: FunctionEvent[] = [];
  return {
    push(event) {
      events.push({ time: clock().toISOString(), ...event });
      if (events.length > limit) events.splice(0, events.length - limit);
    },
    list: () => events.toReversed(),
  };
}
