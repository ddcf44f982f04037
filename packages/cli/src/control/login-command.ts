/** `eventflow login`, `eventflow context ...` and `eventflow token create`. */
import { EventFlowError } from "@eventflow/protocol";
import { connect, type ConnectionFlags } from "./connect.js";
import { parseDuration } from "./duration.js";
import {
  contextNotFound,
  readConfigFile,
  withContext,
  withoutContext,
  writeConfigFile,
} from "./contexts.js";
import type { CommandIo } from "../io.js";
import { paint, parseOutputFormat, renderOutput, renderTable, type Column } from "./render.js";
import { EVENTFLOW_VERSION } from "../version.js";

/** Flags of `eventflow login`. */
export interface LoginFlags {
  url?: string;
  token?: string;
  tokenStdin?: boolean;
  dev?: boolean;
  context?: string;
  tenant?: string;
}

async function readToken(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (stream === undefined)
    throw new EventFlowError("CLI_USAGE", "--token-stdin needs a standard input");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8").trim();
}

/**
 * `eventflow login --url URL (--token T | --token-stdin | --dev)`: checks the token against the
 * controller, then saves it as a context (default name `default`) and makes it current.
 */
export async function loginCommand(flags: LoginFlags, io: CommandIo): Promise<void> {
  const config = await readConfigFile(io.env.configPath);
  const name = flags.context ?? "default";
  const url = flags.url ?? io.env.url ?? config.contexts[name]?.url;
  if (url === undefined)
    throw new EventFlowError("CLI_USAGE", "login needs --url URL (the controller's address)");
  const { createClient } = await import("@eventflow/sdk/client");
  const headers = { "user-agent": `eventflow-cli/${EVENTFLOW_VERSION}` };
  const anonymous = createClient({ url, headers, retry: false });
  let token = flags.tokenStdin ? await readToken(io.stdin) : (flags.token ?? io.env.token);
  if (token === undefined) {
    const auth = await anonymous.tokens.authConfig({ signal: io.signal });
    if (flags.dev || auth.devAuth) {
      if (!auth.devAuth)
        throw new EventFlowError(
          "AUTH_DEV_DISABLED",
          "this controller does not hand out dev tokens; pass --token",
        );
      token = (
        await anonymous.tokens.dev({
          signal: io.signal,
          ...(flags.tenant ? { tenant: flags.tenant } : {}),
        })
      ).token;
      io.stderr.write("using a dev token from POST /auth/token (dev auth is on)\n");
    } else if (auth.oidc?.clientId !== undefined) {
      token = await signInWithDevice(
        { issuer: auth.oidc.issuer, audience: auth.oidc.audience, clientId: auth.oidc.clientId },
        io,
      );
    } else {
      const issuer = auth.oidc?.issuer;
      throw new EventFlowError(
        "CLI_USAGE",
        issuer === undefined
          ? "login needs --token TOKEN (or --token-stdin)"
          : `login needs --token TOKEN: get an access token for audience ${auth.oidc?.audience} from ${issuer}`,
      );
    }
  }
  // A wrong URL or a refused token fails here, not on the next command.
  const client = createClient({ url, token, headers, retry: false });
  const functions = await client.functions.list({
    signal: io.signal,
    ...(flags.tenant ? { tenant: flags.tenant } : {}),
  });
  await writeConfigFile(
    io.env.configPath,
    withContext(config, name, {
      url: client.url,
      token,
      ...(flags.tenant ? { tenant: flags.tenant } : {}),
    }),
  );
  io.stderr.write(
    `logged in to ${client.url} as context ${name} (${functions.length} function${functions.length === 1 ? "" : "s"}); saved in ${io.env.configPath}\n`,
  );
}

/** The OIDC device flow: prints where to approve, waits for the token. */
async function signInWithDevice(
  issuer: { issuer: string; audience: string; clientId: string },
  io: CommandIo,
): Promise<string> {
  const { runDeviceFlow } = await import("./device-flow.js");
  const tokens = await runDeviceFlow(issuer, {
    signal: io.signal,
    prompt: (uri, code, complete) =>
      io.stderr.write(
        `To sign in, open ${complete ?? uri}\nand confirm the code ${paint(io.env.color, "bold", code)} (waiting...)\n`,
      ),
  });
  return tokens.accessToken;
}

