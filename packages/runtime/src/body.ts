import type { IncomingMessage } from "node:http";

const EMPTY = Buffer.alloc(0);

/** Result of reading a request body under a size limit. */
export type BodyResult =
  { ok: true; body: Buffer } | { ok: false; reason: "too-large" | "aborted" };

/** Whether the request announces a body at all (content-length > 0 or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return length !== "0";
  return req.headers["transfer-encoding"] !== undefined;
}

/**
 * Reads the whole body, refusing more than `limit` bytes. A declared content-length over the
 * limit is refused before reading anything.
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  done: (result: BodyResult) => void,
): void {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    done({ ok: false, reason: "too-large" });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (result: BodyResult): void => {
    if (finished) return;
    finished = true;
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("aborted", onAborted);
    req.off("error", onAborted);
    done(result);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) {
      req.pause();
      finish({ ok: false, reason: "too-large" });
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = (): void =>
    finish({
      ok: true,
      body:
        chunks.length === 0
          ? EMPTY
          : chunks.length === 1
            ? chunks[0]!
            : Buffer.concat(chunks, size),
    });
  const onAborted = (): void => finish({ ok: false, reason: "aborted" });
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("aborted", onAborted);
  req.on("error", onAborted);
}

/** The empty body, shared. */
export const EMPTY_BODY = EMPTY;
