/** `eventflow version`: the client's version and the controller's, as `kubectl version` prints them. */
import { EVENTFLOW_VERSION } from "../version.js";
import { connect, type ConnectionFlags } from "./connect.js";
import type { CommandIo } from "../io.js";
import { parseOutputFormat, renderOutput } from "./render.js";

/** Flags of `eventflow version`. */
export interface VersionFlags extends ConnectionFlags {
  output?: string;
  /** Only the client: no controller asked. */
  client?: boolean;
}

/** What `eventflow version -o json` prints. */
export interface VersionInfo {
  readonly clientVersion: { readonly version: string; readonly node: string };
  readonly serverVersion?: {
    readonly version: string;
    readonly url: string;
    readonly driver?: string;
  };
}

/** `Client Version: 0.1.0` and `Server Version: 0.1.0 (URL, driver local)`. */
export function formatVersion(info: VersionInfo): string {
  const server = info.serverVersion;
  return [
    `Client Version: ${info.clientVersion.version}`,
    ...(server === undefined
      ? []
      : [
          `Server Version: ${server.version} (${server.url}${server.driver ? `, driver ${server.driver}` : ""})`,
        ]),
  ]
    .map((line) => `${line}\n`)
    .join("");
}

/**
 * Prints both versions; the server's comes from `/readyz`. When the controller cannot be
 * asked, the client's version is still printed before the error (exit 1), as kubectl does.
 */
export async function versionCommand(flags: VersionFlags, io: CommandIo): Promise<void> {
  const format = parseOutputFormat(flags.output, ["table", "json", "yaml"]);
  const clientVersion = { version: EVENTFLOW_VERSION, node: process.version };
  let info: VersionInfo = { clientVersion };
  if (flags.client !== true) {
    try {
      const { client } = await connect(flags, io.env);
      const ready = await client.ready({ signal: io.signal });
      info = {
        clientVersion,
        serverVersion: {
          version: ready.version ?? "unknown",
          url: client.url,
          ...(ready.driver === undefined ? {} : { driver: ready.driver }),
        },
      };
    } catch (error) {
      if (format === "table") io.stdout.write(formatVersion(info));
      throw error;
    }
  }
  io.stdout.write(await renderOutput(format, { data: info, text: () => formatVersion(info) }));
}
