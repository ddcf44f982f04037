// A log stream that sends what the API never sends (bad JSON, an event missing its line, an
// `error` event that is not JSON) ends the iterator with CLIENT_BAD_RESPONSE; before, the parse
// threw inside the event source's listener, an uncaught exception that killed the program.
// A stand-in HTTP server sends the damaged stream: the real controller cannot be made to.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import { parseLogEvent } from "../../src/client/logs.js";

const GOOD = JSON.stringify({ replica: "r1", stream: "stdout", timestamp: "t", line: "ok" });
const STREAMS: Record<string, string> = {
  "bad-json": `id: 1\nevent: log\ndata: ${GOOD}\n\nid: 2\nevent: log\ndata: {not json\n\n`,
  "no-line": `id: 1\nevent: log\ndata: {"replica":"r1","stream":"stdout","timestamp":"t"}\n\n`,
  "bad-error": `event: error\ndata: <html>oops\n\n`,
};

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const name = /\/v1\/functions\/([^/]+)\/logs/.exec(req.url ?? "")?.[1] ?? "";
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(STREAMS[name] ?? "");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("a damaged log stream", () => {
  it.each(Object.keys(STREAMS))("%s: the iterator ends with CLIENT_BAD_RESPONSE", async (name) => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on("uncaughtException", onUncaught);
    try {
      const client = createClient({ url, token: "t" });
      const seen: string[] = [];
      const run = async () => {
        for await (const entry of client.logs(name, { follow: true })) seen.push(entry.line);
      };
      await expect(run()).rejects.toMatchObject({ code: "CLIENT_BAD_RESPONSE" });
      expect(seen).toEqual(name === "bad-json" ? ["ok"] : []);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it("parseLogEvent takes only the API's shape", () => {
    expect(parseLogEvent(GOOD)).toEqual(JSON.parse(GOOD));
    for (const bad of ["{", "[]", "null", '{"replica":1}', GOOD.replace('"stdout"', '"tty"')])
      expect(parseLogEvent(bad)).toBeUndefined();
  });
});
