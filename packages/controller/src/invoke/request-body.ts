import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { EventFlowError } from "@eventflow/protocol";
import { BodyTooLarge, ClientAborted } from "./upstream-errors.js";

/**
 * Bodies with a known length up to this size are read whole before they are sent, as nginx's
 * request buffering does: they nearly always arrive with the headers, and one write of head and
 * body is much cheaper than a stream. Longer or chunked bodies stream.
 */
export const SMALL_BODY_BYTES = 64 * 1024;

/** The whole body when it already sits in the stream's buffer, else undefined. */
function buffered(req: Readable, length: number): Buffer | undefined {
  if (length > 0 && req.readableLength === length && !req.readableFlowing) {
    const whole = req.read(length) as Buffer | null;
    if (whole !== null && whole.length === length) return whole;
    if (whole !== null) req.unshift(whole);
  }
  return undefined;
}

/** Reads a small body of known length; rejects if the client goes away first. */
export function readSmallBody(req: Readable, length: number): Buffer | Promise<Buffer> {
  // Usually the whole body arrived with the headers: take it without listeners. Node hands a
  // request over as soon as its headers are parsed, before the body of the same packet, which
  // is in the buffer once the parser is done: after one turn of the microtask queue.
  return (
    buffered(req, length) ??
    Promise.resolve().then(() => buffered(req, length) ?? bodyByEvents(req, length))
  );
}

/** Reads a body of known length as it arrives. */
function bodyByEvents(req: Readable, length: number): Promise<Buffer> {
  // Gone before the wait began: its close has been emitted already, and will not be again.
  if (req.destroyed) return Promise.reject(new ClientAborted());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onClose = () => {
      cleanup();
      reject(new ClientAborted());
    };
    const cleanup = () => {
      req.off("data", onData).off("end", onEnd).off("error", onClose).off("close", onClose);
    };
    req.on("data", onData).once("end", onEnd).once("error", onClose).once("close", onClose);
    if (length === 0) req.resume();
  });
}

/** Counts request body bytes and fails the stream past the limit (for bodies without a length). */
export function limitedBody(source: Readable, max: number): Transform {
  let seen = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > max ? new BodyTooLarge(`request body exceeds ${max} bytes`) : null, chunk);
    },
  });
  source.on("error", (error) => t.destroy(error));
  // Piping (not passing the request itself) keeps undici from destroying the client's socket
  // when the upstream fails: only this wrapper is destroyed, and a 502 can still be sent.
  return source.pipe(t);
}

/**
 * The upstream body for a request: none, the whole small body, or a length-checked stream.
 * Throws REQUEST_BODY_TOO_LARGE when the declared length is over `max`.
 */
export function requestBodyFor(
  req: IncomingMessage,
  max: number,
): Buffer | Readable | null | Promise<Buffer> {
  const length = req.headers["content-length"];
  const declared = length === undefined ? undefined : Number(length);
  if (declared !== undefined && declared > max) {
    throw new EventFlowError("REQUEST_BODY_TOO_LARGE", `request body exceeds ${max} bytes`);
  }
  const chunked = req.headers["transfer-encoding"] !== undefined;
  if (!chunked && (declared === undefined || declared === 0)) return null;
  if (!chunked && declared! <= SMALL_BODY_BYTES) return readSmallBody(req, declared!);
  return limitedBody(req, max);
}
