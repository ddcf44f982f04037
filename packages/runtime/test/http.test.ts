import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { HttpError, defineFunction } from "@eventflow/sdk";
import { startInProcess, type TestRuntime } from "./support/in-process.js";

let current: TestRuntime | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

async function start(handler: unknown, env: Record<string, string> = {}): Promise<TestRuntime> {
  current = await startInProcess(handler, env);
  return current;
}

describe("results map to responses", () => {
  const cases: Array<{
    name: string;
    result: unknown;
    status: number;
    type: string | null;
    body: string;
  }> = [
    {
      name: "string -> text",
      result: "hi",
      status: 200,
      type: "text/plain; charset=utf-8",
      body: "hi",
    },
    {
      name: "object -> JSON",
      result: { a: 1 },
      status: 200,
      type: "application/json; charset=utf-8",
      body: '{"a":1}',
    },
    {
      name: "array -> JSON",
      result: [1, 2],
      status: 200,
      type: "application/json; charset=utf-8",
      body: "[1,2]",
    },
    {
      name: "number -> JSON",
      result: 42,
      status: 200,
      type: "application/json; charset=utf-8",
      body: "42",
    },
    {
      name: "bytes -> octet-stream",
      result: Buffer.from("xyz"),
      status: 200,
      type: "application/octet-stream",
      body: "xyz",
    },
    { name: "undefined -> 204", result: undefined, status: 204, type: null, body: "" },
    {
      name: "full control",
      result: {
        statusCode: 201,
        headers: { "X-Thing": "1", "content-type": "text/csv" },
        body: "a,b",
      },
      status: 201,
      type: "text/csv",
      body: "a,b",
    },
  ];
  it.each(cases)("$name", async ({ result, status, type, body }) => {
    const rt = await start(() => result);
    const res = await fetch(rt.url);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe(type);
    expect(await res.text()).toBe(body);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(Number(res.headers.get("x-eventflow-duration-ms"))).toBeGreaterThanOrEqual(0);
  });

  it("accepts a web Response with its status, headers and cookies", async () => {
    const rt = await start(() => {
      const headers = new Headers({ "x-web": "yes" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      return new Response("made", { status: 202, headers });
    });
    const res = await fetch(rt.url);
    expect(res.status).toBe(202);
    expect(res.headers.get("x-web")).toBe("yes");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.text()).toBe("made");
  });

  it("streams an async iterable without buffering it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rt = await start(() => ({
      async *[Symbol.asyncIterator]() {
        yield "first;";
        await gate;
        yield "second";
      },
    }));
    const res = await fetch(rt.url);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe("first;");
    release();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += Buffer.from(r.value).toString();
    expect(rest).toBe("second");
  });

  it("streams a web ReadableStream", async () => {
    const rt = await start(
      () =>
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("a"));
            controller.enqueue(new TextEncoder().encode("b"));
            controller.close();
          },
        }),
    );
    expect(await (await fetch(rt.url)).text()).toBe("ab");
  });
});

describe("requests reach the handler", () => {
  it("parses JSON, text and bytes by content type and passes method, path and query", async () => {
    const rt = await start(
      (event: { method: string; path: string; query: object; body: unknown; rawBody: Buffer }) => ({
        method: event.method,
        path: event.path,
        query: event.query,
        kind: Buffer.isBuffer(event.body) ? "buffer" : typeof event.body,
        body: Buffer.isBuffer(event.body) ? event.body.toString("hex") : event.body,
        raw: event.rawBody.length,
      }),
    );
    const json = await (
      await fetch(`${rt.url}/orders/7?x=1&x=2&y=z`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"n":1}',
      })
    ).json();
    expect(json).toEqual({
      method: "POST",
      path: "/orders/7",
      query: { x: "1", y: "z" },
      kind: "object",
      body: { n: 1 },
      raw: 7,
    });
    const text = await (
      await fetch(rt.url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "hey" })
    ).json();
    expect(text).toMatchObject({ kind: "string", body: "hey" });
    const bytes = await (
      await fetch(rt.url, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: new Uint8Array([1, 2]),
      })
    ).json();
    expect(bytes).toMatchObject({ kind: "buffer", body: "0102" });
  });

  it("answers malformed JSON with 400 and the envelope, and keeps serving", async () => {
    const rt = await start(() => "never");
    const res = await fetch(rt.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("RUNTIME_INVALID_JSON");
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
    expect((await fetch(rt.url)).status).toBe(200);
  });

  it("keeps a valid x-request-id and replaces an unsafe one", async () => {
    const rt = await start((_e: unknown, ctx: { requestId: string }) => ctx.requestId);
    const kept = await fetch(rt.url, { headers: { "x-request-id": "abc-123" } });
    expect(await kept.text()).toBe("abc-123");
    expect(kept.headers.get("x-request-id")).toBe("abc-123");
    const replaced = await fetch(rt.url, { headers: { "x-request-id": "bad id\twith tab" } });
    expect(await replaced.text()).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
  });
});

