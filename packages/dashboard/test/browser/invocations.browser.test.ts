// @vitest-environment node
/// <reference lib="dom" />
/**
 * Asynchronous invocations in Debian's Chromium against a real controller (local driver, dev
 * auth, its sqlite queue and worker) and a real function image built by the CLI: an async
 * invoke shows up on the function page as succeeded, with its attempt and its result indented;
 * the function's schedule trigger is read out in words; an invocation of a crash-looping
 * function goes dead, a viewer sees it without redrive controls (and the API refuses a viewer's
 * redrive), and, once the function is fixed, a developer redrives it from the Dead letters page
 * and sees it succeed. axe-core checks each page.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./support/axe.ts";
import { ARTIFACTS, startBrowserStack, type BrowserStack } from "./support/browser-stack.ts";
import { signToken, type Controller } from "./support/stack.ts";

const ORDER = '{"lines": [{"sku": "a", "qty": 2, "unitPrice": 150}]}';
// Two attempts, 100 ms apart: the crash-looping function's invocation is dead within seconds.
const RETRY = { maxAttempts: 2, backoff: { initialMs: 100, maxMs: 100, multiplier: 1 } };

describe("asynchronous invocations in Chromium against a real controller", () => {
  let stack: BrowserStack;
  let controller: Controller;
  let browser: Browser;
  let page: Page;
  let image: string;
  let deadId: string;
  const pageErrors: string[] = [];

  const token = (role: string) =>
    signToken(controller.secret, {
      tenant: "default",
      role,
      exp: Math.floor(Date.now() / 1000) + 600,
    });
  async function api(method: string, path: string, body?: unknown, role = "developer") {
    const res = await fetch(`${controller.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token(role)}`, "content-type": "application/json" },
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
  }
  async function enqueue(name: string): Promise<string> {
    const res = await fetch(`${controller.url}/v1/functions/${name}:invoke`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token("developer")}`,
        "content-type": "application/json",
        prefer: "respond-async",
      },
      body: ORDER,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  }
  /** Polls the API until `name` is in `status` (a loop: expect.poll only runs inside tests). */
  async function waitForStatus(name: string, status: string) {
    const deadline = Date.now() + 60_000;
    let last: unknown;
    while ((last = (await api("GET", `/v1/functions/${name}`)).body?.status) !== status) {
      if (Date.now() > deadline) throw new Error(`${name} is ${String(last)}, not ${status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  /** The spec of the function that goes dead: two quick attempts, and its log level. */
  const crasher = (logLevel: string) => ({
    image,
    replicas: 1,
    env: { LOG_LEVEL: logLevel },
    retry: RETRY,
  });
  async function expectAccessible(label: string) {
    expect(await seriousViolations(page), label).toEqual([]);
  }

  beforeAll(async () => {
    stack = await startBrowserStack();
    ({ controller, image, browser, page } = stack);
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const created = await api("POST", "/v1/functions", {
      name: "pricing",
      image,
      replicas: 1,
      triggers: [
        { type: "schedule", cron: "30 2 * * *", timezone: "Europe/Paris", data: { job: "sweep" } },
      ],
    });
    expect(created.status).toBe(201);
    await waitForStatus("pricing", "Running");
    await page.goto(controller.url);
    await page.getByRole("button", { name: "Use a dev token" }).click();
    await page.getByRole("table").getByRole("link", { name: "pricing" }).waitFor();
  }, 180_000);

  afterAll(() => stack?.close());

  it("shows an async invoke on the function page as succeeded, with its attempt and result", async () => {
    await page.getByRole("table").getByRole("link", { name: "pricing" }).click();
    const panel = page.getByRole("region", { name: "Invocations", exact: true });
    await panel.getByText("No asynchronous invocation yet", { exact: false }).waitFor();
    const id = await enqueue("pricing");
    const row = panel.locator(`[data-invocation="${id}"]`);
    await expect
      .poll(() => row.locator("[data-state]").getAttribute("data-state"), { timeout: 30_000 })
      .toBe("succeeded");
    expect(await row.getByTestId("attempts").textContent()).toBe("1");
    await row.getByRole("button", { name: `Open invocation ${id}` }).click();
    const detail = page.getByTestId("invocation-detail");
    expect(await detail.getByTestId("attempt").textContent()).toMatch(/^1200.* ms$/);
    expect(await detail.getByTestId("result-status").textContent()).toBe("200");
    const body = (await detail.getByTestId("result-body").textContent())!;
    expect(JSON.parse(body)).toMatchObject({ subtotal: 300, total: 360 });
    expect(body).toContain('\n  "subtotal": 300'); // indented
    // the state filter asks the controller again
    await panel.getByLabel("State").selectOption("dead");
    await panel.getByText("No dead invocation.").waitFor();
    await panel.getByLabel("State").selectOption("");
    await row.waitFor();
    await expectAccessible("function page with invocations");
    await page.screenshot({ path: join(ARTIFACTS, "invocations-function.png"), fullPage: true });
  });

  it("reads the function's schedule trigger out, in words", async () => {
    const triggers = page.getByRole("list", { name: "Triggers" }).getByRole("listitem");
    expect(await triggers.count()).toBe(1);
    const text = await triggers.first().textContent();
    expect(text).toContain("30 2 * * *");
    expect(text).toContain("every day at 02:30");
    expect(text).toContain("Europe/Paris");
    expect(text).toContain("job=sweep");
  });

  it("shows a dead invocation to a viewer without redrive controls; the API refuses them", async () => {
    // the runtime refuses an unknown log level at start: every replica exits, a crash loop
    const created = await api("POST", "/v1/functions", { name: "crasher", ...crasher("nonsense") });
    expect(created.status).toBe(201);
    await waitForStatus("crasher", "Failed");
    deadId = await enqueue("crasher");
    await expect
      .poll(async () => (await api("GET", `/v1/invocations/${deadId}`)).body?.state, {
        timeout: 60_000,
        interval: 250,
      })
      .toBe("dead");

    const viewer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    viewer.setDefaultTimeout(20_000);
    const vpage = await viewer.newPage();
    await vpage.goto(controller.url);
    await vpage.getByLabel("Paste an API token").fill(token("viewer"));
    await vpage.getByRole("button", { name: "Sign in with token" }).click();
    await vpage.getByRole("link", { name: "Dead letters" }).click();
    const row = vpage.locator(`[data-invocation="${deadId}"]`);
    expect(await row.locator("[data-state]").getAttribute("data-state")).toBe("dead");
    expect(await row.getByTestId("attempts").textContent()).toBe("2");
    for (const name of [`Redrive ${deadId}`, "Redrive all", "Purge all"])
      expect(await vpage.getByRole("button", { name }).count(), name).toBe(0);
    expect(await vpage.getByRole("checkbox").count()).toBe(0);
    // the detail is for everyone: each attempt's error
    await row.getByRole("button", { name: `Open invocation ${deadId}` }).click();
    await expect.poll(() => vpage.getByTestId("attempt").count()).toBe(2);
    await viewer.close();
    const refused = await api("POST", "/v1/dead-letters:redrive", { ids: [deadId] }, "viewer");
    expect({ status: refused.status, code: refused.body?.error?.code }).toEqual({
      status: 403,
      code: "AUTH_FORBIDDEN",
    });
  });

  it("redrives the dead invocation from the Dead letters page once the function is fixed", async () => {
    const fixed = await api("PUT", "/v1/functions/crasher", crasher("info"));
    expect(fixed.status).toBe(200);
    await waitForStatus("crasher", "Running");
    await page.getByRole("link", { name: "Dead letters" }).click();
    await page.getByRole("heading", { name: "Dead letters", level: 1 }).waitFor();
    const row = page.locator(`[data-invocation="${deadId}"]`);
    expect(await row.getByRole("link", { name: "crasher" }).getAttribute("href")).toBe(
      "/functions/crasher",
    );
    await expectAccessible("dead letters page");
    await page.screenshot({ path: join(ARTIFACTS, "dead-letters.png"), fullPage: true });
    await row.getByRole("button", { name: `Redrive ${deadId}` }).click();
    expect(await page.getByTestId("dead-letters-done").textContent()).toBe(
      "Redriven: 1 invocation queued again.",
    );
    await row.waitFor({ state: "detached" });
    // on the function's page the same invocation succeeds, on its third attempt
    await page.goto(`${controller.url}/functions/crasher`);
    const again = page
      .getByRole("region", { name: "Invocations", exact: true })
      .locator(`[data-invocation="${deadId}"]`);
    await expect
      .poll(() => again.locator("[data-state]").getAttribute("data-state"), { timeout: 30_000 })
      .toBe("succeeded");
    expect(await again.getByTestId("attempts").textContent()).toBe("3");
    await page
      .getByRole("region", { name: "Dead letters", exact: true })
      .getByText("No dead letters", { exact: false })
      .waitFor();
  });

  it("logged no script error", () => {
    expect(pageErrors).toEqual([]);
  });
});
