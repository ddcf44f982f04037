import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";

function capture() {
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { sink, text: () => text };
}

describe("createLogger", () => {
  it("writes JSON lines and redacts credentials wherever they appear", () => {
    const out = capture();
    const log = createLogger("info", out.sink);
    log.info(
      {
        req: {
          headers: { authorization: "Bearer secret-1", cookie: "sid=secret-2", accept: "*/*" },
        },
        res: { headers: { "set-cookie": "sid=secret-3" } },
        token: "secret-4",
        body: { token: "secret-5" },
        config: { auth: { jwtSecret: "secret-6" } },
        headers: { authorization: "Basic secret-7" },
      },
      "hello",
    );
    const line = JSON.parse(out.text()) as Record<string, unknown>;
    expect(line["msg"]).toBe("hello");
    expect(line["service"]).toBe("eventflow-controller");
    expect(out.text()).not.toMatch(/secret-\d/);
    expect(out.text()).toContain("[redacted]");
    expect((line["req"] as { headers: { accept: string } }).headers.accept).toBe("*/*");
  });

  it("honours the level", () => {
    const out = capture();
    const log = createLogger("warn", out.sink);
    log.info("quiet");
    log.warn("loud");
    expect(out.text()).not.toContain("quiet");
    expect(out.text()).toContain("loud");
  });
});
