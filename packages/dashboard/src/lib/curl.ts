/**
 * Calling a function from a shell: single-quoted words and a curl command, pure so the exact
 * text is tested; and the clipboard the pages copy them to.
 */
import type { FunctionAuth } from "@eventflow/protocol/function-spec";

/**
 * `text` as one single-quoted shell word. The URL comes from the controller (its public URL
 * setting) and headers and bodies from the user, so a quote or `$(...)` in them must stay text
 * when the command is pasted.
 */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A request to a function's URL, as {@link buildCurl} writes it. */
export interface CurlRequest {
  readonly url: string;
  readonly auth: FunctionAuth | undefined;
  /** Default GET (curl's own). */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * `curl` for a request: token functions send `$EVENTFLOW_TOKEN` (expanded by the shell, so no
 * token is ever written into the copied text), public ones no credentials at all.
 */
export function buildCurl(request: CurlRequest): string {
  const words = ["curl -i"];
  if (request.method !== undefined && request.method !== "GET") words.push(`-X ${request.method}`);
  if (request.auth !== "public") words.push(`-H "Authorization: Bearer $EVENTFLOW_TOKEN"`);
  for (const [name, value] of Object.entries(request.headers ?? {}))
    words.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  if (request.body) words.push(`--data-binary ${shellQuote(request.body)}`);
  words.push(shellQuote(request.url));
  return words.join(" ");
}

/** Puts `text` on the clipboard; false when the browser refuses (the text stays on the page). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard (an insecure origin, a denied permission).
    return false;
  }
}
