import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../../src/drivers/driver.js";
import { startDriver, tempDir } from "../local-driver/helpers/driver-harness.js";
import { writeTestImage } from "../local-driver/helpers/oci-image.js";
import { call, realInvoke, startTestApp, type TestApp } from "../support/harness.js";
import { promtoolCheck } from "../support/promtool.js";

// The API's happy paths end to end in-process: the real local driver runs real replica
// processes from an OCI layout, and the real invoke router proxies to them.
describe("API over the real local driver and invoke router", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let driver: Driver;
  let app: TestApp;
  let image: string;
  let token: string;
  const closers: Array<() => Promise<void>> = [];

  async function waitFor(name: string, check: (f: Record<string, unknown>) => boolean, t = token) {
    const deadline = Date.now() + 15_000;
    let last: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      last = (await call(app.url, "GET", `/v1/functions/${name}`, { token: t })).body;
      if (last !== undefined && check(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`function ${name} never matched: ${JSON.stringify(last)}`);
  }

  beforeAll(async () => {
    data = await tempDir("api");
    image = await writeTestImage({ dir: `${data.path}/layout`, tag: "v1" });
    driver = await startDriver(`${data.path}/data`);
    const router = realInvoke(driver);
    closers.push(router.close);
    app = await startTestApp({
      driver,
      env: { EVENTFLOW_DEV_AUTH: "true", EVENTFLOW_DATA_DIR: `${data.path}/data` },
      invoke: router.invoke,
    });
    token = (await call(app.url, "POST", "/auth/token")).body.token as string;
  });
  afterAll(async () => {
    await app?.close();
    for (const close of closers) await close();
    await driver?.close();
    await data?.cleanup();
  });

  it("deploys from the seed's request and reaches Running", async () => {
    const created = await call(app.url, "POST", "/v1/functions", {
      token,
      body: { name: "hello", image, replicas: 1, env: { KEY: "value" } },
    });
    expect(created.status).toBe(201);
    const running = await waitFor("hello", (f) => f["ready_replicas"] === 1);
    expect(running).toMatchObject({ status: "Running", available_replicas: 1, image });
    const list = await call(app.url, "GET", "/v1/functions", { token });
    expect(list.body.map((f: { name: string }) => f.name)).toEqual(["hello"]);
  });

  it("invokes with the seed's body; query, body and the function's own status pass through", async () => {
    const seed = await call(app.url, "POST", "/v1/functions/hello:invoke", {
      token,
      body: { payload: {} },
    });
    expect(seed.status).toBe(200);
    expect(seed.body).toMatchObject({ hello: "world" });

    const echo = await call(app.url, "POST", "/v1/functions/hello:invoke?op=echo", {
      token,
      body: "plain text body",
      headers: { "content-type": "text/plain" },
    });
    expect(echo.status).toBe(200);
    expect(echo.body).toBe("plain text body");
    expect(echo.headers.get("content-type")).toMatch(/^text\/plain/);

    // No body parser on the invoke route: malformed JSON is the function's business.
    const raw = await call(app.url, "POST", "/v1/functions/hello:invoke?op=echo", {
      token,
      body: '{"not": json',
      headers: { "content-type": "application/json" },
    });
    expect(raw.status).toBe(200);
    expect(raw.body).toBe('{"not": json');

    const own = await call(app.url, "POST", "/v1/functions/hello:invoke?op=status&code=418", {
      token,
    });
    expect(own.status).toBe(418);
    const own404 = await call(app.url, "POST", "/v1/functions/hello:invoke?op=status&code=404", {
      token,
    });
    expect(own404.status).toBe(404);
    expect(own404.body).toBe("function's own error body");
    expect(app.logs.some((l) => l["code"] === "ROUTE_NOT_FOUND")).toBe(false);
    expect(own.headers.get("x-custom")).toBe("kept");
    expect(own.body).toBe("function's own error body");
  });

  it("scales, and a scoped invoke token invokes while other tenants get 404", async () => {
    const scaled = await call(app.url, "POST", "/v1/functions/hello:scale", {
      token,
      body: { replicas: 2 },
    });
    expect(scaled.status).toBe(200);
    await waitFor("hello", (f) => f["ready_replicas"] === 2);
    const scoped = await call(app.url, "POST", "/v1/tokens", {
      token,
      body: { function: "hello" },
    });
    const viaScoped = await call(app.url, "POST", "/v1/functions/hello:invoke", {
      token: scoped.body.token,
      body: {},
    });
    expect(viaScoped.status).toBe(200);
    const stranger = (await call(app.url, "POST", "/auth/token", { body: { tenant: "stranger" } }))
      .body.token as string;
    const crossing = await call(app.url, "POST", "/v1/functions/hello:invoke", {
      token: stranger,
      body: {},
    });
    expect(crossing.status).toBe(404);
    expect(crossing.body.error.code).toBe("FUNCTION_NOT_FOUND");
  });

  it("streams the replicas' logs over SSE", async () => {
    await call(app.url, "POST", "/v1/functions/hello:invoke?op=log&tag=sse&n=2", { token });
    const source = new EventSource(`${app.url}/v1/functions/hello/logs?follow=true&since=5m`, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string>),
            authorization: `Bearer ${token}`,
          },
        }),
    });
    const seen = await new Promise<Array<Record<string, string>>>((resolve, reject) => {
      const lines: Array<Record<string, string>> = [];
      const timer = setTimeout(
        () => reject(new Error(`no sse lines: ${JSON.stringify(lines)}`)),
        10_000,
      );
      source.addEventListener("log", (event) => {
        lines.push(JSON.parse(event.data as string) as Record<string, string>);
        if (lines.some((l) => l["stream"] === "stderr" && l["line"]?.includes("stderr sse"))) {
          clearTimeout(timer);
          resolve(lines);
        }
      });
    });
    source.close();
    const fromCall = seen.filter((l) => l["line"]?.includes("line sse-"));
    expect(fromCall.length).toBe(2);
    expect(fromCall[0]!["replica"]).toMatch(/^hello-/);
    expect(Number.isNaN(Date.parse(fromCall[0]!["timestamp"]!))).toBe(false);
  });

  it("counts the invocations in /metrics (promtool-clean) and in the function's series", async () => {
    const admin = (await call(app.url, "POST", "/auth/token", { body: { role: "admin" } })).body
      .token as string;
    const text = await (
      await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })
    ).text();
    expect(text).toContain(
      'eventflow_function_invocations_total{tenant="default",function="hello",revision="",code="418"} 1',
    );
    expect(text).toMatch(/^eventflow_active_functions 1$/m);
    const check = await promtoolCheck(text);
    expect(check.output).toBe("");
    expect(check.code).toBe(0);
    const series = await call(app.url, "GET", "/v1/functions/hello/metrics?range=5m", { token });
    const total = (series.body.points as Array<{ invocations: number }>).reduce(
      (n, p) => n + p.invocations,
      0,
    );
    expect(total).toBeGreaterThanOrEqual(5);
  });

  it("shows the last error a user needs: crash loop and missing image", async () => {
    const crashing = await call(app.url, "POST", "/v1/functions", {
      token,
      body: { name: "crasher", image, replicas: 1, env: { FIXTURE_CRASH_AFTER_MS: "1" } },
    });
    expect(crashing.status).toBe(201);
    const failed = await waitFor(
      "crasher",
      (f) => (f["last_error"] as { code?: string } | undefined)?.code === "FUNCTION_CRASH_LOOP",
    );
    expect(["Failed", "Degraded"]).toContain(failed["status"]);
    const invoke = await call(app.url, "POST", "/v1/functions/crasher:invoke", { token, body: {} });
    expect(invoke.status).toBe(503);
    expect(invoke.body.error.code).toBe("FUNCTION_CRASH_LOOP");
    expect((await call(app.url, "DELETE", "/v1/functions/crasher", { token })).status).toBe(204);

    const missing = await call(app.url, "POST", "/v1/functions", {
      token,
      body: { name: "ghost", image: `oci:${data.path}/nowhere:v1` },
    });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe("FUNCTION_IMAGE_NOT_FOUND");
    expect((await call(app.url, "GET", "/v1/functions/ghost", { token })).status).toBe(404);
  });

  it("updates the image and deletes", async () => {
    const v2 = await writeTestImage({
      dir: `${data.path}/layout`,
      tag: "v2",
      env: ["FIXTURE_VERSION=v2"],
    });
    const put = await call(app.url, "PUT", "/v1/functions/hello", {
      token,
      body: { image: v2, replicas: 1 },
    });
    expect(put.status).toBe(200);
    await waitFor(
      "hello",
      (f) => f["image"] === v2 && f["ready_replicas"] === 1 && f["updated_replicas"] === 1,
    );
    const del = await call(app.url, "DELETE", "/v1/functions/hello", { token });
    expect(del.status).toBe(204);
    expect((await call(app.url, "GET", "/v1/functions/hello", { token })).status).toBe(404);
  });
});