describe("errors", () => {
  it("HttpError gives its status, code, details and headers in the envelope", async () => {
    const rt = await start(() => {
      throw new HttpError(404, "no such order", {
        code: "ORDER_NOT_FOUND",
        details: { id: 7 },
        headers: { "x-hint": "check id" },
      });
    });
    const res = await fetch(rt.url);
    expect(res.status).toBe(404);
    expect(res.headers.get("x-hint")).toBe("check id");
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({
      code: "ORDER_NOT_FOUND",
      message: "no such order",
      details: { id: 7 },
    });
  });

  it("any other throw is a 500 with a generic message and the stack in the log", async () => {
    const rt = await start(() => {
      throw new Error("secret connection string leaked");
    });
    const res = await fetch(rt.url);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("RUNTIME_HANDLER_FAILED");
    expect(body.error.message).not.toContain("secret");
    const line = rt.logs.find((l) => l.msg === "handler failed") as {
      requestId: string;
      err: { stack: string };
    };
    expect(line.requestId).toBe(res.headers.get("x-request-id"));
    expect(line.err.stack).toContain("secret connection string leaked");
  });

  it("an invalid status code from the handler becomes a 500, not a crash", async () => {
    const rt = await start(() => ({ statusCode: 1200, body: "x" }));
    expect((await fetch(rt.url)).status).toBe(500);
    expect((await fetch(rt.url)).status).toBe(500);
  });
});

function rawPost(
  url: string,
  chunks: Buffer[],
  headers: Record<string, string | number>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe("limits", () => {
  it("refuses a declared body over the limit with 413 before reading it", async () => {
    const rt = await start(() => "never", { EVENTFLOW_MAX_BODY_BYTES: "1000" });
    const res = await rawPost(rt.url, [Buffer.alloc(2000)], { "content-length": 2000 });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("RUNTIME_BODY_TOO_LARGE");
  });

  it("refuses a chunked body that grows over the limit", async () => {
    const rt = await start(() => "never", { EVENTFLOW_MAX_BODY_BYTES: "1000" });
    const res = await rawPost(rt.url, [Buffer.alloc(600), Buffer.alloc(600)], {
      "transfer-encoding": "chunked",
    });
    expect(res.status).toBe(413);
  });

  it("accepts a body exactly at the limit", async () => {
    const rt = await start((e: { rawBody: Buffer }) => e.rawBody.length, {
      EVENTFLOW_MAX_BODY_BYTES: "1000",
    });
    const res = await rawPost(rt.url, [Buffer.alloc(1000)], { "content-length": 1000 });
    expect(res).toEqual({ status: 200, body: "1000" });
  });

  it("times out with 504 and fires the handler's signal", async () => {
    let aborted: unknown;
    const rt = await start(
      async (_e: unknown, ctx: { signal: AbortSignal }) => {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        aborted = ctx.signal.reason;
        return "too late";
      },
      { EVENTFLOW_TIMEOUT_MS: "100" },
    );
    const res = await fetch(rt.url);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("RUNTIME_TIMEOUT");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((aborted as { code: string }).code).toBe("RUNTIME_TIMEOUT");
  });

  it("answers 429 beyond the concurrency limit, and readiness fails while at the limit", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rt = await start(
      async () => {
        await gate;
        return "done";
      },
      { EVENTFLOW_MAX_CONCURRENCY: "2" },
    );
    const a = fetch(rt.url);
    const b = fetch(rt.url);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const third = await fetch(rt.url);
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBe("1");
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe(
      "RUNTIME_OVERLOADED",
    );
    expect((await fetch(`${rt.url}/_eventflow/readyz`)).status).toBe(503);
    release();
    expect((await a).status).toBe(200);
    expect((await b).status).toBe(200);
    expect((await fetch(`${rt.url}/_eventflow/readyz`)).status).toBe(200);
  });

  it("fires the signal when the client disconnects", async () => {
    let resolveAbort!: (reason: unknown) => void;
    const abortSeen = new Promise((resolve) => (resolveAbort = resolve));
    const rt = await start(async (_e: unknown, ctx: { signal: AbortSignal }) => {
      ctx.signal.addEventListener("abort", () => resolveAbort(ctx.signal.reason));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return "late";
    });
    const controller = new AbortController();
    const pending = fetch(rt.url, { signal: controller.signal }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await pending;
    const reason = (await abortSeen) as Error;
    expect(reason.name).toBe("AbortError");
  });
});

describe("reserved paths", () => {
  it("serves health, readiness and metrics, never reaching the handler", async () => {
    let calls = 0;
    const rt = await start(() => {
      calls++;
      return "user";
    });
    expect(await (await fetch(`${rt.url}/_eventflow/healthz`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${rt.url}/_eventflow/readyz`)).status).toBe(200);
    await fetch(`${rt.url}/hello`);
    const metrics = await (await fetch(`${rt.url}/_eventflow/metrics`)).text();
    expect(metrics).toContain(
      'eventflow_runtime_invocations_total{function="test-fn",code="2xx"} 1',
    );
    const unknown = await fetch(`${rt.url}/_eventflow/nope`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe(
      "RUNTIME_RESERVED_PATH",
    );
    expect((await fetch(`${rt.url}/_eventflow/healthz`, { method: "POST" })).status).toBe(405);
    expect(calls).toBe(1);
  });

  it("readiness follows the function's readiness hook", async () => {
    let healthy = false;
    const rt = await start(defineFunction({ handle: () => "ok", readiness: () => healthy }));
    expect((await fetch(`${rt.url}/_eventflow/readyz`)).status).toBe(503);
    healthy = true;
    expect((await fetch(`${rt.url}/_eventflow/readyz`)).status).toBe(200);
  });
});
