// @vitest-environment node
/// <reference lib="dom" />
/**
 * The Secrets page in Debian's Chromium against a real controller (local driver, dev auth) and
 * a real function image built by the CLI: create a secret through the form (typed values and a
 * binary file), see it listed with its keys, have its delete refused by the API while a
 * function uses it (SECRET_IN_USE shown), use it from a function created in the form, update
 * it (every value asked again), delete it forced. Every response the page receives is recorded
 * through the DevTools protocol (streams chunk by chunk) and every request through
 * page.on("request"): a value is sent only in the create/update request that carries it, and
 * appears in no response, in the rendered page, or in the page's storage.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./support/axe.ts";
import { recordResponses, type ResponseRecorder } from "./support/responses.ts";
import { ARTIFACTS, startBrowserStack, type BrowserStack } from "./support/browser-stack.ts";
import { signToken, type Controller } from "./support/stack.ts";

const NAME = "billing";
const OTHER = "relay";
const SECRET = "stripe";
// Values that appear nowhere else, so finding one anywhere means it leaked.
const unique = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;
const API_KEY = unique("api1");
const WEBHOOK = unique("hook1");
const API_KEY_2 = unique("api2");
const WEBHOOK_2 = unique("hook2");
const FILE_TEXT = unique("file1");
// A binary value: bytes that are not UTF-8 around a marker that would show if decoded.
const FILE_BYTES = Buffer.concat([Buffer.from([0, 0xff, 0xfe, 0x80]), Buffer.from(FILE_TEXT)]);

interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly text: string;
}

describe("the Secrets page in Chromium against a real controller", () => {
  let stack: BrowserStack;
  let controller: Controller;
  let page: Page;
  let image: string;
  let recorder: ResponseRecorder;
  const requests: SentRequest[] = [];
  const responseUrls: string[] = [];
  const consoleErrors: string[] = [];

  async function expectAccessible(label: string) {
    expect(await seriousViolations(page), label).toEqual([]);
  }
  /** Every form a value could take on the wire or in the page: as typed, and base64. */
  function forms(value: string | Buffer): string[] {
    const bytes = typeof value === "string" ? Buffer.from(value) : value;
    return [...(typeof value === "string" ? [value] : [FILE_TEXT]), bytes.toString("base64")];
  }
  const ALL = [API_KEY, WEBHOOK, API_KEY_2, WEBHOOK_2, FILE_BYTES].flatMap(forms);
  /** No value in the DOM (text, attributes, what an input holds) nor in the page's storage. */
  async function expectNoValueInPage(label: string) {
    const seen = await page.evaluate(() => {
      const storage = (s: Storage) =>
        Object.keys(s)
          .map((k) => `${k}=${s.getItem(k)}`)
          .join("\n");
      return {
        dom:
          document.documentElement.outerHTML +
          [...document.querySelectorAll("input, textarea")]
            .map((el) => (el as HTMLInputElement).value)
            .join("\n"),
        storage: storage(localStorage) + "\n" + storage(sessionStorage),
      };
    });
    // The storage holds the session; had the check read nothing, it could not fail.
    expect(seen.storage, label).toContain("=");
    for (const value of ALL) {
      expect(seen.dom.includes(value), `${label}: DOM`).toBe(false);
      expect(seen.storage.includes(value), `${label}: storage`).toBe(false);
    }
  }
  /** A form control by its whole label ("Key 1", not "Remove key 1"). */
  const field = (label: string) => page.getByLabel(label, { exact: true });
  function token(): string {
    return signToken(controller.secret, {
      tenant: "default",
      role: "developer",
      exp: Math.floor(Date.now() / 1000) + 300,
    });
  }

  beforeAll(async () => {
    stack = await startBrowserStack();
    ({ controller, image, page } = stack);
    recorder = await recordResponses(page);
    page.on("request", (r) => {
      const headers = Object.entries(r.headers())
        .map(([k, v]) => `${k}: ${v}`)
        .join("\n");
      requests.push({
        method: r.method(),
        path: new URL(r.url()).pathname,
        text: `${r.url()}\n${headers}\n${r.postDataBuffer()?.toString("latin1") ?? ""}`,
      });
    });
    page.on("response", (r) => responseUrls.push(r.url()));
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    await page.goto(controller.url);
    await page.getByRole("button", { name: "Use a dev token" }).click();
    await page.getByRole("heading", { name: "No functions yet" }).waitFor();
  }, 120_000);

  afterAll(() => stack?.close());

  it("creates a secret through the form (typed values and a binary file); the list shows its keys, never its values", async () => {
    await page.getByRole("link", { name: "Secrets" }).click();
    await page.getByRole("heading", { name: "No secrets yet" }).waitFor();
    await page.getByRole("link", { name: "Create your first secret" }).click();
    await page.getByLabel("Name").fill(SECRET);
    await field("Key 1").fill("api-key");
    await field("Value 1").fill(API_KEY);
    await page.getByRole("button", { name: "Add key" }).click();
    await field("Key 2").fill("webhook");
    await field("Value 2").fill(WEBHOOK);
    await page.getByRole("button", { name: "Add key" }).click();
    await field("Key 3").fill("cert.der");
    await field("File 3").setInputFiles({
      name: "cert.der",
      mimeType: "application/octet-stream",
      buffer: FILE_BYTES,
    });
    await page.getByText(`cert.der, ${FILE_BYTES.length} bytes`).waitFor();
    expect(await field("Value 1").getAttribute("type")).toBe("password");
    expect(await field("Value 1").getAttribute("autocomplete")).toBe("new-password");
    await expectAccessible("secret form");
    await page.getByRole("button", { name: "Create secret" }).click();
    await page.waitForURL("**/secrets");
    const row = page.getByRole("row").filter({ hasText: SECRET });
    await expect.poll(() => row.textContent()).toContain("api-key, cert.der, webhook");
    await expectAccessible("secrets list");
    await expectNoValueInPage("secrets list");
    await page.screenshot({ path: join(ARTIFACTS, "09-secrets-list.png"), fullPage: true });
  });

  it("shows the API's SECRET_IN_USE when a function it did not know about uses the secret, and keeps it", async () => {
    // Another user deploys a function using the secret after this page loaded its list.
    const res = await fetch(`${controller.url}/v1/functions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
      body: JSON.stringify({ name: OTHER, image, replicas: 0, secrets: [{ name: SECRET }] }),
    });
    expect(res.status).toBe(201);
    await page.getByRole("button", { name: `Delete ${SECRET}` }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.getByTestId("secret-used-by").count()).toBe(0);
    await dialog.getByRole("button", { name: "Delete secret" }).click();
    expect(await dialog.getByTestId("secret-used-by").textContent()).toBe(OTHER);
    expect(await dialog.getByTestId("secret-in-use-error").textContent()).toMatch(
      new RegExp(`${OTHER}.*\\(SECRET_IN_USE\\)`),
    );
    expect(await dialog.getByRole("button", { name: "Delete secret" }).isDisabled()).toBe(true);
    await expectAccessible("delete refused");
    await page.screenshot({ path: join(ARTIFACTS, "10-secret-in-use.png"), fullPage: true });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    const row = page.getByRole("row").filter({ hasText: SECRET });
    await row.getByRole("link", { name: OTHER }).waitFor();
  });

  it("uses it from a function, picked from the tenant's secrets with its keys named", async () => {
    await page.getByRole("link", { name: "EventFlow" }).click();
    await page.getByRole("link", { name: "Create function" }).click();
    await page.getByLabel("Name").fill(NAME);
    await page.getByLabel("Image").fill(image);
    await page.getByRole("button", { name: "Add secret" }).click();
    await field("Secret 1").selectOption(SECRET);
    await page.getByText(`${SECRET} has: api-key, cert.der, webhook.`).waitFor();
    await page.getByRole("button", { name: "Create function" }).click();
    await page.waitForURL(`**/functions/${NAME}`);
    await page.locator('[data-status="Running"]').first().waitFor({ timeout: 60_000 });
    expect(await page.getByText(`as files in /var/eventflow/secrets/${SECRET}/`).count()).toBe(1);
    await expectNoValueInPage("function detail");
  });

  it("lists both functions as its users, and an update asks for every value again", async () => {
    await page.getByRole("link", { name: "Secrets" }).click();
    const row = page.getByRole("row").filter({ hasText: SECRET });
    await row.getByRole("link", { name: NAME }).waitFor();
    expect(await row.getByRole("link", { name: NAME }).getAttribute("href")).toBe(
      `/functions/${NAME}`,
    );
    await row.getByRole("link", { name: `Update ${SECRET}` }).click();
    await field("Key 3").waitFor();
    for (const i of [1, 2, 3]) expect(await field(`Value ${i}`).inputValue()).toBe("");
    expect(await page.getByTestId("write-only-note").textContent()).toMatch(
      /write-only.*enter each value again/,
    );
    await expectNoValueInPage("update form");
    await field("Value 1").fill(API_KEY_2);
    await page.getByRole("button", { name: "Save secret" }).click();
    await expect.poll(() => field("Value 2").getAttribute("aria-invalid")).toBe("true");
    // The rows follow the API's sorted key names: api-key, cert.der, webhook. Drop cert.der.
    expect(await field("Key 2").inputValue()).toBe("cert.der");
    await page.getByRole("button", { name: "Remove key 2" }).click();
    expect(await field("Key 2").inputValue()).toBe("webhook");
    await field("Value 2").fill(WEBHOOK_2);
    await page.getByRole("button", { name: "Save secret" }).click();
    await page.waitForURL("**/secrets");
    await expect.poll(() => row.textContent()).toContain("api-key, webhook");
    expect(await row.textContent()).not.toContain("cert.der");
    await expectNoValueInPage("secrets list after update");
  });

  it("deletes it only when forced, naming the functions that use it", async () => {
    await page.getByRole("button", { name: `Delete ${SECRET}` }).click();
    const dialog = page.getByRole("dialog");
    const users = (await dialog.getByTestId("secret-used-by").textContent())!.split(", ");
    expect(users.sort()).toEqual([NAME, OTHER].sort());
    const confirm = dialog.getByRole("button", { name: "Delete secret" });
    expect(await confirm.isDisabled()).toBe(true);
    await expectAccessible("delete secret dialog");
    await dialog.getByRole("checkbox", { name: "Delete anyway" }).check();
    await confirm.click();
    await page.getByRole("heading", { name: "No secrets yet" }).waitFor();
    await expectNoValueInPage("after delete");
  });

  it("sent each value only in the request that set it, and received none in any response", async () => {
    const responses = await recorder.responses();
    expect(recorder.unreadable).toEqual([]);
    // The recorder saw every response the page got, including the API's answers with the
    // key names and the log stream, so a value in any of them would be found.
    const recorded = new Set(responses.map((r) => r.url));
    expect(responseUrls.filter((url) => !recorded.has(url))).toEqual([]);
    expect(
      responses.some(
        (r) =>
          r.url.endsWith("/v1/secrets") &&
          r.text.includes('"api-key"') &&
          r.text.includes('"webhook"'),
      ),
    ).toBe(true);
    expect(responses.some((r) => r.mimeType === "text/event-stream")).toBe(true);
    const create = `POST /v1/secrets`;
    const update = `PUT /v1/secrets/${SECRET}`;
    const expected: [string | Buffer, string][] = [
      [API_KEY, create],
      [WEBHOOK, create],
      [FILE_BYTES, create],
      [API_KEY_2, update],
      [WEBHOOK_2, update],
    ];
    for (const [value, where] of expected) {
      const label = typeof value === "string" ? value : "the file";
      const carriers = requests
        .filter((r) => forms(value).some((form) => r.text.includes(form)))
        .map((r) => `${r.method} ${r.path}`);
      expect.soft(carriers, `requests carrying ${label}`).toEqual([where]);
      const leaks = responses
        .filter((r) => forms(value).some((form) => r.text.includes(form)))
        .map((r) => r.url);
      expect.soft(leaks, `responses carrying ${label}`).toEqual([]);
    }
    // The file went as its bytes, base64 in `data`, not as mangled text.
    const sent = requests.find((r) => `${r.method} ${r.path}` === create)!;
    expect(sent.text).toContain(`"cert.der":"${FILE_BYTES.toString("base64")}"`);
    // Nor in the controller's own log.
    for (const form of ALL) expect(controller.stderr().includes(form)).toBe(false);
  });

  it("logged no script error in the browser console", () => {
    const errors = consoleErrors.filter((e) => !e.startsWith("Failed to load resource"));
    expect(errors.join("\n")).toBe("");
  });
});
