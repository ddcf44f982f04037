/** The local driver's events as its supervisor sees them happen (pure builders). */
import type { FunctionEvent, ScaledBy } from "@eventflow/protocol";
import type { ReplicaExit } from "./replica-process.js";

type NewEvent = Omit<FunctionEvent, "time">;

/** The replica count changed; undefined when it did not. */
export function scaledEvent(from: number, to: number, by: ScaledBy): NewEvent | undefined {
  if (from === to) return undefined;
  return {
    type: "scaled",
    reason: by === "api" ? "Scaled" : by === "autoscaler" ? "Autoscaled" : toCamel(by),
    message: `replicas ${from} -> ${to} (${by})`,
    from,
    to,
    by,
  };
}

/** What {@link crashedEvent} reads. */
export interface CrashInput {
  readonly replica: string;
  readonly exit: ReplicaExit;
  /** Exits in a row of this replica, this one included. */
  readonly crashes: number;
  /** From this many exits in a row the function is crash looping. */
  readonly loopThreshold: number;
  /** The error line of its stderr, when it said one. */
  readonly detail?: string | undefined;
}

/** A replica exited on its own (not stopped by the supervisor). */
export function crashedEvent(input: CrashInput): NewEvent {
  const { exit, crashes } = input;
  const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
  const reason =
    crashes >= input.loopThreshold
      ? "CrashLoopBackOff"
      : exit.signal === "SIGKILL"
        ? "Killed"
        : exit.signal
          ? "Signaled"
          : exit.code === 0
            ? "Completed"
            : "Exited";
  return {
    type: "crashed",
    reason,
    message: `replica ${input.replica} exited with ${how}${input.detail ? `: ${input.detail}` : ""}`,
    replica: input.replica,
    count: crashes,
    ...(exit.code === null ? {} : { exit_code: exit.code }),
    ...(exit.signal === null ? {} : { signal: exit.signal }),
  };
}

function toCamel(words: string): string {
  return words
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}
