/**
 * The values of `eventflow secret create|update`: `--from-literal KEY=VALUE` (`KEY=-` reads
 * standard input), `--from-file [KEY=]PATH` and `--from-env-file PATH`. Parsing is pure; reading
 * files and stdin is the one async step. No message ever carries a value: a mistyped flag may
 * hold a secret, so errors name the flag, its position, the file and the line instead.
 */
import { createReadStream } from "node:fs";
import { basename, resolve } from "node:path";
import { EventFlowError, MAX_SECRET_BYTES } from "@eventflow/protocol";
import { secretKeySchema } from "@eventflow/protocol/function-spec";

/** The source flags, each repeatable. */
export interface SecretSourceFlags {
  fromLiteral?: string[] | undefined;
  fromFile?: string[] | undefined;
  fromEnvFile?: string[] | undefined;
}

/** One value to read: given inline, from a file, or from standard input. */
export type SecretSource =
  | { readonly key: string; readonly from: string; readonly literal: string }
  | { readonly key: string; readonly from: string; readonly file: string }
  | { readonly key: string; readonly from: string; readonly stdin: true };

function usage(message: string, details?: unknown): EventFlowError {
  return new EventFlowError("CLI_USAGE", message, details === undefined ? {} : { details });
}

/** Why `key` is not a key a secret may have, or undefined when it is one. */
function keyProblem(key: string): string | undefined {
  const result = secretKeySchema.safeParse(key);
  return result.success ? undefined : `the key ${result.error.issues[0]?.message ?? "is invalid"}`;
}

/**
 * A key as a secret may have it; `from` says where it came from. `echo` shows the key in the
 * error: only for keys taken from a file name, since text before an `=` may be a pasted value
 * (a base64 secret ends in `=`).
 */
export function checkSecretKey(key: string, from: string, echo = false): string {
  const why = keyProblem(key);
  if (why === undefined) return key;
  throw usage(`${from}: ${echo ? `${JSON.stringify(key)}: ` : ""}${why}`, [
    { path: from, message: why },
  ]);
}

/** `--from-literal KEY=VALUE` (the first `=` splits; the value may be empty or hold `=`). */
export function parseLiteral(item: string, index: number): SecretSource {
  const from = `--from-literal #${index + 1}`;
  const at = item.indexOf("=");
  // The text may be a value typed without its key: it is not echoed.
  if (at <= 0) throw usage(`${from} needs KEY=VALUE (or KEY=- to read the value from stdin)`);
  const key = checkSecretKey(item.slice(0, at), from);
  const value = item.slice(at + 1);
  return value === "-" ? { key, from, stdin: true } : { key, from, literal: value };
}

/** `--from-file KEY=PATH`, or `--from-file PATH` (the key is the file's name). */
export function parseFileSource(item: string, index: number, cwd: string): SecretSource {
  const from = `--from-file #${index + 1}`;
  const at = item.indexOf("=");
  const [key, path] = at < 0 ? [basename(item), item] : [item.slice(0, at), item.slice(at + 1)];
  if (path === "") throw usage(`${from} needs [KEY=]PATH, the path is empty`);
  return { key: checkSecretKey(key, from, true), from, file: resolve(cwd, path) };
}

/** One `KEY=VALUE` line of an env file. */
export interface EnvFileEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based. */
  readonly line: number;
}

/**
 * The lines of an env file as entries: `KEY=VALUE` per line, the value verbatim
 * (no quotes removed, as kubectl reads it); blank lines and `#` comments skipped. A bad line is
 * refused by its number, without its text.
 */
export function parseEnvFile(text: string, file: string): EnvFileEntry[] {
  const entries: EnvFileEntry[] = [];
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const where = { file, line: i + 1 };
    const at = line.indexOf("=");
    if (at < 0)
      throw usage(`${file}:${i + 1}: not KEY=VALUE`, [
        { ...where, message: "not KEY=VALUE (a line without '=')" },
      ]);
    const key = line.slice(0, at).trimStart();
    const why = keyProblem(key);
    if (why !== undefined) throw usage(`${file}:${i + 1}: ${why}`, [{ ...where, message: why }]);
    entries.push({ key, value: line.slice(at + 1), line: i + 1 });
  }
  return entries;
}

