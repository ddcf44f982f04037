import { describe, expect, it } from "vitest";
import { invoke } from "@eventflow/sdk/testing";
import hello from "../src/index.js";

describe("hello", () => {
  it("greets the world by default", async () => {
    const res = await invoke(hello);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.text()).toBe("Hello, world!");
  });

  it("greets by name", async () => {
    expect((await invoke(hello, { query: { name: "Ada" } })).text()).toBe("Hello, Ada!");
  });
});
