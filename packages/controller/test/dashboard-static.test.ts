import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { parseConfig } from "../src/config.js";
import { DASHBOARD_PAGES, resolveInside } from "../src/http/dashboard.js";
import { createLogger } from "../src/logger.js";
import { createMetrics } from "../src/metrics.js";
import { CONTROLLER_VERSION } from "../src/version.js";
import { createMemoryDriver } from "./support/memory-driver.js";
import { TEST_SECRET } from "./support/harness.js";

// The dashboard's static serving through the whole app (API routes first, SPA fallback only for
// the dashboard's pages). The driver is the in-memory TEST DOUBLE: no function runs here.
describe("dashboard served at /", () => {
  let dir: string;
  let server: Server;
  let url: string;
  const INDEX = "<!doctype html><title>EventFlow</title><div id=root></div>";
  const ASSET = "console.log('app');";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eventflow-dashboard-"));
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "index.html"), INDEX);
    await writeFile(join(dir, "assets", "index-AbC123.js"), ASSET);
    await writeFile(join(dir, "robots.txt"), "User-agent: *\n");
    await writeFile(join(tmpdir(), "eventflow-secret.txt"), "outside");
    const config = parseConfig({
      JWT_SECRET: TEST_SECRET,
      METRICS_PORT: "0",
      LOG_LEVEL: "silent",
      EVENTFLOW_OIDC_ISSUER: "https://id.example.com/realms/x",
      EVENTFLOW_OIDC_AUDIENCE: "eventflow",
    });
    const driver = createMemoryDriver();
    const app = createApp({
      config,
      driver,
      logger: createLogger("silent", new Writable({ write: (_c, _e, done) => done() })),
      metrics: createMetrics({ countFunctions: async () => (await driver.list()).length }),
      invoke: async () => {
        throw new Error("no invoke router in this test");
      },
      dashboardDir: dir,
    });
    server = createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it("serves index.html at / with no-cache and a strict content security policy", async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' https://id.example.com");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe(INDEX);
  });

  it.each([
    "/functions/new",
    "/functions/hello",
    "/functions/hello/edit",
    "/secrets",
    "/secrets/new",
    "/secrets/stripe/edit",
    "/auth/callback?code=x&state=y",
  ])("answers the app's page %s with index.html (SPA fallback)", async (path) => {
    const res = await fetch(url + path);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(await res.text()).toBe(INDEX);
  });

  it("serves hashed assets as immutable and other files revalidated", async () => {
    const asset = await fetch(`${url}/assets/index-AbC123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-length")).toBe(String(ASSET.length));
    expect(await asset.text()).toBe(ASSET);
    const robots = await fetch(`${url}/robots.txt`);
    expect(robots.headers.get("cache-control")).toBe("no-cache");
  });

  it("answers a revalidation with 304 and HEAD with headers only", async () => {
    const first = await fetch(`${url}/assets/index-AbC123.js`);
    await first.arrayBuffer();
    // node:http, not fetch: fetch turns a conditional request into `cache-control: no-cache`.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(
        `${url}/assets/index-AbC123.js`,
        { headers: { "if-none-match": first.headers.get("etag")! } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      ).on("error", reject);
    });
    expect(status).toBe(304);
    const head = await fetch(`${url}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(INDEX.length));
    expect(await head.text()).toBe("");
  });

  it("leaves the API alone: API routes answer JSON, misses stay the JSON 404", async () => {
    const list = await fetch(`${url}/v1/functions`);
    expect(list.status).toBe(401);
    expect(((await list.json()) as { error: { code: string } }).error.code).toBe(
      "AUTH_TOKEN_MISSING",
    );
    for (const path of [
      "/v1/nothing",
      "/v1/index.html",
      "/v2/nothing",
      "/assets/missing.js",
      "/openapi.jsonx",
      "/functions/a/b/c",
    ]) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toMatch(/application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe(
        "ROUTE_NOT_FOUND",
      );
    }
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: "ok", version: CONTROLLER_VERSION });
  });

  it("never answers other methods with the app", async () => {
    const res = await fetch(`${url}/`, { method: "POST", body: "x" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("ROUTE_NOT_FOUND");
  });

  it("never serves a file outside its directory", async () => {
    for (const path of [
      "/..%2feventflow-secret.txt",
      "/%2e%2e/eventflow-secret.txt",
      "/assets/..%2f..%2feventflow-secret.txt",
      "/%00index.html",
    ]) {
      const res = await fetch(url + path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain("outside");
    }
    expect(resolveInside("/srv/app", "/../etc/passwd")).toBeUndefined();
    expect(resolveInside("/srv/app", "/%2e%2e%2fetc")).toBeUndefined();
    expect(resolveInside("/srv/app", "/%E0%A4%A")).toBeUndefined();
    expect(resolveInside("/srv/app", "/assets/a.js")).toBe("/srv/app/assets/a.js");
  });

  it("knows exactly the dashboard's pages", () => {
    for (const page of [
      "/",
      "/functions/new",
      "/functions/x",
      "/functions/x/edit",
      "/secrets",
      "/secrets/new",
      "/secrets/x/edit",
      "/auth/callback",
    ]) {
      expect(DASHBOARD_PAGES.test(page), page).toBe(true);
    }
    for (const other of [
      "/v1",
      "/auth/token",
      "/auth/config",
      "/functions/x/logs",
      "/secrets/x",
      "/secrets/x/values",
      "/x",
    ]) {
      expect(DASHBOARD_PAGES.test(other), other).toBe(false);
    }
  });
});
