// The client running in a real browser (Debian's Chromium, headless, driven by playwright-core):
// the esbuild browser bundle is served from the same origin as the controller (a small proxy
// in front of it), and the page lists, invokes, reads logs and gets a typed error.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import { startClientTestEnv, type ClientTestEnv } from "./controller.js";

const ENTRY = fileURLToPath(new URL("../../src/client/index.ts", import.meta.url));

// Runs in the page: everything the dashboard does with the client.
const PAGE_SCRIPT = `
import { createClient, isEventFlowError } from "@eventflow/sdk/client";
window.runClient = async (token) => {
  const client = createClient({ url: location.origin, token });
  const names = (await client.functions.list()).map((f) => f.name);
  const answer = await client.invoke("web", { json: { from: "browser" }, query: { op: "echo" } });
  const lines = [];
  for await (const entry of client.logs("web", { tail: 100 })) lines.push(entry.line);
  let error;
  try {
    await client.functions.get("missing");
  } catch (e) {
    error = isEventFlowError(e) ? { code: e.code, status: e.status, requestId: e.requestId } : String(e);
  }
  return { names, status: answer.status, body: answer.json(), logLines: lines.length, error };
};
`;

describe("@eventflow/sdk/client in Chromium", () => {
  let env: ClientTestEnv;
  let server: Server;
  let browser: Browser;
  let origin: string;
  let token: string;

  beforeAll(async () => {
    env = await startClientTestEnv("sdk-browser");
    const client = createClient({ url: env.url });
    token = (await client.tokens.dev()).token;
    const authed = createClient({ url: env.url, token });
    await authed.functions.create({ name: "web", image: env.image });
    await authed.functions.waitUntilReady("web", { timeout: 20_000 });
    const bundle = await build({
      stdin: {
        contents: PAGE_SCRIPT,
        resolveDir: fileURLToPath(new URL(".", import.meta.url)),
        loader: "js",
      },
      alias: { "@eventflow/sdk/client": ENTRY },
      bundle: true,
      platform: "browser",
      format: "esm",
      conditions: ["@eventflow/source"],
      write: false,
      logLevel: "silent",
    });
    const js = bundle.outputFiles[0]!.text;
    const upstream = new URL(env.url);
    server = createServer((req, res) => {
      if (req.url === "/") {
        res
          .writeHead(200, { "content-type": "text/html" })
          .end('<script type="module" src="/app.js"></script>');
        return;
      }
      if (req.url === "/app.js") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(js);
        return;
      }
      const proxied = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(proxied);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await env?.close();
  });

  it("lists, invokes, reads logs and gets EventFlowError with code and request id", async () => {
    const page = await browser.newPage();
    await page.goto(origin);
    await page.waitForFunction(() => "runClient" in globalThis);
    const result = await page.evaluate(
      (t) => (globalThis as unknown as { runClient: (t: string) => Promise<unknown> }).runClient(t),
      token,
    );
    expect(result).toMatchObject({
      names: ["web"],
      status: 200,
      body: { from: "browser" },
      error: { code: "FUNCTION_NOT_FOUND", status: 404, requestId: expect.any(String) },
    });
    expect((result as { logLines: number }).logLines).toBeGreaterThan(0);
  }, 30_000);
});
