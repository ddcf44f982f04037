import { describe, expect, it } from "vitest";
import { cloudEvent, defineFunction, HttpError } from "../src/index.js";
import { invoke, startFunction } from "../src/testing/index.js";

describe("@eventflow/sdk/testing", () => {
  it("invokes a plain handler with JSON, query and headers", async () => {
    const res = await invoke(
      (event: {
        body: { n: number };
        query: { q?: string };
        headers: Record<string, unknown>;
      }) => ({
        doubled: event.body.n * 2,
        q: event.query.q,
        h: event.headers["x-h"],
      }),
      { method: "POST", path: "/p", query: { q: "1" }, headers: { "X-H": "v" }, body: { n: 21 } },
    );
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ doubled: 42, q: "1", h: "v" });
  });

  it("maps thrown HttpErrors to the envelope like the runtime", async () => {
    const res = await invoke(() => {
      throw new HttpError(422, "bad", { code: "BAD_INPUT" });
    });
    expect(res.status).toBe(422);
    expect(res.json<{ error: { code: string } }>().error.code).toBe("BAD_INPUT");
  });

  it("collects ctx.log lines and streamed bodies", async () => {
    const res = await invoke(async function* (
      _e: unknown,
      ctx: { log: { info(m: string): void } },
    ) {
      ctx.log.info("streaming");
      yield "a";
      yield "b";
    } as never);
    expect(res.text()).toBe("ab");
    expect(res.logs).toEqual([{ level: "info", message: "streaming", fields: undefined }]);
  });

  it("sends CloudEvents and reads the reply event in both modes", async () => {
    const fn = defineFunction({
      cloudEvent: (e) => cloudEvent({ type: "reply", source: "/t", data: e.data }),
    });
    for (const mode of ["binary", "structured"] as const) {
      const res = await invoke(fn, {
        method: "POST",
        cloudEvent: { type: "in", source: "/x", data: { v: 1 } },
        cloudEventMode: mode,
      });
      expect(res.status).toBe(200);
      expect(res.cloudEvent).toMatchObject({ type: "reply", data: { v: 1 } });
    }
  });

  it("runs init, readiness and shutdown with startFunction", async () => {
    const calls: string[] = [];
    const started = await startFunction(
      defineFunction({
        init: () => void calls.push("init"),
        readiness: () => calls.includes("init"),
        handle: () => "ok",
        shutdown: () => void calls.push("shutdown"),
      }),
    );
    expect(await started.ready()).toBe(true);
    expect((await started.invoke()).text()).toBe("ok");
    await started.stop();
    expect(calls).toEqual(["init", "shutdown"]);
  });
});
