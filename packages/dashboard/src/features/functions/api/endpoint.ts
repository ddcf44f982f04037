/**
 * The function's HTTP endpoint as a user calls it: a curl command to paste into a shell, and
 * words for a body limit. Pure, so the exact text is tested.
 */
import type { FunctionAuth } from "@eventflow/protocol/function-spec";

/**
 * `text` as one single-quoted shell word. The URL comes from the controller (its public URL
 * setting), so a quote or `$(...)` in it must stay text when the command is pasted.
 */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * `curl` for the endpoint: token functions send `$EVENTFLOW_TOKEN` (expanded by the shell, so
 * no token is ever written into the copied text), public ones no credentials at all.
 */
export function buildCurl(url: string, auth: FunctionAuth | undefined): string {
  const header = auth === "public" ? "" : ` -H "Authorization: Bearer $EVENTFLOW_TOKEN"`;
  return `curl -i${header} ${shellQuote(url)}`;
}

/** "64 KiB", "1.5 MiB", "100 bytes": a body limit for people. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}