/** `eventflow context list`. */
export async function contextListCommand(flags: { output?: string }, io: CommandIo) {
  const format = parseOutputFormat(flags.output);
  const config = await readConfigFile(io.env.configPath);
  const rows = Object.entries(config.contexts).map(([name, c]) => ({
    name,
    url: c.url,
    current: name === config.currentContext,
    tenant: c.tenant,
  }));
  const data = { currentContext: config.currentContext, contexts: rows };
  const columns: Column<(typeof rows)[number]>[] = [
    { header: "CURRENT", value: (r) => (r.current ? paint(io.env.color, "green", "*") : "") },
    { header: "NAME", value: (r) => r.name },
    { header: "TENANT", value: (r) => r.tenant ?? "", wide: true },
    { header: "URL", value: (r) => r.url, shrink: true },
  ];
  io.stdout.write(
    await renderOutput(format, {
      data,
      names: rows.map((r) => r.name),
      text: (wide) => renderTable(rows, columns, io.env.columns, { wide }),
    }),
  );
}

/** `eventflow context use NAME`. */
export async function contextUseCommand(name: string, io: CommandIo) {
  const config = await readConfigFile(io.env.configPath);
  const context = config.contexts[name];
  if (context === undefined) throw contextNotFound(name);
  await writeConfigFile(io.env.configPath, withContext(config, name, context));
  io.stderr.write(`now using context ${name} (${context.url})\n`);
}

/** `eventflow context current`: `NAME<TAB>URL`, or the context with -o json|yaml|name. */
export async function contextCurrentCommand(flags: { output?: string }, io: CommandIo) {
  const format = parseOutputFormat(flags.output);
  const config = await readConfigFile(io.env.configPath);
  const name = io.env.context ?? config.currentContext;
  const context = name === undefined ? undefined : config.contexts[name];
  if (name === undefined || context === undefined)
    throw new EventFlowError(
      "CLI_NOT_LOGGED_IN",
      "no current context: run `eventflow login --url URL --token TOKEN`",
    );
  const data = { name, url: context.url, ...(context.tenant ? { tenant: context.tenant } : {}) };
  io.stdout.write(
    await renderOutput(format, {
      data,
      names: [name],
      text: (wide) =>
        `${name}\t${context.url}${wide && context.tenant ? `\t${context.tenant}` : ""}\n`,
    }),
  );
}

/** `eventflow context delete NAME`. */
export async function contextDeleteCommand(name: string, io: CommandIo) {
  const config = await readConfigFile(io.env.configPath);
  await writeConfigFile(io.env.configPath, withoutContext(config, name));
  io.stderr.write(`context ${name} deleted\n`);
}

/** Flags of `eventflow token create`. */
export interface TokenFlags extends ConnectionFlags {
  ttl?: string;
  output?: string;
}

/** `eventflow token create NAME [--ttl 1h]`: a token that may only invoke NAME. */
export async function tokenCreateCommand(fn: string, flags: TokenFlags, io: CommandIo) {
  const format = parseOutputFormat(flags.output);
  let ttlSeconds: number | undefined;
  if (flags.ttl !== undefined) {
    ttlSeconds = Math.ceil(parseDuration("--ttl", flags.ttl) / 1000);
  }
  const { client, context } = await connect(flags, io.env);
  const token = await client.tokens.create(fn, {
    signal: io.signal,
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    ...(context.tenant === undefined ? {} : { tenant: context.tenant }),
  });
  if (format === "json" || format === "yaml")
    io.stdout.write(await renderOutput(format, { data: token, text: () => "" }));
  else {
    io.stdout.write(`${token.token}\n`);
    io.stderr.write(`invoke token for ${token.function}, expires ${token.expires_at}\n`);
  }
}
