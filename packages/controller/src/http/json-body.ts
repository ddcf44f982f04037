/**
 * Reads a JSON request body with a byte limit: 413 before reading when Content-Length says
 * so, 413 while reading when a chunked body grows past it, 415 for other content types and
 * 400 for JSON that does not parse. Used per route, never on the invoke route.
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

/** Reads and parses the body; `undefined` when the request has none. */
export async function readJsonBody(ctx: Context, limit: number): Promise<unknown> {
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
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // Answer 413 and close the connection rather than reading the rest of the body.
      ctx.set("connection", "close");
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EventFlowError("REQUEST_MALFORMED_JSON", "the request body is not valid JSON", {
      cause: error,
    });
  }
}
