/**
 * Records the body of every response a page receives, through the Chrome DevTools Protocol:
 * whole bodies when they finish, and streams (the log stream's server-sent events) chunk by
 * chunk as they arrive, so a check can say what the dashboard was ever sent.
 */
import type { CDPSession, Page } from "playwright-core";

/** One response: its URL and its body as text (UTF-8). */
export interface RecordedResponse {
  readonly url: string;
  readonly mimeType: string;
  text: string;
}

/** The recorder: what was received so far, and bodies that could not be read. */
export interface ResponseRecorder {
  /** Every response so far, once the bodies of finished ones are read. */
  responses(): Promise<RecordedResponse[]>;
  /** URLs whose body could not be read (the check would be blind to them). */
  readonly unreadable: string[];
}

const decode = (data: string, base64: boolean) =>
  base64 ? Buffer.from(data, "base64").toString("utf8") : data;

/** Starts recording `page`'s responses. */
export async function recordResponses(page: Page): Promise<ResponseRecorder> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("Network.enable", {
    maxTotalBufferSize: 200 * 1024 * 1024,
    maxResourceBufferSize: 50 * 1024 * 1024,
  });
  const byId = new Map<string, RecordedResponse>();
  const streamed = new Set<string>();
  const pending: Promise<void>[] = [];
  const unreadable: string[] = [];

  cdp.on("Network.responseReceived", (event) => {
    const { requestId, response } = event;
    byId.set(requestId, { url: response.url, mimeType: response.mimeType, text: "" });
    if (response.mimeType !== "text/event-stream") return;
    streamed.add(requestId);
    pending.push(
      cdp.send("Network.streamResourceContent", { requestId }).then(
        ({ bufferedData }) => {
          byId.get(requestId)!.text = decode(bufferedData, true) + byId.get(requestId)!.text;
        },
        () => void unreadable.push(response.url),
      ),
    );
  });
  cdp.on("Network.dataReceived", (event) => {
    if (!streamed.has(event.requestId) || event.data === undefined) return;
    byId.get(event.requestId)!.text += decode(event.data, true);
  });
  cdp.on("Network.loadingFinished", ({ requestId }) => {
    const entry = byId.get(requestId);
    if (!entry || streamed.has(requestId)) return;
    pending.push(
      cdp.send("Network.getResponseBody", { requestId }).then(
        ({ body, base64Encoded }) => void (entry.text = decode(body, base64Encoded)),
        // A response without a body (204, a redirect) has none to read.
        () => undefined,
      ),
    );
  });

  return {
    unreadable,
    async responses() {
      await Promise.all(pending);
      return [...byId.values()];
    },
  };
}
