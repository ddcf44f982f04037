import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { CONTROLLER_VERSION } from "../src/version.js";

describe("CONTROLLER_VERSION", () => {
  it("is the version in the controller's package.json", async () => {
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(CONTROLLER_VERSION).toBe(pkg.version);
  });
});
