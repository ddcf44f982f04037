// `eventflow dev`: serves a function with the runtime, rebuilds and restarts on every save, and
// stops the function's process on Ctrl-C.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_BIN } from "../../../../test/cli/index.ts";
import { freePort } from "../../../../test/registry/index.ts";
import { makeProject, removeProjects } from "../helpers.ts";

const handler = (word: string) => `export default function handle() {\n  return "${word}";\n}\n`;

async function get(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url);
    return await res.text();
  } catch {
    return undefined;
  }
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("eventflow dev", () => {
  afterAll(removeProjects);

  it("reloads on change; edit-to-served time is printed; Ctrl-C stops the function", async () => {
    const dir = await makeProject({
      "package.json": '{"name":"devfn"}',
      "src/index.ts": handler("one"),
    });
    const port = await freePort();
    const child = spawn(process.execPath, [CLI_BIN, "dev", dir, "--port", String(port)], {
      env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const url = `http://127.0.0.1:${port}/`;
    try {
      await until("first serve", async () => ((await get(url)) === "one" ? true : undefined));
      await until("the serving line", async () =>
        /serving devfn on http:\/\/127\.0\.0\.1:\d+ in /.test(stderr) ? true : undefined,
      );
      const timings: number[] = [];
      for (const word of ["two", "three", "four"]) {
        const saved = performance.now();
        await writeFile(join(dir, "src/index.ts"), handler(word));
        await until(`serving ${word}`, async () => ((await get(url)) === word ? true : undefined));
        timings.push(performance.now() - saved);
      }
      await until("three reload lines", async () =>
        (stderr.match(/reloaded devfn/g)?.length ?? 0) >= 3 ? true : undefined,
      );
      // A broken save keeps the last good version serving and says what is wrong.
      await writeFile(join(dir, "src/index.ts"), "export default function ( {\n");
      await until("the bundle error", async () =>
        /error: src\/index\.ts:\d+/.test(stderr) ? true : undefined,
      );
      expect(await get(url)).toBe("four");
      process.stdout.write(
        `eventflow dev edit-to-served ms: ${timings.map((t) => t.toFixed(0)).join(", ")}\n`,
      );
    } finally {
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => resolve(code)),
      );
      child.kill("SIGINT");
      expect(await exited).toBe(130);
    }
    await until(
      "the function's process to stop",
      async () => ((await get(url)) === undefined ? true : undefined),
      5_000,
    );
  }, 60_000);
});
