import type { ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { copyResponseHeaders } from "./headers.js";
import { ClientAborted } from "./upstream-errors.js";

/** One attempt of one invoke: the client's response and the upstream request's controller. */
export interface Exchange {
  readonly res: ServerResponse;
  readonly requestId: string;
  controller?: Dispatcher.DispatchController;
  headersSent: boolean;
  settled: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The undici dispatch handler of one exchange: status and headers (minus hop-by-hop ones) go
 * to the client as they arrive, body chunks are written with backpressure (the upstream read
 * pauses while the client's socket is full).
 */
export function dispatchHandler(x: Exchange): Dispatcher.DispatchHandler {
  return {
    onRequestStart(controller) {
      x.controller = controller;
    },
    onResponseStart(controller, statusCode, headers) {
      if (statusCode < 200) return;
      const { res } = x;
      copyResponseHeaders(headers, (name, value) => res.setHeader(name, value));
      if (!res.hasHeader("x-request-id")) res.setHeader("x-request-id", x.requestId);
      res.writeHead(statusCode);
      x.headersSent = true;
    },
    onResponseData(controller, chunk) {
      // Backpressure: stop reading the replica until the client's socket drains.
      if (!x.res.write(chunk)) {
        controller.pause();
        x.res.once("drain", () => controller.resume());
      }
    },
    onResponseEnd() {
      x.res.end();
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
