import { once } from "node:events";
import { connect } from "node:net";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver, type MemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";

// The SSE framing, resume and heartbeats, read by the `eventsource` package. The driver is the
// in-memory TEST DOUBLE so the test controls exactly which lines exist; the real local driver's
// logs are read through the same route in test/api/local-driver.test.ts.
describe("GET /v1/functions/{name}/logs (server-sent events)", () => {
  let app: TestApp;
  let driver: MemoryDriver;
  let token: string;

  function open(path: string): EventSource {
    return new EventSource(`${app.url}${path}`, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string>),
            authorization: `Bearer ${token}`,
          },
        }),
    });
  }

  function collect(source: EventSource, count: number, type = "log"): Promise<MessageEvent[]> {
    return new Promise((resolve, reject) => {
      const events: MessageEvent[] = [];
      source.addEventListener(type, (event) => {
        events.push(event);
        if (events.length === count) resolve(events);
      });
      source.addEventListener("error", (event) =>
        reject(new Error(`eventsource error: ${JSON.stringify(event)}`)),
      );
    });
  }

  const line = (text: string, stream: "stdout" | "stderr" = "stdout") => ({
    replica: "logger-0",
    stream,
    timestamp: new Date().toISOString(),
    line: text,
  });

  beforeAll(async () => {
    driver = createMemoryDriver();
    app = await startTestApp({ driver, env: { EVENTFLOW_SSE_HEARTBEAT_SECONDS: "1" } });
    token = await mintToken({ tenant: "acme", role: "viewer" });
    const dev = await mintToken({ tenant: "acme", role: "developer" });
    await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: { name: "logger", image: "hello:1" },
    });
    driver.appendLog("acme", "logger", line("first"));
    driver.appendLog("acme", "logger", line("second\nwith a newline", "stderr"));
    driver.appendLog("acme", "logger", line("third"));
  });
  afterAll(() => app.close());

  it("sends one log event per line with replica, stream, timestamp and an id, then end", async () => {
    const source = open("/v1/functions/logger/logs");
    const ended = collect(source, 1, "end");
    const events = await collect(source, 3);
    await ended;
    source.close();
    const data = events.map((e) => JSON.parse(e.data as string) as Record<string, string>);
    expect(data.map((d) => d["line"])).toEqual(["first", "second\nwith a newline", "third"]);
    expect(data[1]).toMatchObject({ replica: "logger-0", stream: "stderr" });
    expect(Number.isNaN(Date.parse(data[0]!["timestamp"]!))).toBe(false);
    expect(events.map((e) => e.lastEventId)).toEqual(["1", "2", "3"]);
  });

  it("follows new lines as they are written", async () => {
    const source = open("/v1/functions/logger/logs?follow=true&tail=0");
    const events = collect(source, 2);
    await new Promise((r) => setTimeout(r, 100));
    driver.appendLog("acme", "logger", line("live-1"));
    driver.appendLog("acme", "logger", line("live-2"));
    const got = await events;
    source.close();
    expect(got.map((e) => (JSON.parse(e.data as string) as { line: string }).line)).toEqual([
      "live-1",
      "live-2",
    ]);
  });

  it("resumes after Last-Event-ID and honours tail", async () => {
    const resumed = await fetch(`${app.url}/v1/functions/logger/logs`, {
      headers: { authorization: `Bearer ${token}`, "last-event-id": "3" },
    });
    const text = await resumed.text();
    expect(text).not.toContain('"first"');
    expect(text).toContain('"live-1"');
    const tail = await fetch(`${app.url}/v1/functions/logger/logs?tail=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const tailText = await tail.text();
    expect(tailText.match(/^event: log$/gm)).toHaveLength(1);
    expect(tailText).toContain('"live-2"');
  });

  it("sets streaming headers and sends heartbeats while idle", async () => {
    const abort = new AbortController();
    const res = await fetch(`${app.url}/v1/functions/logger/logs?follow=true&tail=0`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    expect(res.headers.get("cache-control")).toMatch(/no-cache/);
    const reader = res.body!.getReader();
    let text = "";
    const deadline = Date.now() + 5000;
    while (!text.includes(": heartbeat") && Date.now() < deadline) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    abort.abort();
    expect(text).toContain(": heartbeat");
  });

  it("eventsource reconnects after a dropped connection with Last-Event-ID and misses nothing", async () => {
    const source = open("/v1/functions/logger/logs?follow=true&tail=1");
    const lines: string[] = [];
    const ids: string[] = [];
    let opened = 0;
    source.addEventListener("open", () => (opened += 1));
    const done = new Promise<void>((resolve) => {
      source.addEventListener("log", (event) => {
        lines.push((JSON.parse(event.data as string) as { line: string }).line);
        ids.push(event.lastEventId);
        if (lines.includes("after-drop")) resolve();
      });
    });
    while (lines.length < 1) await new Promise((r) => setTimeout(r, 20));
    app.dropConnections();
    driver.appendLog("acme", "logger", line("during-drop"));
    await new Promise((r) => setTimeout(r, 200));
    driver.appendLog("acme", "logger", line("after-drop"));
    while (opened < 2) await new Promise((r) => setTimeout(r, 50));
    await done;
    source.close();
    expect(lines).toEqual(["live-2", "during-drop", "after-drop"]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("stops following when the client goes away", async () => {
    const abort = new AbortController();
    const res = await fetch(`${app.url}/v1/functions/logger/logs?follow=true&tail=0`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    expect(driver.followerCount("acme", "logger")).toBeGreaterThan(0);
    abort.abort();
    const deadline = Date.now() + 3000;
    while (driver.followerCount("acme", "logger") > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(driver.followerCount("acme", "logger")).toBe(0);
  });

  it("a client that does not read pauses the reading of lines (backpressure)", async () => {
    const dev = await mintToken({ tenant: "acme", role: "developer" });
    await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: { name: "chatty", image: "hello:1" },
    });
    const big = "x".repeat(1000);
    const total = 50_000; // 50 MB of events
    for (let i = 0; i < total; i++) {
      driver.appendLog("acme", "chatty", {
        replica: "chatty-0",
        stream: "stdout",
        timestamp: "2026-01-01T00:00:00.000Z",
        line: big,
      });
    }
    const { port } = new URL(app.url);
    const socket = connect(Number(port), "127.0.0.1");
    await once(socket, "connect");
    socket.pause();
    const before = driver.yielded.count;
    socket.write(
      `GET /v1/functions/chatty/logs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\n\r\n`,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const pulled = driver.yielded.count - before;
    socket.destroy();
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(total / 2);
  });

  it("HEAD answers the stream's headers without streaming", async () => {
    const res = await fetch(`${app.url}/v1/functions/logger/logs?follow=true`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  });

  it("answers a JSON 404 before streaming when the function does not exist", async () => {
    const res = await call(app.url, "GET", "/v1/functions/ghost/logs?follow=true", { token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("FUNCTION_NOT_FOUND");
  });
});