/** Refuses a key given twice, naming both places. */
function add(values: Map<string, string>, key: string, from: string): void {
  const first = values.get(key);
  if (first !== undefined)
    throw usage(`key ${JSON.stringify(key)} is given twice (${first} and ${from})`, [
      { path: from, message: `key ${key} also comes from ${first}` },
    ]);
  values.set(key, from);
}

/**
 * Every source of the flags, in flag order, checked for keys given twice, more than one
 * `KEY=-`, and none at all (a secret needs a key). Env files are read here too, since their
 * keys are known only once read.
 */
export async function collectSecretSources(
  flags: SecretSourceFlags,
  cwd: string,
): Promise<SecretSource[]> {
  const sources: SecretSource[] = [
    ...(flags.fromLiteral ?? []).map((item, i) => parseLiteral(item, i)),
    ...(flags.fromFile ?? []).map((item, i) => parseFileSource(item, i, cwd)),
  ];
  for (const [i, item] of (flags.fromEnvFile ?? []).entries()) {
    const file = resolve(cwd, item);
    const text = await readSourceFile(file, `--from-env-file #${i + 1}`);
    for (const { key, value, line } of parseEnvFile(text.toString("utf8"), file))
      sources.push({ key, from: `${file}:${line}`, literal: value });
  }
  const seen = new Map<string, string>();
  for (const s of sources) add(seen, s.key, s.from);
  if (sources.filter((s) => "stdin" in s).length > 1)
    throw usage("only one --from-literal KEY=- can read standard input");
  if (sources.length === 0)
    throw usage(
      "a secret needs at least one key: --from-literal KEY=VALUE, --from-file [KEY=]PATH or --from-env-file PATH",
    );
  return sources;
}

const tooLarge = (from: string) =>
  usage(`${from}: more than ${MAX_SECRET_BYTES} bytes (1 MiB), the most a secret holds`);

/**
 * A stream's bytes, at most `MAX_SECRET_BYTES`: reading stops there, so `/dev/urandom` or a
 * huge file is refused instead of filling memory.
 */
async function readCapped(stream: NodeJS.ReadableStream, from: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = Buffer.from(chunk as Buffer);
    size += bytes.length;
    if (size > MAX_SECRET_BYTES) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw tooLarge(from);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

// A stream, not readFile: `--from-file KEY=/dev/stdin` and other pipes and devices work too.
async function readSourceFile(file: string, from: string): Promise<Buffer> {
  try {
    return await readCapped(createReadStream(file), from);
  } catch (error) {
    if (error instanceof EventFlowError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : `cannot read (${code})`;
    throw usage(`${from}: ${file}: ${why}`, [{ path: file, message: why }]);
  }
}

/**
 * The values: literals as text, files as bytes, stdin as text without one trailing newline
 * (`echo VALUE |` adds it; `--from-file KEY=/dev/stdin` keeps every byte). Each source and all
 * together are refused above 1 MiB before anything is sent.
 */
export async function readSecretValues(
  sources: readonly SecretSource[],
  stdin: NodeJS.ReadableStream | undefined,
): Promise<Record<string, string | Uint8Array>> {
  const values: Record<string, string | Uint8Array> = {};
  for (const s of sources) {
    if ("literal" in s) values[s.key] = s.literal;
    else if ("file" in s) values[s.key] = await readSourceFile(s.file, s.from);
    else {
      if (stdin === undefined) throw usage(`${s.from}: KEY=- needs a standard input`);
      values[s.key] = (await readCapped(stdin, s.from)).toString("utf8").replace(/\r?\n$/, "");
    }
  }
  const total = Object.values(values).reduce(
    (n, v) => n + (typeof v === "string" ? Buffer.byteLength(v) : v.length),
    0,
  );
  if (total > MAX_SECRET_BYTES) throw tooLarge(`the values together (${total} bytes)`);
  return values;
}
