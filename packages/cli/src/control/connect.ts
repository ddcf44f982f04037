/** Connects a control command to its controller: config file + flags + environment -> SDK client. */
import type { EventFlowClient } from "@eventflow/sdk/client";
import { readConfigFile, resolveContext, type ResolvedContext } from "./contexts.js";
import type { CliEnvironment } from "../config.js";
import { EVENTFLOW_VERSION } from "../version.js";

/** Flags every command that talks to the controller accepts. */
export interface ConnectionFlags {
  context?: string;
  url?: string;
  token?: string;
}

/** A connected command's client and where it points. */
export interface Connection {
  readonly client: EventFlowClient;
  readonly context: ResolvedContext;
}

/** Resolves the context and creates the client (the SDK loads only for commands that need it). */
export async function connect(flags: ConnectionFlags, env: CliEnvironment): Promise<Connection> {
  const config = await readConfigFile(env.configPath);
  const context = resolveContext(config, {
    ...((flags.context ?? env.context) ? { context: flags.context ?? env.context } : {}),
    ...((flags.url ?? env.url) ? { url: flags.url ?? env.url } : {}),
    ...((flags.token ?? env.token) ? { token: flags.token ?? env.token } : {}),
  });
  const { createClient } = await import("@eventflow/sdk/client");
  const client = createClient({
    url: context.url,
    token: context.token,
    headers: { "user-agent": `eventflow-cli/${EVENTFLOW_VERSION}` },
  });
  return { client, context };
}
