import type { ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { describe, expect, it } from "vitest";
import type { Upstream } from "../../src/invoke/balancer.js";
import { startAttempt } from "../../src/invoke/exchange.js";

// A stand-in for the replica's undici Pool (only `dispatch` is called): the attempt's
// bookkeeping is what is under test, not the transport.
function upstreamWith(dispatch: (handler: Dispatcher.DispatchHandler) => void): Upstream {
  const pool = {
    dispatch: (_opts: unknown, handler: Dispatcher.DispatchHandler) => dispatch(handler),
  };
  return {
    url: "http://127.0.0.1:1",
    replica: "r-0",
    pool: pool as unknown as Upstream["pool"],
    key: undefined,
    outstanding: 0,
    ejectedUntil: 0,
  };
}
const OPTS: Dispatcher.DispatchOptions = { path: "/", method: "POST" };
const res = {} as ServerResponse;

describe("startAttempt", () => {
  it("counts the attempt as outstanding until it settles", async () => {
    const upstream = upstreamWith(() => undefined);
    const { promise, exchange } = startAttempt(upstream, OPTS, res, "req-1");
    expect(upstream.outstanding).toBe(1);
    expect(exchange).toMatchObject({ res, requestId: "req-1", headersSent: false, settled: false });
    exchange.resolve();
    await promise;
    expect(upstream.outstanding).toBe(0);
  });

  it("rejects, settled and no longer outstanding, when dispatching throws", async () => {
    const refused = Object.assign(new Error("closed"), { code: "UND_ERR_CLOSED" });
    const upstream = upstreamWith(() => {
      throw refused;
    });
    const { promise, exchange } = startAttempt(upstream, OPTS, res, "req-2");
    await expect(promise).rejects.toBe(refused);
    expect(exchange.settled).toBe(true);
    expect(upstream.outstanding).toBe(0);
  });
});
