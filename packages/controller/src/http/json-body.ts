/**
 * Reads a JSON request body with a byte limit: 413 before reading when Content-Length says
 * so, 413 while reading when a chunked body grows past it, 408 when it does not arrive in time,
 * 415 for other content types and 400 for JSON that does not parse. Used per route, never on
 * the invoke route.
 */
import { EventFlowError } from "@eventflow/protocol";
import type { Context } from "koa";

function tooLarge(limit: number): EventFlowError {
  return new EventFlowError("REQUEST_BODY_TOO_LARGE", `the request body exceeds ${limit} bytes`, {
    details: { limitBytes: limit },
  });
}

/** Whether the request carries a body at all. */
function hasBody(ctx: Context): boolean {
  const length = ctx.get("content-length");
  return ctx.get("transfer-encoding") !== "" || (length !== "" && length !== "0");
}

/**
 * The body's bytes, failing at `limit` bytes (413) or when it has not fully arrived within
 * `timeoutMs` (408, so a client trickling a body cannot hold a request open forever).
 */
function collect(ctx: Context, limit: number, timeoutMs: number): Promise<Buffer> {
  const req = ctx.req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: EventFlowError | undefined) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("close", onClose);
      if (error === undefined) return resolve(Buffer.concat(chunks));
      // Answer and close the connection rather than reading the rest of the body.
      req.pause();
      ctx.set("connection", "close");
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onClose = () =>
      finish(
        new EventFlowError(
          "REQUEST_MALFORMED_JSON",
          "the request body ended before it was complete",
        ),
      );
    const timer = setTimeout(
      () =>
        finish(
          new EventFlowError(
            "REQUEST_BODY_TIMEOUT",
            `the request body did not arrive within ${timeoutMs} ms`,
            {
              details: { timeoutMs },
            },
          ),
        ),
      timeoutMs,
    );
    req.on("data", onData).on("end", onEnd).on("close", onClose);
  });
}

/** Reads and parses the body; `undefined` when the request has none. */
export async function readJsonBody(
  ctx: Context,
  limit: number,
  timeoutMs: number,
): Promise<unknown> {
  if (!hasBody(ctx)) return undefined;
  const declared = Number(ctx.get("content-length") || Number.NaN);
  if (declared > limit) {
    ctx.set("connection", "close");
    throw tooLarge(limit);
  }
  if (ctx.request.is("application/json", "+json") === false) {
    throw new EventFlowError(
      "REQUEST_UNSUPPORTED_MEDIA_TYPE",
      "this endpoint accepts application/json bodies",
      {
        details: { contentType: ctx.get("content-type") || null },
      },
    );
  }
  const text = (await collect(ctx, limit, timeoutMs)).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EventFlowError("REQUEST_MALFORMED_JSON", "the request body is not valid JSON", {
      cause: error,
    });
  }
}

/**
 * The body's bytes as they came (empty when there is none), with the same limit and timeout
 * rules; for a body stored rather than parsed (an asynchronous invoke's).
 */
export async function readRawBody(ctx: Context, limit: number, timeoutMs: number): Promise<Buffer> {
  if (!hasBody(ctx)) return Buffer.alloc(0);
  const declared = Number(ctx.get("content-length") || Number.NaN);
  if (declared > limit) {
    ctx.set("connection", "close");
    throw tooLarge(limit);
  }
  return collect(ctx, limit, timeoutMs);
}
