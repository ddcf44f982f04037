// @vitest-environment node
/// <reference lib="dom" />
/**
 * OIDC sign-in in Debian's Chromium: the controller configured with a real OIDC provider
 * (authorization code + PKCE, public client), the provider's login form, the callback, and an
 * API call with the access token. No dev auth on this controller.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIENCE, CLIENT_ID, startOidcProvider } from "./support/oidc.ts";
import {
  ensureBuilt,
  freePort,
  launchChromium,
  startController,
  type Controller,
} from "./support/stack.ts";

describe("OIDC sign-in (authorization code + PKCE) in Chromium", () => {
  let controller: Controller;
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let browser: Browser;

  beforeAll(async () => {
    ensureBuilt();
    const port = await freePort();
    provider = await startOidcProvider(`http://127.0.0.1:${port}/auth/callback`);
    controller = await startController({
      port,
      env: {
        EVENTFLOW_DEV_AUTH: "false",
        EVENTFLOW_OIDC_ISSUER: provider.issuer,
        EVENTFLOW_OIDC_AUDIENCE: AUDIENCE,
        EVENTFLOW_OIDC_CLIENT_ID: CLIENT_ID,
      },
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await controller?.close();
    await provider?.close();
  });

  it("signs in through the provider, keeps the token out of URLs, and calls the API with it", async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const urls: string[] = [];
    page.on("request", (r) => urls.push(r.url()));
    await page.goto(controller.url);
    expect(await page.getByRole("button", { name: "Use a dev token" }).count()).toBe(0);
    await page.getByRole("button", { name: "Sign in with your identity provider" }).click();
    await page.waitForURL(`${provider.issuer}/**`);
    const authorize = new URL(urls.find((u) => u.startsWith(`${provider.issuer}/auth?`))!);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get("client_id")).toBe(CLIENT_ID);
    await page.locator('input[name="login"]').fill("alice");
    await page.locator('input[name="password"]').fill("any");
    await page.locator('button[type="submit"]').click();
    await page.getByRole("heading", { name: "No functions yet" }).waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).pathname).toBe("/");
    expect(new URL(page.url()).search).toBe("");
    const session = JSON.parse(
      (await page.evaluate(() => sessionStorage.getItem("eventflow.session")))!,
    ) as { token: string; role: string; tenant: string };
    expect(session).toMatchObject({ role: "developer", tenant: "default" });
    for (const u of urls) expect(u).not.toContain(session.token);
    const res = await fetch(`${controller.url}/v1/functions`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(res.status).toBe(200);
    await context.close();
  });
});
