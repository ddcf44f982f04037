/**
 * What every browser test starts from: the build, a controller, the json-transform image, and
 * Chromium with one page (1280x900, 20 s default timeout); close() ends browser and controller.
 */
import { mkdir } from "node:fs/promises";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import {
  buildExample,
  ensureBuilt,
  launchChromium,
  startController,
  type Controller,
} from "./stack.ts";

/** Where screenshots and measurements land (packages/dashboard/test-artifacts/, git-ignored). */
export const ARTIFACTS = new URL("../../../test-artifacts/", import.meta.url).pathname;

/** The started stack. */
export interface BrowserStack {
  readonly controller: Controller;
  readonly image: string;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** Starts the stack; `options` are added to the page's context options. */
export async function startBrowserStack(
  options: BrowserContextOptions = {},
): Promise<BrowserStack> {
  await mkdir(ARTIFACTS, { recursive: true });
  ensureBuilt();
  const controller = await startController();
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await controller.close();
  };
  try {
    const image = buildExample("json-transform", controller.dir);
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      ...options,
    });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    return { controller, image, browser, context, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
