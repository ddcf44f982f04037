// `eventflow dev`: serves a function with the runtime, rebuilds and restarts on every save, and
// stops the function's process on Ctrl-C.
import { spawn } from "node:child_process";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
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

/** Whether something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Saves the way editors that never write in place do (the old file's inode is replaced). */
const renameSaves = {
  // vim (backupcopy=no): the original becomes the backup, a new file is written, backup removed.
  async vim(file: string, text: string) {
    await rename(file, `${file}~`);
    await writeFile(file, text);
    await rm(`${file}~`);
  },
  // JetBrains "safe write": a temp file, the original moved aside, the temp renamed in.
  async jetbrains(file: string, text: string) {
    await writeFile(`${file}___jb_tmp___`, text);
    await rename(file, `${file}___jb_old___`);
    await rename(`${file}___jb_tmp___`, file);
    await rm(`${file}___jb_old___`);
  },
  // sed -i: a temp file in the same directory renamed over the original.
  async sed(file: string, text: string) {
    const temp = file.replace(/[^/]+$/, "sedAbC123");
    await writeFile(temp, text);
    await rename(temp, file);
  },
};

function startDev(dir: string, port: number) {
  const child = spawn(process.execPath, [CLI_BIN, "dev", dir, "--port", String(port)], {
    env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stderr: "" };
  child.stderr.on("data", (c: Buffer) => (out.stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, out, exited };
}

describe("eventflow dev", () => {
  afterAll(removeProjects);

  it("serves every save made by rename (vim, JetBrains safe write, sed -i), several in a row", async () => {
    const dir = await makeProject({
      "package.json": '{"name":"renamefn"}',
      "src/index.ts": handler("zero"),
    });
    const port = await freePort();
    const dev = startDev(dir, port);
    const url = `http://127.0.0.1:${port}/`;
    const file = join(dir, "src/index.ts");
    try {
      await until("first serve", async () => ((await get(url)) === "zero" ? true : undefined));
      const styles = ["vim", "jetbrains", "sed", "vim", "jetbrains", "sed"] as const;
      for (const [i, style] of styles.entries()) {
        const word = `${style}-${i}`;
        await renameSaves[style](file, handler(word));
        // Before the fix the recursive watch lost src/index.ts after the first rename.
        await until(`serving ${word}`, async () => ((await get(url)) === word ? true : undefined));
      }
      // A directory made after start is watched too.
      await writeFile(join(dir, "src/index.ts"), 'export { default } from "./lib/answer.ts";\n');
      await until("the lib import to fail", async () =>
        /error: /.test(dev.out.stderr) ? true : undefined,
      );
      await mkdir(join(dir, "src/lib"));
      await writeFile(join(dir, "src/lib/answer.ts"), handler("from lib"));
      await writeFile(join(dir, "src/index.ts"), 'export { default } from "./lib/answer.ts";\n');
      await until("serving from lib", async () =>
        (await get(url)) === "from lib" ? true : undefined,
      );
      await renameSaves.sed(join(dir, "src/lib/answer.ts"), handler("lib renamed"));
      await until("serving lib renamed", async () =>
        (await get(url)) === "lib renamed" ? true : undefined,
      );
    } finally {
      dev.child.kill("SIGINT");
      await dev.exited;
    }
  }, 60_000);

  it.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)(
    "%s stops eventflow dev and its function: the port no longer listens",
    async (signal, code) => {
      const dir = await makeProject({
        "package.json": '{"name":"sigfn"}',
        "src/index.ts": handler("up"),
      });
      const port = await freePort();
      const dev = startDev(dir, port);
      const url = `http://127.0.0.1:${port}/`;
      await until("first serve", async () => ((await get(url)) === "up" ? true : undefined));
      dev.child.kill(signal);
      const exit = await dev.exited;
      // Before the fix the CLI died of the signal and its runtime child kept the port.
      await until(
        "the function's port to close",
        async () => ((await listening(port)) ? undefined : true),
        5_000,
      );
      expect(await listening(port)).toBe(false);
      expect(exit).toEqual({ code, signal: null });
    },
    30_000,
  );

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
