import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type EventFlowClient, type LogEntry } from "../../src/client/index.js";
import { mintToken, rejection, startClientTestEnv, type ClientTestEnv } from "./controller.js";

const noWait = { backoff: () => 1 };

describe("@eventflow/sdk/client against a real controller (local driver)", () => {
  let env: ClientTestEnv;
  let client: EventFlowClient;
  let devTokens = 0;

  beforeAll(async () => {
    env = await startClientTestEnv("sdk-client");
    const anonymous = createClient({ url: env.url });
    client = createClient({
      url: env.url,
      tokenProvider: async () => {
        devTokens += 1;
        return (await anonymous.tokens.dev()).token;
      },
    });
    await client.functions.create({
      name: "hello",
      image: env.image,
      env: { FIXTURE_VERSION: "v1" },
    });
    await client.functions.waitUntilReady("hello", { timeout: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it("functions: get, list, update with a rolling update, scale, waitUntilReady with progress", async () => {
    const got = await client.functions.get("hello");
    expect(got).toMatchObject({ name: "hello", status: "Running", ready_replicas: 1 });
    expect((await client.functions.list()).map((f) => f.name)).toContain("hello");

    const updated = await client.functions.update("hello", {
      image: env.image,
      env: { FIXTURE_VERSION: "v2" },
    });
    expect(updated.spec.env).toEqual({ FIXTURE_VERSION: "v2" });
    const seen: string[] = [];
    await client.functions.waitUntilReady("hello", {
      timeout: 20_000,
      onProgress: (s) => seen.push(s.status),
    });
    expect(seen.at(-1)).toBe("Running");
    const answer = await client.invoke("hello");
    expect(answer.json<{ version: string }>().version).toBe("v2");

    const scaled = await client.functions.scale("hello", 2);
    expect(scaled.replicas).toBe(2);
    const ready = await client.functions.waitUntilReady("hello", { timeout: 20_000 });
    expect(ready.ready_replicas).toBe(2);
    await client.functions.scale("hello", 1);
  });

  it("a name the URL parser would resolve ('', '.', '..') is refused before any request", async () => {
    const logs = async (name: string) => {
      for await (const _ of client.logs(name)) break;
    };
    for (const name of ["", ".", ".."]) {
      for (const call of [
        client.functions.get(name),
        client.functions.update(name, { image: env.image }),
        client.functions.delete(name),
        client.functions.scale(name, 0),
        client.metrics(name),
        client.invoke(name),
        client.invoke(name, { method: "GET" }),
        client.invoke(name, { method: "GET", tenant: "default" }),
        logs(name),
        client.invoke("hello", { method: "GET", tenant: name }),
      ])
        expect(await rejection(call)).toMatchObject({ code: "REQUEST_VALIDATION_FAILED" });
    }
    // Nothing was deleted or scaled on the way.
    expect(await client.functions.get("hello")).toMatchObject({ name: "hello", replicas: 1 });
  });

  it("functions: platform errors carry the stable code, status, request id and details", async () => {
    const missing = await rejection(client.functions.get("nope"));
    expect(missing).toMatchObject({ code: "FUNCTION_NOT_FOUND", status: 404 });
    expect(missing.requestId).toMatch(/.+/);

    const duplicate = await rejection(client.functions.create({ name: "hello", image: env.image }));
    expect(duplicate).toMatchObject({ code: "FUNCTION_ALREADY_EXISTS", status: 409 });

    const invalid = await rejection(
      client.functions.create({ name: "Bad_Name", image: env.image, replicas: -1 }),
    );
    expect(invalid.code).toBe("REQUEST_VALIDATION_FAILED");
    const paths = (invalid.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(["name", "replicas"]);
  });

  it("create, wait, delete; waitUntilReady names a crash loop with its last error", async () => {
    await client.functions.create({
      name: "crashy",
      image: env.image,
      env: { FIXTURE_CRASH_AFTER_MS: "0" },
    });
    const failed = await rejection(
      client.functions.waitUntilReady("crashy", { timeout: 20_000, interval: 50 }),
    );
    expect(failed.code).toBe("CLIENT_WAIT_FAILED");
    expect((failed.details as { lastError?: { code: string } }).lastError?.code).toBe(
      "FUNCTION_CRASH_LOOP",
    );
    // Its events say why: the replica's exit code, newest first, as many as asked for.
    const events = await client.functions.events("crashy");
    expect(events[0]).toMatchObject({ type: "crashed", reason: "CrashLoopBackOff", exit_code: 3 });
    expect(events.at(-1)).toMatchObject({ type: "deployed", revision: 1 });
    expect(await client.functions.events("crashy", { limit: 2 })).toHaveLength(2);
    await client.functions.delete("crashy");
    expect((await rejection(client.functions.get("crashy"))).code).toBe("FUNCTION_NOT_FOUND");
  });

  it("invoke: JSON, text, bytes and a request stream; status, headers, body and duration", async () => {
    const json = await client.invoke("hello", { json: { a: 1 }, query: { op: "echo" } });
    expect(json.status).toBe(200);
    expect(json.json()).toEqual({ a: 1 });
    expect(json.headers.get("content-type")).toMatch(/application\/json/);
    expect(json.durationMs).toBeGreaterThan(0);
    expect(json.requestId).toMatch(/.+/);

    const text = await client.invoke("hello", { text: "héllo", query: { op: "echo" } });
    expect(text.text()).toBe("héllo");

    const bytes = new Uint8Array([0, 1, 2, 255]);
    const echoed = await client.invoke("hello", { bytes, query: { op: "echo" } });
    expect([...echoed.body]).toEqual([0, 1, 2, 255]);

    const chunks = ["one,", "two,", "three"];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });
    const streamed = await client.invoke("hello", { stream, query: { op: "echo" } });
    expect(streamed.text()).toBe("one,two,three");
  });

  it("invokeStream: the answer's body arrives as a stream", async () => {
    const answer = await client.invokeStream("hello", {
      query: { op: "stream", kb: "64", gap: "1" },
    });
    expect(answer.status).toBe(200);
    let total = 0;
    for await (const chunk of answer.body) total += chunk.byteLength;
    expect(total).toBe(64 * 1024);
  });

  it("invoke: the function's own 4xx/5xx are results; platform failures are EventFlowError", async () => {
    const teapot = await client.invoke("hello", { query: { op: "status", code: "418" } });
    expect(teapot).toMatchObject({ status: 418, ok: false });
    expect(teapot.text()).toBe("function's own error body");
    expect(teapot.headers.get("x-custom")).toBe("kept");
    const own500 = await client.invoke("hello", { query: { op: "status", code: "503" } });
    expect(own500.status).toBe(503);
    // An envelope with a platform code is the function's own answer: only the controller's
    // x-eventflow-error marker (stripped from function answers) makes a platform failure.
    const lookalike = await client.invoke("hello", { query: { op: "envelope", code: "503" } });
    expect(lookalike).toMatchObject({ status: 503, ok: false });
    expect(lookalike.headers.get("x-eventflow-error")).toBeNull();
    expect(lookalike.json()).toMatchObject({
      error: { code: "FUNCTION_NOT_READY", message: "mine" },
    });

    const missing = await rejection(client.invoke("nope"));
    expect(missing).toMatchObject({ code: "FUNCTION_NOT_FOUND", status: 404 });
    expect(missing.requestId).toMatch(/.+/);
  });

  it("everything is cancellable with an AbortSignal", async () => {
    const controller = new AbortController();
    const slow = client.invoke("hello", {
      query: { op: "slow", ms: "5000" },
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(slow).rejects.toMatchObject({ name: "AbortError" });

    const streaming = new AbortController();
    const answer = await client.invokeStream("hello", {
      query: { op: "stream", kb: "512", gap: "20" },
      signal: streaming.signal,
    });
    const reader = answer.body.getReader();
    await reader.read();
    streaming.abort();
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return "ended";
      })(),
    ).rejects.toMatchObject({ name: "AbortError" });

    const already = AbortSignal.abort();
    await expect(client.functions.list({ signal: already })).rejects.toMatchObject({
      name: "AbortError",
    });
    const logs = new AbortController();
    const iterator = client.logs("hello", { follow: true, tail: 0, signal: logs.signal });
    setTimeout(() => logs.abort(), 200);
    // A log iterator ends quietly, as a `break` would.
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it("logs: history with tail, then follow; ids increase", async () => {
    await client.invoke("hello", { query: { op: "log", n: "3", tag: "hist" } });
    const lines: LogEntry[] = [];
    for await (const entry of client.logs("hello", { tail: 1000 })) lines.push(entry);
    const texts = lines.map((l) => l.line);
    for (const i of [0, 1, 2]) expect(texts.some((t) => t.includes(`line hist-${i}`))).toBe(true);
    expect(lines.some((l) => l.stream === "stderr" && l.line.includes("stderr hist"))).toBe(true);
    const ids = lines.map((l) => Number(l.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("logs -f resumes after the controller cuts the connection: no duplicates, no gaps", async () => {
    const seen: LogEntry[] = [];
    const iterator = client.logs("hello", { follow: true, tail: 0 });
    const want = (tag: string) => [0, 1, 2, 3].map((i) => `line ${tag}-${i}`);
    const count = (tag: string) =>
      seen.filter((e) => want(tag).some((w) => e.line.includes(`"${w}"`))).length;
    const consume = (async () => {
      for await (const entry of iterator) {
        seen.push(entry);
        if (count("after") === 4) break;
      }
    })();
    // The stream is open once a line written now arrives.
    await client.invoke("hello", { query: { op: "log", n: "4", tag: "before" } });
    while (count("before") < 4) await new Promise((r) => setTimeout(r, 20));
    env.app.dropConnections();
    // Let the client's pool see the server close its idle keep-alive sockets too: a request sent
    // in the same tick goes out on one of them and fails with "other side closed" (CI saw it).
    await new Promise((r) => setTimeout(r, 100));
    // Written while the client is disconnected (it waits `retry: 2000` before reconnecting).
    await client.invoke("hello", { query: { op: "log", n: "4", tag: "during" } });
    await new Promise((r) => setTimeout(r, 2_500));
    await client.invoke("hello", { query: { op: "log", n: "4", tag: "after" } });
    await consume;
    expect(count("before")).toBe(4);
    expect(count("during")).toBe(4);
    expect(count("after")).toBe(4);
    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const numbers = ids.map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  }, 20_000);

  it("metrics: a series whose invocations count the calls made", async () => {
    const series = await client.metrics("hello", { range: "5m" });
    expect(series).toMatchObject({ name: "hello", range: "5m", step_seconds: 10 });
    expect(series.points.length).toBeGreaterThan(0);
    expect(series.points.reduce((n, p) => n + p.invocations, 0)).toBeGreaterThan(5);
  });

  it("tokens: a scoped invoke token invokes its function and nothing else", async () => {
    const issued = await client.tokens.create("hello", { ttlSeconds: 120 });
    expect(issued).toMatchObject({ function: "hello", scope: "invoke" });
    const scoped = createClient({ url: env.url, token: issued.token });
    expect((await scoped.invoke("hello")).status).toBe(200);
    expect(await rejection(scoped.functions.list())).toMatchObject({
      code: "AUTH_FORBIDDEN",
      status: 403,
    });
    expect(await client.tokens.authConfig()).toEqual({ devAuth: true, oidc: null });
  });

  it("auth: an expired token is AUTH_TOKEN_EXPIRED; a provider is asked again after a 401", async () => {
    const expired = await mintToken({ exp: Math.floor(Date.now() / 1000) - 3600 });
    const stale = createClient({ url: env.url, token: expired });
    expect(await rejection(stale.functions.list())).toMatchObject({
      code: "AUTH_TOKEN_EXPIRED",
      status: 401,
    });
    const asked: boolean[] = [];
    const refreshing = createClient({
      url: env.url,
      tokenProvider: async ({ refresh }) => {
        asked.push(refresh);
        return refresh ? (await client.tokens.dev()).token : expired;
      },
    });
    expect((await refreshing.functions.list()).length).toBeGreaterThan(0);
    expect(asked).toEqual([false, true]);
    expect(devTokens).toBeGreaterThan(0);
  });
});

describe("transport failures", () => {
  let server: Server;
  let url: string;
  let answers: number[] = [];
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      const status = answers.shift() ?? 200;
      if (status === 503) {
        res.writeHead(503, { "content-type": "application/json", "retry-after": "0" });
        res.end(
          JSON.stringify({
            error: { code: "DRIVER_UNAVAILABLE", message: "starting", requestId: "r1" },
          }),
        );
      } else if (status === 502) {
        res.writeHead(502, { "content-type": "text/html" }).end("<html>bad gateway</html>");
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end("[]");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it("idempotent calls retry on 503 with the injected backoff; creates do not", async () => {
    const waits: Array<[number, number | undefined]> = [];
    const client = createClient({
      url,
      token: "t",
      retry: { attempts: 4, backoff: (n, after) => (waits.push([n, after]), 1) },
    });
    answers = [503, 503];
    hits = 0;
    expect(await client.functions.list()).toEqual([]);
    expect(hits).toBe(3);
    expect(waits).toEqual([
      [2, 0],
      [3, 0],
    ]);

    answers = [503, 503, 503, 503];
    hits = 0;
    const exhausted = await rejection(client.functions.get("x"));
    expect(exhausted).toMatchObject({ code: "DRIVER_UNAVAILABLE", status: 503, requestId: "r1" });
    expect(hits).toBe(4);

    answers = [503];
    hits = 0;
    const created = await rejection(client.functions.create({ name: "x", image: "y" }));
    expect(created.code).toBe("DRIVER_UNAVAILABLE");
    expect(hits).toBe(1);
    answers = [];
  });

  it("a proxy's HTML error is CLIENT_BAD_RESPONSE; a closed port is CLIENT_UNREACHABLE after retries", async () => {
    answers = [502];
    const client = createClient({ url, token: "t", retry: noWait });
    expect((await rejection(client.functions.list())).code).toBe("CLIENT_BAD_RESPONSE");

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls += 1;
      return fetch(input, init);
    };
    const down = createClient({
      url: `http://127.0.0.1:${port}`,
      fetch: counting,
      retry: { attempts: 3, backoff: () => 1 },
    });
    const error = await rejection(down.functions.list());
    expect(error).toMatchObject({ code: "CLIENT_UNREACHABLE", retryable: true });
    expect(calls).toBe(3);
  });

  it("a call that exceeds the timeout is CLIENT_TIMEOUT; a bad URL is CONFIG_INVALID", async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const client = createClient({
      url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}`,
      timeout: 100,
      retry: false,
    });
    expect((await rejection(client.functions.list())).code).toBe("CLIENT_TIMEOUT");
    hang.closeAllConnections();
    await new Promise((r) => hang.close(r));
    expect(() => createClient({ url: "not a url" })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
  });
});
