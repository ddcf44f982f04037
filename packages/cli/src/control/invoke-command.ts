/** `eventflow invoke NAME [--data TEXT|@FILE|-]`: status and time on stderr, the body on stdout. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import type { CommandIo } from "../io.js";
import {
  formatDuration,
  paint,
  parseOutputFormat,
  renderOutput,
  statusColor,
  visible,
} from "./render.js";

/** Flags of `eventflow invoke`. */
export interface InvokeFlags extends ConnectionFlags {
  data?: string;
  contentType?: string;
  query: string[];
  header: string[];
  method?: string;
  path?: string;
  raw?: boolean;
  output?: string;
  timeout?: string;
  /** Queue it (`Prefer: respond-async`) instead of waiting for the answer. */
  async?: boolean;
  /** With `--async`: wait for the end and print the result. */
  wait?: boolean;
  idempotencyKey?: string;
  callbackUrl?: string;
  /** A traffic tag: the invoke reaches that tag's revision alone. */
  tag?: string;
}

function usage(message: string): EventFlowError {
  return new EventFlowError("CLI_USAGE", message);
}

function pairs(list: readonly string[], sep: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf(sep);
    if (at <= 0) throw usage(`${flag} needs KEY${sep}VALUE, got ${JSON.stringify(item)}`);
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The request body: `--data TEXT`, `--data @FILE`, `--data -` (stdin). JSON-looking text is sent as JSON. */
export async function readInvokeData(
  data: string | undefined,
  io: Pick<CommandIo, "stdin" | "cwd">,
): Promise<{ bytes?: Uint8Array; contentType?: string }> {
  if (data === undefined) return {};
  let bytes: Buffer;
  if (data === "-") {
    if (io.stdin === undefined) throw usage("--data - needs a standard input");
    bytes = await readAll(io.stdin);
  } else if (data.startsWith("@")) {
    const file = resolve(io.cwd, data.slice(1));
    bytes = await readFile(file).catch((error: unknown) => {
      throw usage(`cannot read ${file}: ${(error as Error).message}`);
    });
  } else bytes = Buffer.from(data);
  const text = bytes.toString("utf8").trim();
  let json = false;
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      JSON.parse(text);
      json = true;
    } catch {
      json = false;
    }
  }
  return { bytes, contentType: json ? "application/json" : "application/octet-stream" };
}

function isText(type: string | null): boolean {
  return type === null || /^text\/|json|xml|javascript|x-www-form-urlencoded/i.test(type);
}

/** `eventflow invoke NAME`. */
export async function invokeCommand(name: string, flags: InvokeFlags, io: CommandIo) {
  const format = parseOutputFormat(flags.output);
  const body = await readInvokeData(flags.data, io);
  const contentType = flags.contentType ?? body.contentType;
  if (flags.async === true) {
    if (flags.method !== undefined || flags.path !== undefined)
      throw usage("--async sends POST to the function's root: no --method or --path");
    if (flags.tag !== undefined) throw usage("--tag goes without --async");
    const { invokeAsyncCommand } = await import("./invocations-command.js");
    await invokeAsyncCommand(
      {
        name,
        ...(body.bytes === undefined ? {} : { bytes: body.bytes }),
        ...(contentType === undefined ? {} : { contentType }),
        query: pairs(flags.query, "=", "--query"),
        headers: pairs(flags.header, ":", "--header"),
        ...(flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey }),
        ...(flags.callbackUrl === undefined ? {} : { callbackUrl: flags.callbackUrl }),
        wait: flags.wait === true,
        ...(flags.output === undefined ? {} : { output: flags.output }),
      },
      flags,
      io,
    );
    return;
  }
  if (flags.wait === true || flags.idempotencyKey !== undefined || flags.callbackUrl !== undefined)
    throw usage("--wait, --idempotency-key and --callback-url go with --async");
  const { client, context } = await connect(flags, io.env);
  const answer = await client.invoke(name, {
    ...(body.bytes === undefined ? {} : { bytes: body.bytes }),
    ...(contentType === undefined ? {} : { contentType }),
    query: pairs(flags.query, "=", "--query"),
    headers: pairs(flags.header, ":", "--header"),
    ...(flags.method === undefined ? {} : { method: flags.method }),
    ...(flags.path === undefined ? {} : { path: flags.path }),
    ...(flags.tag === undefined ? {} : { tag: flags.tag }),
    signal: io.signal,
    ...(context.tenant === undefined ? {} : { tenant: context.tenant }),
  });
  if (format === "json" || format === "yaml") {
    const type = answer.headers.get("content-type");
    const text = isText(type);
    io.stdout.write(
      await renderOutput(format, {
        text: () => "",
        data: {
          status: answer.status,
          durationMs: Math.round(answer.durationMs * 10) / 10,
          requestId: answer.requestId,
          revision: answer.revision,
          headers: Object.fromEntries(answer.headers),
          ...(text
            ? { body: answer.text() }
            : { bodyBase64: Buffer.from(answer.body).toString("base64") }),
        },
      }),
    );
    return;
  }
  if (!flags.raw) {
    const c = io.env.color;
    const about = [
      ...(answer.requestId ? [`request ${answer.requestId}`] : []),
      ...(answer.revision ? [`revision ${visible(answer.revision)}`] : []),
    ].join(", ");
    io.stderr.write(
      `${paint(c, statusColor(answer.status), String(answer.status))} in ${formatDuration(answer.durationMs)}${about ? paint(c, "dim", ` (${about})`) : ""}\n`,
    );
  }
  io.stdout.write(answer.body);
  if (!flags.raw && answer.body.length > 0 && answer.body.at(-1) !== 10) io.stdout.write("\n");
}
