import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { readSmallBody } from "../../src/invoke/request-body.js";

/** Sends one POST with `body` in the same write as its headers; resolves the server's request. */
async function requestAsHandedOver(
  body: string,
  take: (req: IncomingMessage) => Buffer | Promise<Buffer>,
): Promise<{ sync: boolean; body: string; listeners: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      // Counts the data listeners the reader adds (it removes them when done).
      let listeners = 0;
      const on = req.on.bind(req);
      req.on = ((event: string, fn: (...args: unknown[]) => void) => {
        if (event === "data") listeners++;
        return on(event, fn);
      }) as typeof req.on;
      // Called as Node hands the request over: headers parsed, body not yet.
      const got = take(req);
      const sync = !(got instanceof Promise);
      void Promise.resolve(got).then((b) => {
        resolve({ sync, body: b.toString(), listeners });
        res.end();
        server.close();
      }, reject);
    });
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      const r = request({ port, method: "POST", headers: { "content-length": body.length } });
      r.on("error", reject);
      r.end(body);
    });
  });
}

describe("readSmallBody", () => {
  it("takes a body that came with the headers once the parser is done, without listeners", async () => {
    const seen = await requestAsHandedOver('{"a":1}', (req) => readSmallBody(req, 7));
    expect(seen.body).toBe('{"a":1}');
    expect(seen.listeners).toBe(0);
  });

  it("takes a body already in the buffer at once", async () => {
    const s = new PassThrough();
    s.write("hello");
    const got = readSmallBody(s, 5);
    expect(Buffer.isBuffer(got)).toBe(true);
    expect(String(got)).toBe("hello");
  });

  it("waits for a body that trickles in", async () => {
    const s = new PassThrough();
    const got = readSmallBody(s, 10);
    expect(got).toBeInstanceOf(Promise);
    setTimeout(() => s.write("hello"), 5);
    setTimeout(() => s.end("world"), 10);
    expect(String(await got)).toBe("helloworld");
  });

  it("fails at once for a client already gone", async () => {
    const s = new PassThrough();
    s.destroy();
    await expect(readSmallBody(s, 10)).rejects.toMatchObject({ name: "ClientAborted" });
  });
});
