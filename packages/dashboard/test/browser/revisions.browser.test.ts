// @vitest-environment node
/// <reference lib="dom" />
/**
 * Revisions in Debian's Chromium against a real controller (local driver, dev auth, its sqlite
 * revision table) and a real function image built by the CLI: an edit of the environment makes
 * a second revision whose change the card names and which takes all the traffic (one segment
 * of the bar); "Send all traffic here" on the first, after confirming, moves every request to
 * it without making a revision: the bar and the table follow, and the controller's answers name
 * hello-00001. axe-core checks the page with the dialog open. An update with a rollout shows its
 * progress line.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./support/axe.ts";
import { ARTIFACTS, startBrowserStack, type BrowserStack } from "./support/browser-stack.ts";
import { signToken, type Controller } from "./support/stack.ts";

describe("revisions and rollback in Chromium against a real controller", () => {
  let stack: BrowserStack;
  let controller: Controller;
  let page: Page;
  let image: string;

  async function send(method: string, path: string, body?: unknown) {
    const token = signToken(controller.secret, {
      tenant: "default",
      role: "developer",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    return fetch(`${controller.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async function api(method: string, path: string, body?: unknown) {
    const res = await send(method, path, body);
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
  }

  beforeAll(async () => {
    stack = await startBrowserStack();
    ({ controller, image, page } = stack);
    const spec = (greeting: string) => ({ image, replicas: 1, env: { GREETING: greeting } });
    expect((await api("POST", "/v1/functions", { name: "hello", ...spec("v1") })).status).toBe(201);
    expect((await api("PUT", "/v1/functions/hello", spec("v2"))).status).toBe(200);
    await page.goto(controller.url);
    await page.getByRole("button", { name: "Use a dev token" }).click();
    await page.getByRole("table").getByRole("link", { name: "hello" }).click();
  }, 180_000);

  afterAll(() => stack?.close());

  const bar = () => page.getByRole("list", { name: "Traffic of hello" });

  it("lists both revisions, the newest current with all the traffic, with what it changed", async () => {
    const table = page.getByRole("table", { name: "Revisions of hello" });
    await table.getByTestId("revision-2").waitFor();
    expect(await table.getByTestId("revision-2").getByTestId("current-revision").count()).toBe(1);
    expect(await table.getByTestId("revision-2").textContent()).toContain("env.GREETING");
    expect(await table.getByTestId("revision-1").textContent()).toContain("created");
    expect(
      await table.getByTestId("revision-2").getByTestId("revision-traffic").textContent(),
    ).toBe("100%");
    expect(await bar().getByRole("listitem").count()).toBe(1);
    expect(await bar().getByTestId("traffic-segment-2").textContent()).toContain("100%");
    expect(
      await table.getByRole("button", { name: "Send all traffic to hello-00002" }).count(),
    ).toBe(0);
  });

  it("sends all traffic to the first revision after confirmation; no revision is made", async () => {
    await page.getByRole("button", { name: "Send all traffic to hello-00001" }).click();
    const dialog = page.getByRole("dialog", {
      name: "Send all of hello's traffic to hello-00001?",
    });
    await dialog.waitFor();
    expect(await seriousViolations(page), "page with the send-all-traffic dialog").toEqual([]);
    await dialog.getByRole("button", { name: "Send all traffic here" }).click();
    await page.getByTestId("rollback-done").waitFor();
    await dialog.waitFor({ state: "hidden" });
    await bar().getByTestId("traffic-segment-1").waitFor();
    expect(await bar().getByRole("listitem").count()).toBe(1);
    const table = page.getByRole("table", { name: "Revisions of hello" });
    expect(await table.getByTestId("revision-3").count()).toBe(0);
    const fn = await api("GET", "/v1/functions/hello");
    expect(fn.body.traffic).toMatchObject([{ revision: 1, percent: 100 }]);
    // The spec stays the newest revision's; the requests go to the first.
    expect(fn.body.spec.env).toEqual({ GREETING: "v2" });
    const answer = await send("POST", "/v1/functions/hello:invoke", {});
    await answer.arrayBuffer();
    expect(answer.headers.get("x-eventflow-revision")).toBe("hello-00001");
    const revisions = await api("GET", "/v1/functions/hello/revisions");
    expect(revisions.body.map((r: { name: string }) => r.name)).toEqual([
      "hello-00002",
      "hello-00001",
    ]);
    await page.screenshot({ path: join(ARTIFACTS, "revisions.png"), fullPage: true });
  });

  it("shows a rollout's progress once an update with a rollout starts one", async () => {
    const rollout = {
      steps: [50, 100],
      intervalSeconds: 3600,
      maxErrorRate: 0.5,
      maxP95Ms: 60_000,
    };
    const put = await api("PUT", "/v1/functions/hello", {
      image,
      replicas: 1,
      env: { GREETING: "v3" },
      rollout,
    });
    expect(put.status).toBe(200);
    const line = page.getByTestId("rollout-progress");
    await line.waitFor();
    expect(await line.textContent()).toMatch(/^Rollout of hello-00003 from hello-00001:/);
    expect(await line.getByTestId("rollout-phase").textContent()).toBe("progressing");
    expect(await line.getByTestId("rollout-step").textContent()).toMatch(
      /^step 1 of 2, [0-9]+% of the requests$/,
    );
    await bar().getByTestId("traffic-segment-3").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "revisions-rollout.png"), fullPage: true });
  });
});
