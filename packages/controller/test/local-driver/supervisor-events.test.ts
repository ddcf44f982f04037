import { mergeFunctionEvents, type FunctionEvent } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { createEventRing } from "../../src/drivers/local/event-ring.js";
import { crashedEvent, scaledEvent } from "../../src/drivers/local/supervisor-events.js";
import { toRevisionEvents } from "../../src/drivers/revision-events.js";

describe("scaledEvent", () => {
  it.each([
    [1, 3, "api", { reason: "Scaled", from: 1, to: 3, by: "api" }],
    [2, 1, "autoscaler", { reason: "Autoscaled", from: 2, to: 1, by: "autoscaler" }],
    [1, 0, "scale-to-zero", { reason: "ScaleToZero", to: 0 }],
    [0, 1, "scale-from-zero", { reason: "ScaleFromZero", to: 1 }],
  ] as const)("%i -> %i by %s", (from, to, by, expected) => {
    expect(scaledEvent(from, to, by)).toMatchObject({ type: "scaled", ...expected });
  });

  it("is nothing when the count stays", () => {
    expect(scaledEvent(2, 2, "api")).toBeUndefined();
  });
});

describe("crashedEvent", () => {
  const base = { replica: "hello-0", crashes: 1, loopThreshold: 3 };
  it.each([
    [{ code: 3, signal: null }, 1, "Exited", { exit_code: 3 }],
    [{ code: 0, signal: null }, 1, "Completed", { exit_code: 0 }],
    [{ code: null, signal: "SIGKILL" }, 1, "Killed", { signal: "SIGKILL" }],
    [{ code: null, signal: "SIGSEGV" }, 1, "Signaled", { signal: "SIGSEGV" }],
    [{ code: 1, signal: null }, 3, "CrashLoopBackOff", { exit_code: 1, count: 3 }],
  ] as const)("%o, crash %i: %s", (exit, crashes, reason, extra) => {
    expect(crashedEvent({ ...base, exit, crashes, detail: "Error: boom" })).toMatchObject({
      type: "crashed",
      reason,
      replica: "hello-0",
      ...extra,
    });
  });

  it("puts the error line in the message", () => {
    expect(
      crashedEvent({ ...base, exit: { code: 1, signal: null }, detail: "TypeError: x" }).message,
    ).toBe("replica hello-0 exited with code 1: TypeError: x");
  });
});

describe("event ring", () => {
  it("keeps the newest `limit` events, newest first", () => {
    let t = 0;
    const ring = createEventRing(() => new Date(Date.UTC(2026, 0, 1, 0, 0, t++)), 3);
    for (const to of [1, 2, 3, 4, 5])
      ring.push({ type: "scaled", reason: "Scaled", message: "", to });
    expect(ring.list().map((e) => e.to)).toEqual([5, 4, 3]);
  });
});

describe("toRevisionEvents and mergeFunctionEvents", () => {
  const revision = (number: number, createdAt: string) => ({
    tenant: "acme",
    function: "hello",
    number,
    spec: { image: `reg/hello:v${number}` },
    createdBy: "alice",
    createdAt,
  });

  it("makes revision 1 the deploy and later ones updates, merged newest first and bounded", () => {
    const deploys = toRevisionEvents([
      revision(2, "2026-01-01T00:00:02.000Z"),
      revision(1, "2026-01-01T00:00:00.000Z"),
    ]);
    expect(deploys.map((e) => [e.type, e.revision])).toEqual([
      ["updated", 2],
      ["deployed", 1],
    ]);
    const crash: FunctionEvent = {
      time: "2026-01-01T00:00:01.000Z",
      type: "crashed",
      reason: "Exited",
      message: "",
    };
    expect(mergeFunctionEvents([[crash], deploys]).map((e) => e.type)).toEqual([
      "updated",
      "crashed",
      "deployed",
    ]);
    expect(mergeFunctionEvents([[crash], deploys], 2).map((e) => e.type)).toEqual([
      "updated",
      "crashed",
    ]);
  });
});
