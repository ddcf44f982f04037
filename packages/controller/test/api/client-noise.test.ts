import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";
import { createMemoryDriver, type MemoryDriver } from "../support/memory-driver.js";

// Clients that leave (log followers closing, uploads given up mid-body) and a controller that is
// not ready yet are everyday events: none of them may write an error-level line, which is for
// what needs the operator. Real sockets against a listening app (driver: in-memory TEST DOUBLE).

const ERROR_LEVEL = 50;

/** Opens a raw HTTP/1.1 request, waits until `until` is seen (or a delay), then resets. */
function rawThenReset(url: string, head: string, body: string, waitMs: number): Promise<void> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), "127.0.0.1", () => {
      s.write(head + body);
      setTimeout(() => {
        s.resetAndDestroy();
        resolve();
      }, waitMs);
    });
    s.on("error", () => resolve());
  });
}

describe("client-triggered noise in the controller's log", () => {
  let app: TestApp;
  let driver: MemoryDriver;
  let ready = false;
  let token: string;

  beforeAll(async () => {
    driver = createMemoryDriver();
    app = await startTestApp({ driver, isReady: () => ready });
    token = await mintToken({ tenant: "acme", role: "developer" });
    ready = true;
    await call(app.url, "POST", "/v1/functions", {
      token,
      body: { name: "chatty", image: "hello:1" },
    });
    ready = false;
    driver.appendLog("acme", "chatty", {
      replica: "chatty-0",
      stream: "stdout",
      timestamp: new Date().toISOString(),
      line: "hello",
    });
  });
  afterAll(() => app.close());

  // Each test looks only at what was logged while it ran.
  let from = 0;
  beforeEach(() => {
    from = app.logs.length;
  });
  const errors = () =>
    app.logs
      .slice(from)
      .filter((l) => typeof l.level === "number" && (l.level as number) >= ERROR_LEVEL);

  it("logs no error when 60 log followers go away", async () => {
    ready = true;
    const head = `GET /v1/functions/chatty/logs?follow=true&tail=1 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\n\r\n`;
    await Promise.all(Array.from({ length: 60 }, () => rawThenReset(app.url, head, "", 150)));
    // Follow loops notice the gone socket on their next heartbeat or write.
    driver.appendLog("acme", "chatty", {
      replica: "chatty-0",
      stream: "stdout",
      timestamp: new Date().toISOString(),
      line: "after",
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(errors()).toEqual([]);
  });

  it("logs no error when clients give up in the middle of a body", async () => {
    const head = (path: string) =>
      `POST ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n`;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rawThenReset(app.url, head(i % 2 ? "/v1/functions" : "/v1/tokens"), '{"name": "x', 100),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(errors()).toEqual([]);
  });

  it("logs no error with a stack for /readyz while the controller is starting", async () => {
    ready = false;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${app.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get("x-eventflow-error")).toBe("DRIVER_UNAVAILABLE");
    }
    expect(errors()).toEqual([]);
    expect(app.logs.some((l) => l.code === "DRIVER_UNAVAILABLE")).toBe(true);
  });
});
