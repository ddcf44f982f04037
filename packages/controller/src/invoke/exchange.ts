import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { Upstream } from "./balancer.js";
import { toClientHeaders } from "./headers.js";
import { ClientAborted } from "./upstream-errors.js";

/** One attempt of one invoke: the client's response and the upstream request's controller. */
export interface Exchange {
  readonly res: ServerResponse;
  readonly requestId: string;
  /** The platform's headers over the function's (see InvokeRequest.headers). */
  readonly platformHeaders?: Readonly<Record<string, string>>;
  /** The revision that serves it, said in `x-eventflow-revision`. */
  readonly revision?: string;
  controller?: Dispatcher.DispatchController;
  headersSent: boolean;
  settled: boolean;
  /** A small answer of known length, held until it is complete (then one write). */
  held?: { status: number; headers: OutgoingHttpHeaders; chunks: Buffer[] };
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Answers with a declared length up to this size are held until complete and written with
 * their head in one go, as nginx's proxy buffering does: nearly every function answer is one
 * small chunk, and one write is much cheaper than head, body and end as separate writes. A
 * held answer that fails half-way can still become a clean 502, since nothing was sent.
 */
export const HELD_RESPONSE_BYTES = 64 * 1024;

/** Puts the platform's CORS headers over the function's own (whose `vary` is kept, merged). */
function applyPlatformHeaders(headers: OutgoingHttpHeaders, own: Readonly<Record<string, string>>) {
  for (const name of Object.keys(headers))
    if (name.startsWith("access-control-")) delete headers[name];
  const vary = headers.vary;
  Object.assign(headers, own);
  if (vary !== undefined && own.vary !== undefined)
    headers.vary = `${Array.isArray(vary) ? vary.join(", ") : String(vary)}, ${own.vary}`;
}

function writeHead(x: Exchange, status: number, headers: OutgoingHttpHeaders): void {
  if (headers["x-request-id"] === undefined) headers["x-request-id"] = x.requestId;
  if (x.revision !== undefined) headers["x-eventflow-revision"] = x.revision;
  if (x.platformHeaders !== undefined) applyPlatformHeaders(headers, x.platformHeaders);
  x.res.writeHead(status, headers);
  x.headersSent = true;
}

/**
 * The undici dispatch handler of one exchange. Small answers of known length are held and
 * written whole; others stream: status and headers (minus hop-by-hop ones) go to the client as
 * they arrive, body chunks are written with backpressure (the upstream read pauses while the
 * client's socket is full).
 */
export function dispatchHandler(x: Exchange): Dispatcher.DispatchHandler {
  return {
    onRequestStart(controller) {
      x.controller = controller;
    },
    onResponseStart(_controller, statusCode, headers) {
      if (statusCode < 200) return;
      const out = toClientHeaders(headers);
      const length = headers["content-length"];
      if (typeof length === "string" && Number(length) <= HELD_RESPONSE_BYTES) {
        x.held = { status: statusCode, headers: out, chunks: [] };
        return;
      }
      writeHead(x, statusCode, out);
    },
    onResponseData(controller, chunk) {
      if (x.held !== undefined) {
        x.held.chunks.push(chunk);
        return;
      }
      // Backpressure: stop reading the replica until the client's socket drains.
      if (!x.res.write(chunk)) {
        controller.pause();
        x.res.once("drain", () => controller.resume());
      }
    },
    onResponseEnd() {
      const held = x.held;
      if (held !== undefined) {
        writeHead(x, held.status, held.headers);
        const { chunks } = held;
        x.res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      } else {
        x.res.end();
      }
      x.settled = true;
      x.resolve();
    },
    onResponseError(_controller, error) {
      if (x.settled) return;
      x.settled = true;
      if (x.headersSent) {
        // Mid-stream failure: the status is already out, so cut the response short.
        x.res.destroy(error);
        x.resolve();
      } else {
        x.reject(error);
      }
    },
  };
}

/** Rejects when the client disconnects while the invoke waits for a cold replica. */
export function rejectOnAbort(res: ServerResponse): Promise<never> {
  const aborted = new Promise<never>((_resolve, reject) => {
    res.once("close", () => {
      if (!res.writableFinished) reject(new ClientAborted());
    });
  });
  // It may reject long after the race it was in is over: never an unhandled rejection.
  aborted.catch(() => undefined);
  return aborted;
}

/**
 * Sends one attempt of an invoke to `upstream`: the attempt's Exchange, which its dispatch
 * handler settles, and the promise of its end. The upstream counts the attempt as outstanding
 * (the balancer's load) until it settles, also when dispatching throws.
 */
export function startAttempt(
  upstream: Upstream,
  opts: Dispatcher.DispatchOptions,
  res: ServerResponse,
  requestId: string,
  platformHeaders?: Readonly<Record<string, string>>,
  revision?: string,
): { promise: Promise<void>; exchange: Exchange } {
  let exchange!: Exchange;
  const promise = new Promise<void>((resolve, reject) => {
    exchange = {
      res,
      requestId,
      ...(platformHeaders === undefined ? {} : { platformHeaders }),
      ...(revision === undefined ? {} : { revision }),
      headersSent: false,
      settled: false,
      resolve: () => {
        upstream.outstanding--;
        resolve();
      },
      reject: (error) => {
        upstream.outstanding--;
        reject(error);
      },
    };
  });
  upstream.outstanding++;
  try {
    upstream.pool.dispatch(opts, dispatchHandler(exchange));
  } catch (error) {
    exchange.settled = true;
    exchange.reject(error);
  }
  return { promise, exchange };
}
