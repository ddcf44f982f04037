import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryDriver, type MemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";
import { startNginx, type TestNginx } from "../support/nginx.js";

// Log events through a real reverse proxy (Debian's nginx, default proxy settings): each line
// must arrive as it is written, not when the stream ends. (Debian's nginx 1.22 passes small SSE
// writes through even without our `X-Accel-Buffering: no`, so this checks end-to-end streaming
// through a proxy, not that header; its presence is asserted in logs-sse.test.ts.) The driver
// is the in-memory TEST DOUBLE.
describe("log streams through nginx", () => {
  let app: TestApp;
  let nginx: TestNginx;
  let driver: MemoryDriver;
  let token: string;

  beforeAll(async () => {
    driver = createMemoryDriver();
    app = await startTestApp({ driver, env: { EVENTFLOW_SSE_HEARTBEAT_SECONDS: "30" } });
    nginx = await startNginx(app.url);
    token = await mintToken({ tenant: "acme", role: "viewer" });
    const dev = await mintToken({ tenant: "acme", role: "developer" });
    await call(app.url, "POST", "/v1/functions", {
      token: dev,
      body: { name: "proxied", image: "hello:1" },
    });
  });
  afterAll(async () => {
    await nginx?.close();
    await app?.close();
  });

  it("delivers each line within a second of its writing", async () => {
    const source = new EventSource(`${nginx.url}/v1/functions/proxied/logs?follow=true&tail=0`, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string>),
            authorization: `Bearer ${token}`,
          },
        }),
    });
    try {
      await new Promise<void>((resolve, reject) => {
        source.addEventListener("open", () => resolve());
        source.addEventListener("error", () => reject(new Error("eventsource error")));
      });
      for (const text of ["one", "two"]) {
        const received = new Promise<string>((resolve) =>
          source.addEventListener(
            "log",
            (e) => resolve((JSON.parse(e.data as string) as { line: string }).line),
            {
              once: true,
            },
          ),
        );
        const written = Date.now();
        driver.appendLog("acme", "proxied", {
          replica: "proxied-0",
          stream: "stdout",
          timestamp: new Date().toISOString(),
          line: text,
        });
        const timeout = new Promise<string>((_, reject) =>
          setTimeout(() => reject(new Error("line held by the proxy")), 1000),
        );
        expect(await Promise.race([received, timeout])).toBe(text);
        expect(Date.now() - written).toBeLessThan(1000);
      }
    } finally {
      source.close();
    }
  });
});
