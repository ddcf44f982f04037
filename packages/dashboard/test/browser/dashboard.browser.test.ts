// @vitest-environment node
/// <reference lib="dom" />
/**
 * The dashboard in Debian's Chromium against a real controller (local driver, dev auth) and a
 * real function image built by the CLI: sign in -> create -> Running -> invoke -> the log line
 * appears live -> the chart moves -> scale -> delete; a viewer sees no write controls and the
 * API refuses them; an expiring token signs out with a message. axe-core checks every page;
 * screenshots land in packages/dashboard/test-artifacts/ (git-ignored).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./support/axe.ts";
import {
  buildExample,
  ensureBuilt,
  launchChromium,
  signToken,
  startController,
  type Controller,
} from "./support/stack.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
const NAME = "pricing";
const ORDER = '{"lines": [{"sku": "a", "qty": 2, "unitPrice": 150}]}';

describe("dashboard in Chromium against a real controller", () => {
  let controller: Controller;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let image: string;
  const consoleErrors: string[] = [];

  async function shot(name: string) {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }
  async function expectAccessible(label: string) {
    expect(await seriousViolations(page), label).toEqual([]);
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    ensureBuilt();
    controller = await startController();
    image = buildExample("json-transform", controller.dir);
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      colorScheme: "light",
    });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await controller?.close();
  });

  it("opens on the sign-in page quickly, keyboard-usable, and signs in with a dev token", async () => {
    // Time to interactive, cold cache each time (a new context): from navigation until the
    // dev-token button (which needs the app and GET /auth/config) can be clicked. Measured and
    // written to test-artifacts/first-page.md, never asserted (timings vary with the machine).
    const runs: { interactiveMs: number; domInteractive: number; loadEventEnd: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const cold = await browser.newContext();
      const p = await cold.newPage();
      const started = Date.now();
      await p.goto(controller.url);
      await p.getByRole("button", { name: "Use a dev token" }).waitFor();
      const interactiveMs = Date.now() - started;
      const nav = await p.evaluate(() => {
        const n = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        return { domInteractive: n.domInteractive, loadEventEnd: n.loadEventEnd };
      });
      runs.push({ interactiveMs, ...nav });
      await cold.close();
    }
    const median = runs.map((r) => r.interactiveMs).sort((a, b) => a - b)[2];
    // Markdown, so the repository's `prettier --check .` (which ignores *.md) never trips on it.
    const rows = runs.map(
      (r) =>
        `| ${r.interactiveMs} | ${Math.round(r.domInteractive)} | ${Math.round(r.loadEventEnd)} |`,
    );
    await writeFile(
      join(ARTIFACTS, "first-page.md"),
      `# First page, cold cache\n\nmedian interactive: ${median} ms\n\n| interactive ms | domInteractive ms | loadEventEnd ms |\n| --- | --- | --- |\n${rows.join("\n")}\n`,
    );
    await page.goto(controller.url);
    await page.getByRole("button", { name: "Use a dev token" }).waitFor();
    await expectAccessible("sign-in");
    await shot("01-sign-in");
    // keyboard only: Tab until the dev-token button has focus, then Enter
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press("Tab");
      if (
        (await page.evaluate(() => document.activeElement?.textContent ?? "")).includes(
          "Use a dev token",
        )
      )
        break;
    }
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "No functions yet" }).waitFor();
    expect(page.url()).not.toContain("token");
    expect(await page.evaluate(() => sessionStorage.getItem("eventflow.session"))).toContain(
      "developer",
    );
    await expectAccessible("empty list");
    await shot("02-functions-empty");
  });

  it("creates a function through the form (client validation first) and sees it become Running", async () => {
    await page.getByRole("link", { name: "Create function" }).click();
    await page.getByLabel("Name").fill("Bad_Name");
    await page.getByLabel("Image").fill(`oci:${controller.dir}/no-such-layout`);
    await page.getByRole("button", { name: "Create function" }).click();
    expect(await page.getByLabel("Name").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Name").fill(NAME);
    // the controller's 422 FUNCTION_IMAGE_NOT_FOUND lands on the image field
    await page.getByRole("button", { name: "Create function" }).click();
    await expect.poll(() => page.getByLabel("Image").getAttribute("aria-invalid")).toBe("true");
    expect(new URL(page.url()).pathname).toBe("/functions/new");
    await page.getByLabel("Image").fill(image);
    await page.getByRole("button", { name: "Add variable" }).click();
    await page.getByLabel("Variable 1 name").fill("CURRENCY");
    await page.getByLabel("Variable 1 value").fill("EUR");
    await expectAccessible("form");
    await shot("03-create-form");
    await page.getByRole("button", { name: "Create function" }).click();
    await page.waitForURL(`**/functions/${NAME}`);
    await page.locator('[data-status="Running"]').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("replica-status").textContent()).toMatch(/^1\/1 ready/);
  });

  it("invokes it from the console and sees the answer", async () => {
    await page.getByLabel("Body").fill(ORDER);
    await page.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(() => page.getByTestId("invoke-status").textContent(), { timeout: 15_000 })
      .toBe("200");
    expect(JSON.parse((await page.getByTestId("invoke-body").textContent())!)).toMatchObject({
      subtotal: 300,
      total: 360,
    });
  });

  it("shows the invocation's log line live, and the chart moves", async () => {
    const log = page.getByRole("log", { name: `Log lines of ${NAME}` });
    await expect.poll(() => log.textContent(), { timeout: 15_000 }).toContain("priced order");
    const chart = page.getByTestId("chart-invocations");
    await expect
      .poll(async () => Number(await chart.getAttribute("data-invocations")), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(1);
    const before = Number(await chart.getAttribute("data-invocations"));
    await page.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(async () => Number(await chart.getAttribute("data-invocations")), { timeout: 20_000 })
      .toBeGreaterThan(before);
    expect(
      await page.locator('[data-testid="chart-invocations"] path.recharts-line-curve').count(),
    ).toBe(2);
    await expectAccessible("detail");
    await shot("04-function-detail");
  });

  it("lists it with status, ready/desired and recent invocations", async () => {
    await page.getByRole("link", { name: "EventFlow" }).click();
    const row = page.getByRole("row").filter({ hasText: NAME });
    await row.waitFor();
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toMatch(/Running1\/1/);
    await expect
      .poll(async () => Number(await row.locator("td").nth(4).textContent()), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    await expectAccessible("list");
    await shot("05-functions-list");
  });

  it("shows a viewer no write controls, and the API refuses them anyway", async () => {
    const viewer = await browser.newContext({
      viewport: { width: 700, height: 900 },
      colorScheme: "dark",
    });
    viewer.setDefaultTimeout(20_000);
    const vpage = await viewer.newPage();
    await vpage.goto(controller.url);
    const token = signToken(controller.secret, {
      tenant: "default",
      role: "viewer",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    await vpage.getByLabel("Paste an API token").fill(token);
    await vpage.getByRole("button", { name: "Sign in with token" }).click();
    await vpage.getByRole("link", { name: NAME }).waitFor();
    expect(await vpage.getByRole("link", { name: "Create function" }).count()).toBe(0);
    await vpage.getByRole("link", { name: NAME }).click();
    await vpage.locator('[data-status="Running"]').first().waitFor();
    for (const name of ["Delete", "Scale", "Send", "Edit"]) {
      expect(await vpage.getByRole("button", { name, exact: true }).count(), name).toBe(0);
    }
    const refused = await vpage.evaluate(
      async ({ token, name }) => {
        const res = await fetch(`/v1/functions/${name}`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${token}` },
        });
        return {
          status: res.status,
          code: ((await res.json()) as { error: { code: string } }).error.code,
        };
      },
      { token, name: NAME },
    );
    expect(refused).toEqual({ status: 403, code: "AUTH_FORBIDDEN" });
    page = vpage;
    await expectAccessible("viewer detail, dark, narrow");
    await shot("06-viewer-dark-narrow");
    await viewer.close();
  });

  it("scales it and sees the replicas follow", async () => {
    page = context.pages()[0]!;
    await page.getByRole("link", { name: NAME }).click();
    await page.getByRole("button", { name: "One replica more" }).click();
    await page.getByRole("button", { name: "Scale", exact: true }).click();
    await expect
      .poll(() => page.getByTestId("replica-status").textContent(), { timeout: 60_000 })
      .toMatch(/^2\/2 ready/);
    await expect
      .poll(() => page.getByLabel("Replica").locator("option").count(), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
  });

  it("edits it: the new environment rolls out", async () => {
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByLabel("Variable 1 value").fill("USD");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(`**/functions/${NAME}`);
    await expect.poll(() => page.getByText("CURRENCY=USD").count(), { timeout: 20_000 }).toBe(1);
    await expect
      .poll(() => page.getByTestId("replica-status").textContent(), { timeout: 60_000 })
      .toMatch(/^2\/2 ready, 2 available, 2 updated/);
  });

  it("deletes it after confirmation and is back to the empty list", async () => {
    // keyboard: Escape closes the modal without deleting
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog");
    const confirm = dialog.getByRole("button", { name: "Delete function" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/to confirm/).fill(NAME);
    await expectAccessible("delete dialog");
    await shot("07-delete-dialog");
    await confirm.click();
    await page.getByRole("heading", { name: "No functions yet" }).waitFor({ timeout: 30_000 });
    const res = await fetch(`${controller.url}/v1/functions/${NAME}`, {
      headers: {
        authorization: `Bearer ${signToken(controller.secret, { tenant: "default", role: "viewer", exp: Math.floor(Date.now() / 1000) + 60 })}`,
      },
    });
    expect(res.status).toBe(404);
  });

  it("signs out with a message when the token expires", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    const token = signToken(controller.secret, {
      tenant: "default",
      role: "developer",
      exp: Math.floor(Date.now() / 1000) + 3,
    });
    await page.getByLabel("Paste an API token").fill(token);
    await page.getByRole("button", { name: "Sign in with token" }).click();
    await page.getByRole("heading", { name: "Functions", exact: true }).waitFor();
    await page.getByRole("alert").filter({ hasText: "expired" }).waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => sessionStorage.getItem("eventflow.session"))).toBeNull();
    await shot("08-session-expired");
  });

  it("signs out with a message when the controller rejects the token", async () => {
    const forged = signToken("not-the-controller-secret-but-long-enough", {
      tenant: "default",
      role: "admin",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    await page.getByLabel("Paste an API token").fill(forged);
    await page.getByRole("button", { name: "Sign in with token" }).click();
    await page.getByRole("alert").filter({ hasText: "no longer accepts" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("eventflow.session"))).toBeNull();
  });

  it("logged no script error or CSP refusal in the browser console", () => {
    // Chromium also logs every 4xx answer ("Failed to load resource"): the deleted function's
    // last polls answer 404 by design, so those lines are not errors of the page.
    const errors = consoleErrors.filter((e) => !e.startsWith("Failed to load resource"));
    expect(errors.join("\n")).toBe("");
    expect(consoleErrors.length).toBeLessThan(10);
  });
});
