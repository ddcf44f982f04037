import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

const REQUEST_ID = /^[\w.:@+/=-]{1,128}$/;

// Generated ids: a random per-process prefix and a counter (unique, no entropy per request).
const ID_PREFIX = randomUUID().slice(0, 13).replace("-", "");
let idCounter = 0;

/** The request's `x-request-id` when it is safe to echo and log, else a new id. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  if (typeof given === "string" && REQUEST_ID.test(given)) return given;
  return `${ID_PREFIX}-${(++idCounter).toString(36)}`;
}

/**
 * Milliseconds with exactly three decimals (`0.042`, `12.346`), as `toFixed(3)` writes them for
 * the durations the runtime measures, with integer arithmetic instead of float printing.
 */
export function formatMs(ms: number): string {
  const us = Math.round(ms * 1000);
  if (!(us >= 0) || us > Number.MAX_SAFE_INTEGER) return ms.toFixed(3);
  const whole = Math.floor(us / 1000);
  const frac = us - whole * 1000;
  return `${whole}${frac < 10 ? ".00" : frac < 100 ? ".0" : "."}${frac}`;
}

/** Whether `fn` was declared `async` (so its console output needs AsyncLocalStorage). */
export function isAsyncFunction(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: string } } | undefined)?.constructor?.name;
  return name === "AsyncFunction" || name === "AsyncGeneratorFunction";
}

/** Resolves after `ms` without keeping the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

/** Runs a lifecycle hook with a deadline; its signal fires when the deadline passes. */
export async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T> | T,
  ms: number,
  what: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`${what} timed out`));
      reject(new Error(`${what} did not finish within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => work(controller.signal)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
