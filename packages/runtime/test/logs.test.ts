// Request ids and log lines: ctx.log and console output tagged with the invocation's id.
import { afterEach, describe, expect, it } from "vitest";
import { captureConsole, createLogger } from "../src/index.js";
import { startInProcess, type TestRuntime } from "./support/in-process.js";

let current: TestRuntime | undefined;
let restoreConsole: (() => void) | undefined;
afterEach(async () => {
  restoreConsole?.();
  restoreConsole = undefined;
  await current?.stop();
  current = undefined;
});

async function start(handler: unknown): Promise<TestRuntime> {
  current = await startInProcess(handler);
  return current;
}

/** Routes console.* into JSON lines collected by the test (restored after each test). */
function captureConsoleLines(): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  restoreConsole = captureConsole(
    createLogger({
      level: "info",
      functionName: "test-fn",
      sink: (l) => void lines.push(JSON.parse(l)),
    }),
  );
  return lines;
}

describe("request ids", () => {
  it("generates a distinct id per request when none is given", async () => {
    const rt = await start(() => "x");
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await fetch(rt.url)).headers.get("x-request-id")!);
    expect(ids.size).toBe(20);
  });
});

describe("logs", () => {
  it("console output of a synchronous handler carries the request id", async () => {
    const lines = captureConsoleLines();
    const rt = await start(() => {
      console.log("sync line");
      return "ok";
    });
    await fetch(rt.url, { headers: { "x-request-id": "sync-1" } });
    console.log("outside any request");
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "sync line", requestId: "sync-1" }),
    );
    expect(lines.find((l) => l.msg === "outside any request")?.requestId).toBeUndefined();
  });

  it("a handler that only later turns asynchronous gets request ids across awaits from then on", async () => {
    const lines = captureConsoleLines();
    // Not an `async function`, so the runtime learns it is asynchronous from its first result.
    const rt = await start(() =>
      new Promise((resolve) => setTimeout(resolve, 2)).then(() => {
        console.log("after await");
        return "ok";
      }),
    );
    await fetch(rt.url, { headers: { "x-request-id": "first" } });
    await fetch(rt.url, { headers: { "x-request-id": "second" } });
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "after await", requestId: "second" }),
    );
  });

  it("ctx.log and console.log lines carry the request id", async () => {
    const lines = captureConsoleLines();
    const rt = await start(
      async (_e: unknown, ctx: { log: { info(m: string, f?: object): void } }) => {
        ctx.log.info("from ctx", { step: 1 });
        await new Promise((resolve) => setTimeout(resolve, 5));
        console.log("from console %d", 2);
        return "ok";
      },
    );
    const res = await fetch(rt.url, { headers: { "x-request-id": "req-42" } });
    expect(res.status).toBe(200);
    expect(rt.logs).toContainEqual(
      expect.objectContaining({
        msg: "from ctx",
        requestId: "req-42",
        step: 1,
        level: "info",
        function: "test-fn",
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "from console 2", requestId: "req-42", source: "console" }),
    );
  });
});
