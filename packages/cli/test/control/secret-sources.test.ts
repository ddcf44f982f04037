// `eventflow secret create|update` value flags: parsing (pure) and reading files and stdin.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { isEventFlowError, type EventFlowError } from "@eventflow/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectSecretSources,
  parseEnvFile,
  parseFileSource,
  parseLiteral,
  readSecretValues,
} from "../../src/control/secret-sources.js";

async function rejection(work: () => unknown): Promise<EventFlowError> {
  let error: unknown;
  try {
    await work();
  } catch (e) {
    error = e;
  }
  if (!isEventFlowError(error)) throw new Error(`expected an EventFlowError, got ${String(error)}`);
  return error;
}

const SECRET = "sk_live_DO_NOT_PRINT";

describe("parseLiteral", () => {
  it.each([
    ["api-key=abc", { key: "api-key", literal: "abc" }],
    ["k=a=b==", { key: "k", literal: "a=b==" }],
    ["EMPTY=", { key: "EMPTY", literal: "" }],
    ["token=-", { key: "token", stdin: true }],
  ])("%j", (item, expected) => {
    expect(parseLiteral(item, 0)).toEqual({ ...expected, from: "--from-literal #1" });
  });

  it.each([SECRET, `=${SECRET}`, `../x=${SECRET}`, `a b=${SECRET}`, `${SECRET}`])(
    "refuses %j with CLI_USAGE, naming the flag's position and not its text",
    async (item) => {
      const error = await rejection(() => parseLiteral(item, 2));
      expect(error.code).toBe("CLI_USAGE");
      expect(error.message).toContain("--from-literal #3");
      expect(error.message).not.toContain(SECRET);
      expect(JSON.stringify(error.details ?? null)).not.toContain(SECRET);
    },
  );
});

describe("parseFileSource", () => {
  it("KEY=PATH, or PATH with the file's name as key, resolved against the working directory", () => {
    expect(parseFileSource("tls.crt=certs/server.pem", 0, "/w")).toEqual({
      key: "tls.crt",
      file: "/w/certs/server.pem",
      from: "--from-file #1",
    });
    expect(parseFileSource("/etc/ssl/ca.pem", 1, "/w")).toMatchObject({
      key: "ca.pem",
      file: "/etc/ssl/ca.pem",
    });
  });

  it.each(["k=", "bad key=/x", "/"])("refuses %j", async (item) => {
    expect((await rejection(() => parseFileSource(item, 0, "/w"))).code).toBe("CLI_USAGE");
  });
});

describe("parseEnvFile", () => {
  it("KEY=VALUE lines verbatim; blank lines, comments, CRLF and a BOM handled", () => {
    const text = '\uFEFF# db\r\nDB_USER=app\r\n\n  DB_PASS=p="q" # kept\nEMPTY=\n';
    expect(parseEnvFile(text, "/w/.env")).toEqual([
      { key: "DB_USER", value: "app", line: 2 },
      { key: "DB_PASS", value: 'p="q" # kept', line: 4 },
      { key: "EMPTY", value: "", line: 5 },
    ]);
  });

  it.each([
    [`A=1\n${SECRET}\n`, 2],
    [`A=1\n\n# c\n${SECRET}+/x==\n`, 4],
    [`export ${SECRET}=x\n`, 1],
    [`=${SECRET}\n`, 1],
  ])("a bad line is refused by its number, without its text: %j", async (text, line) => {
    const error = await rejection(() => parseEnvFile(text, "/w/.env"));
    expect(error.code).toBe("CLI_USAGE");
    expect(error.message).toContain(`/w/.env:${line}:`);
    expect(error.details).toEqual([{ file: "/w/.env", line, message: expect.any(String) }]);
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error.details)).not.toContain(SECRET);
  });
});

