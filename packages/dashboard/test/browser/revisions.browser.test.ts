// @vitest-environment node
/// <reference lib="dom" />
/**
 * Revisions in Debian's Chromium against a real controller (local driver, dev auth, its sqlite
 * revision table) and a real function image built by the CLI: an edit of the environment makes
 * a second revision whose change the card names; rolling back to the first, after confirming,
 * records a third with the first's spec, which the controller then runs. axe-core checks the
 * page with the dialog open.
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

  async function api(method: string, path: string, body?: unknown) {
    const token = signToken(controller.secret, {
      tenant: "default",
      role: "developer",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const res = await fetch(`${controller.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
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

  it("lists both revisions, the newest current, with what it changed", async () => {
    const table = page.getByRole("table", { name: "Revisions of hello" });
    await table.getByTestId("revision-2").waitFor();
    expect(await table.getByTestId("revision-2").getByTestId("current-revision").count()).toBe(1);
    expect(await table.getByTestId("revision-2").textContent()).toContain("env.GREETING");
    expect(await table.getByTestId("revision-1").textContent()).toContain("created");
    expect(await table.getByRole("button", { name: "Roll back to hello-00002" }).count()).toBe(0);
  });

  it("rolls back to the first revision after confirmation; the controller runs its spec", async () => {
    await page.getByRole("button", { name: "Roll back to hello-00001" }).click();
    const dialog = page.getByRole("dialog", { name: "Roll hello back to hello-00001?" });
    await dialog.waitFor();
    expect(await seriousViolations(page), "page with the rollback dialog").toEqual([]);
    await dialog.getByRole("button", { name: "Roll back" }).click();
    await page.getByTestId("rollback-done").waitFor();
    await dialog.waitFor({ state: "hidden" });
    const third = page.getByRole("table", { name: "Revisions of hello" }).getByTestId("revision-3");
    await third.getByTestId("current-revision").waitFor();
    expect(await third.textContent()).toContain("env.GREETING");
    const fn = await api("GET", "/v1/functions/hello");
    expect(fn.body.spec.env).toEqual({ GREETING: "v1" });
    const revisions = await api("GET", "/v1/functions/hello/revisions");
    expect(revisions.body.map((r: { name: string }) => r.name)).toEqual([
      "hello-00003",
      "hello-00002",
      "hello-00001",
    ]);
    await page.screenshot({ path: join(ARTIFACTS, "revisions.png"), fullPage: true });
  });
});
