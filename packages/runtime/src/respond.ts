import type { ServerResponse } from "node:http";
import { EventFlowError, toErrorEnvelope, type ErrorCode } from "@eventflow/protocol";
import type { PreparedResponse } from "@eventflow/sdk/internal";

const JSON_TYPE = "application/json; charset=utf-8";

/** Waits until the socket can take more data, or is gone. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function pipeIterable(
  res: ServerResponse,
  body: AsyncIterable<Uint8Array | string>,
): Promise<void> {
  for await (const chunk of body) {
    if (res.destroyed) return; // leaving the loop calls return() on the source
    if (!res.write(chunk)) await writable(res);
  }
  if (!res.destroyed) res.end();
}

/** Writes a response whose body is complete (or absent) in one go, with content-length. */
export function writeComplete(res: ServerResponse, prepared: PreparedResponse): void {
  const headers = prepared.headers as Record<string, string>;
  const body = prepared.body;
  if (body === null) {
    res.writeHead(prepared.status, headers);
    res.end();
    return;
  }
  if (typeof body !== "string" && !(body instanceof Uint8Array)) {
    throw new TypeError("writeComplete() needs a complete body");
  }
  (headers as Record<string, string | number>)["content-length"] =
    typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  res.writeHead(prepared.status, headers);
  res.end(body);
}

/** Writes a prepared response: complete bodies in one write, streams chunk by chunk with backpressure. */
export async function writeResponse(
  res: ServerResponse,
  prepared: PreparedResponse,
): Promise<void> {
  const body = prepared.body;
  if (body === null || typeof body === "string" || body instanceof Uint8Array) {
    writeComplete(res, prepared);
    return;
  }
  res.writeHead(prepared.status, prepared.headers as Record<string, string>);
  await pipeIterable(res, body);
}

/** Writes the platform's JSON error envelope for `code`. */
export function writeError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  options: { requestId?: string; headers?: Record<string, string> } = {},
): void {
  const error = new EventFlowError(code, message);
  const body = JSON.stringify(toErrorEnvelope(error, options.requestId));
  const headers: Record<string, string | number> = {
    "content-type": JSON_TYPE,
    "content-length": Buffer.byteLength(body),
  };
  if (options.requestId !== undefined) headers["x-request-id"] = options.requestId;
  if (options.headers !== undefined) Object.assign(headers, options.headers);
  res.writeHead(error.status, headers);
  res.end(body);
}
