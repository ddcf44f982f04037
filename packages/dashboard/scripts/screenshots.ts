/**
 * Screenshots of the main pages at desktop, mobile and dark, for review without running the
 * dashboard: `npm run screenshots -w @eventflow/dashboard` (after `npm run build`). Starts the
 * same stack as the browser tests (the controller with the local driver and dev auth, an
 * example built by the CLI, Debian's Chromium), gives it some traffic, and writes
 * docs/dashboard/<page>-<variant>.png at the repository root.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import {
  ROOT,
  buildExample,
  ensureBuilt,
  launchChromium,
  signToken,
  startController,
} from "../test/browser/support/stack.ts";

const OUT = join(ROOT, "docs/dashboard");
const VARIANTS = [
  { name: "desktop", viewport: { width: 1280, height: 900 }, colorScheme: "light" },
  { name: "mobile", viewport: { width: 390, height: 844 }, colorScheme: "light" },
  { name: "dark", viewport: { width: 1280, height: 900 }, colorScheme: "dark" },
] as const;

async function api(url: string, token: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  if (!res.ok && res.status >= 500) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

async function main() {
  await mkdir(OUT, { recursive: true });
  ensureBuilt();
  const controller = await startController();
  const browser = await launchChromium();
  try {
    const image = buildExample("json-transform", controller.dir);
    const token = signToken(controller.secret, {
      tenant: "default",
      role: "developer",
      exp: Math.floor(Date.now() / 1000) + 3600,
    });
    for (const [name, extra] of [
      [
        "pricing",
        { resources: { requests: { cpu: "100m", memory: "64Mi" } }, env: { CURRENCY: "EUR" } },
      ],
      ["orders", { scaling: { minReplicas: 1, maxReplicas: 3, targetCPUUtilization: 70 } }],
    ] as const) {
      await api(controller.url, token, "/v1/functions", {
        method: "POST",
        body: JSON.stringify({ name, image, replicas: 1, ...extra }),
      });
    }
    await api(controller.url, token, "/v1/secrets", {
      method: "POST",
      body: JSON.stringify({ name: "stripe", stringData: { "api-key": "sk_test_screenshot" } }),
    });
    // Traffic over two 10 s steps: good orders, and some the function answers 400.
    const order = JSON.stringify({ lines: [{ sku: "a", qty: 2, unitPrice: 150 }] });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 12; i++) {
        await api(controller.url, token, "/fn/default/pricing/", {
          method: "POST",
          body: i % 4 === 3 ? "{}" : order,
        });
      }
      await new Promise((r) => setTimeout(r, 10_500));
    }
    for (const variant of VARIANTS) {
      const context: BrowserContext = await browser.newContext({
        viewport: variant.viewport,
        colorScheme: variant.colorScheme,
      });
      context.setDefaultTimeout(20_000);
      const page = await context.newPage();
      await page.goto(controller.url);
      await page.getByLabel("Paste an API token").fill(token);
      await page.getByRole("button", { name: "Sign in with token" }).click();
      const shot = (what: string) =>
        page.screenshot({ path: join(OUT, `${what}-${variant.name}.png`), fullPage: true });
      await page.getByRole("table").getByRole("link", { name: "pricing" }).waitFor();
      await page.locator('[data-status="Running"]').first().waitFor({ timeout: 60_000 });
      await page.getByTestId("tenant-invocations").waitFor();
      await shot("functions");
      await page.getByRole("table").getByRole("link", { name: "pricing" }).click();
      await page.getByTestId("chart-invocations").waitFor();
      await page.getByRole("log").getByText("priced order").first().waitFor();
      await shot("function-detail");
      await page.goto(`${controller.url}/functions/new`);
      await page.getByLabel("Name").waitFor();
      await shot("create-form");
      await page.goto(`${controller.url}/secrets`);
      await page.getByRole("table", { name: "Secrets" }).waitFor();
      await shot("secrets");
      await context.close();
    }
    process.stderr.write(`screenshots written to ${OUT}\n`);
  } finally {
    await browser.close();
    await controller.close();
  }
}

await main();
