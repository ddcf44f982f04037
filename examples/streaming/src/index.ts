import type { Context, HttpEvent, HttpResponse } from "@eventflow/sdk";

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

async function* progress(steps: number, delayMs: number, ctx: Context): AsyncGenerator<string> {
  for (let step = 1; step <= steps; step++) {
    await sleep(delayMs, ctx.signal);
    yield JSON.stringify({ step, of: steps, at: new Date().toISOString() }) + "\n";
  }
  ctx.log.info("stream complete", { steps });
}

/**
 * A slow job that reports progress as NDJSON while it works: `?steps=5&delayMs=100`.
 * Each line is written as soon as it is ready (nothing is buffered), and the work stops
 * when the client disconnects or the invocation times out (ctx.signal).
 */
export default function stream(event: HttpEvent, ctx: Context): HttpResponse {
  const steps = Math.min(Math.max(Number(event.query.steps ?? 5) || 5, 1), 1000);
  const delayMs = Math.min(Math.max(Number(event.query.delayMs ?? 100) || 0, 0), 10_000);
  return {
    statusCode: 200,
    headers: { "content-type": "application/x-ndjson" },
    body: progress(steps, delayMs, ctx),
  };
}
