/**
 * `X-Callback-Url`: when an invocation ends (succeeded, failed, dead), its result is POSTed
 * there as a CloudEvent (structured mode, `application/cloudevents+json`). Best effort: a few
 * tries with a short backoff; a callback that never succeeds is logged, the invocation's record
 * still holds the result.
 */
import type { Invocation } from "./model.js";

/** The CloudEvent `type` of an ended invocation, by state. */
export const RESULT_EVENT_TYPE = "dev.eventflow.invocation.completed";

/** The CloudEvent announcing an ended invocation (pure). */
export function buildResultEvent(inv: Invocation, time: Date) {
  return {
    specversion: "1.0",
    type: RESULT_EVENT_TYPE,
    source: `/v1/functions/${inv.function}`,
    subject: inv.id,
    id: `${inv.id}.${inv.dispatches}`,
    time: time.toISOString(),
    datacontenttype: "application/json",
    eventflowtenant: inv.tenant,
    data: {
      id: inv.id,
      function: inv.function,
      state: inv.state,
      attempts: inv.attempts,
      ...(inv.result === undefined ? {} : { result: inv.result }),
    },
  };
}

/** Whether a callback URL may be used: http(s) only, no credentials in it. */
export function checkCallbackUrl(value: string): string | undefined {
  if (value.length > 2048) return "is longer than 2048 characters";
  if (!URL.canParse(value)) return "is not a URL";
  const url = new URL(value);
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be http or https";
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  return undefined;
}

/** Options of {@link sendCallback}. */
export interface CallbackOptions {
  readonly tries?: number;
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

/** Posts the result event; true when the receiver answered 2xx. */
export async function sendCallback(
  inv: Invocation,
  options: CallbackOptions = {},
): Promise<boolean> {
  if (inv.callbackUrl === undefined) return true;
  const now = options.now ?? (() => new Date());
  const body = JSON.stringify(buildResultEvent(inv, now()));
  const tries = options.tries ?? 3;
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      const answer = await fetch(inv.callbackUrl, {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json; charset=utf-8" },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await answer.body?.cancel();
      if (answer.ok) return true;
    } catch {
      // Unreachable receiver: tried again below.
    }
    if (attempt < tries) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
  }
  return false;
}
