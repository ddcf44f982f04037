import { describe, expect, it } from "vitest";
import { invoke } from "@eventflow/sdk/testing";
import stream from "../src/index.js";

describe("streaming", () => {
  it("streams one NDJSON line per step", async () => {
    const res = await invoke(stream, { query: { steps: "3", delayMs: "5" } });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/x-ndjson");
    const lines = res
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { step: number });
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
  });
});