describe("collectSecretSources and readSecretValues", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cli-secret-sources-"));
    await writeFile(join(dir, "ca.pem"), Buffer.from([0, 1, 2, 255]));
    await writeFile(join(dir, "app.env"), "USER=app\nPASS=pw\n");
    await writeFile(join(dir, "empty.env"), "# nothing\n\n");
    await mkdir(join(dir, "a-dir"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads literals as text, files as bytes, env files as text, stdin without its newline", async () => {
    const sources = await collectSecretSources(
      {
        fromLiteral: ["greeting=hi", "token=-"],
        fromFile: ["ca.pem"],
        fromEnvFile: ["app.env"],
      },
      dir,
    );
    expect(sources.map((s) => s.key)).toEqual(["greeting", "token", "ca.pem", "USER", "PASS"]);
    const values = await readSecretValues(sources, Readable.from([Buffer.from(`${SECRET}\n`)]));
    expect(values).toEqual({
      greeting: "hi",
      token: SECRET,
      "ca.pem": Buffer.from([0, 1, 2, 255]),
      USER: "app",
      PASS: "pw",
    });
  });

  it.each([
    [{ fromLiteral: ["k=1", "k=2"] }, "twice"],
    [{ fromLiteral: ["USER=1"], fromEnvFile: ["app.env"] }, "twice"],
    [{ fromFile: ["ca.pem", "x/ca.pem"] }, "twice"],
    [{ fromLiteral: ["a=-", "b=-"] }, "standard input"],
    [{}, "at least one key"],
    [{ fromEnvFile: ["empty.env"] }, "at least one key"],
  ])("refuses %j (%s) with CLI_USAGE", async (flags, what) => {
    const error = await rejection(() => collectSecretSources(flags, dir));
    expect(error.code).toBe("CLI_USAGE");
    expect(error.message).toContain(what);
  });

  it.each([
    [{ fromEnvFile: ["missing.env"] }, "no such file"],
    [{ fromEnvFile: ["a-dir"] }, "is a directory"],
  ])("an env file that cannot be read: %j", async (flags, why) => {
    const error = await rejection(() => collectSecretSources(flags, dir));
    expect(error).toMatchObject({ code: "CLI_USAGE" });
    expect(error.message).toContain(why);
  });

  it("over 1 MiB is refused while reading: a big file, an endless device, stdin, the sum", async () => {
    await writeFile(join(dir, "big.bin"), Buffer.alloc(1024 * 1024 + 1));
    await writeFile(join(dir, "half.bin"), Buffer.alloc(600 * 1024));
    const read = async (flags: Parameters<typeof collectSecretSources>[0], stdin?: Readable) =>
      rejection(async () =>
        readSecretValues(await collectSecretSources(flags, dir), stdin ?? Readable.from([])),
      );
    for (const error of [
      await read({ fromFile: ["big.bin"] }),
      // Never ends: without the cap this would fill memory.
      await read({ fromFile: ["zero=/dev/zero"] }),
      await read({ fromEnvFile: ["big.bin"] }),
      await read({ fromLiteral: ["k=-"] }, Readable.from([Buffer.alloc(1024 * 1024 + 2)])),
      await read({ fromFile: ["a=half.bin", "b=half.bin"] }),
    ]) {
      expect(error.code).toBe("CLI_USAGE");
      expect(error.message).toContain("1 MiB");
    }
    const exact = await readSecretValues(
      await collectSecretSources({ fromFile: ["half.bin"] }, dir),
      undefined,
    );
    expect((exact["half.bin"] as Uint8Array).length).toBe(600 * 1024);
  });

  it("a --from-file that cannot be read, and KEY=- without a standard input", async () => {
    const sources = await collectSecretSources({ fromFile: ["k=nope.pem"] }, dir);
    const missing = await rejection(() => readSecretValues(sources, undefined));
    expect(missing.code).toBe("CLI_USAGE");
    expect(missing.message).toContain(join(dir, "nope.pem"));
    const stdin = await collectSecretSources({ fromLiteral: ["k=-"] }, dir);
    expect((await rejection(() => readSecretValues(stdin, undefined))).code).toBe("CLI_USAGE");
  });
});
