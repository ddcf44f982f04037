/**
 * An in-memory request and response for the invoke router, so the async worker delivers
 * through the same dispatch as a client's invoke (balancer, cold start, timeouts, retries on
 * another replica) instead of a second proxy. The router takes plain Node objects; these carry
 * the parts of `IncomingMessage` and `ServerResponse` it uses, and the answer is captured up to
 * the result size limit.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { Readable } from "node:stream";

/** The function's answer as captured. */
export interface CapturedAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The body was longer than the limit and was cut there. */
  readonly truncated: boolean;
  /** The exchange was cut (the router destroyed the response mid-stream). */
  readonly broken: boolean;
}

/** What {@link createLocalExchange} sends. */
export interface LocalRequest {
  readonly method: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly resultMaxBytes: number;
}

/** Header values as single strings (lists joined the way HTTP does). */
function flatten(headers: OutgoingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return out;
}

class CapturingResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  writableFinished = false;
  readonly #headers: Record<string, string> = {};
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;
  readonly #limit: number;
  readonly #done: (answer: CapturedAnswer) => void;

  constructor(limit: number, done: (answer: CapturedAnswer) => void) {
    super();
    this.#limit = limit;
    this.#done = done;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.#headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.#headers[name.toLowerCase()];
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    this.statusCode = status;
    Object.assign(this.#headers, flatten(headers ?? {}));
    this.headersSent = true;
    return this;
  }

  write(chunk: Buffer | string): boolean {
    this.headersSent = true;
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const room = this.#limit - this.#size;
    if (buf.length > room) this.#truncated = true;
    if (room > 0) {
      const kept = buf.length > room ? buf.subarray(0, room) : buf;
      this.#chunks.push(kept);
      this.#size += kept.length;
    }
    return true;
  }

  end(chunk?: Buffer | string): this {
    if (this.writableFinished || this.destroyed) return this;
    if (chunk !== undefined) this.write(chunk);
    this.headersSent = true;
    this.writableFinished = true;
    this.#finish(false);
    this.emit("finish");
    this.emit("close");
    return this;
  }

  destroy(): this {
    if (this.destroyed || this.writableFinished) return this;
    this.destroyed = true;
    this.#finish(true);
    this.emit("close");
    return this;
  }

  #finish(broken: boolean): void {
    this.#done({
      status: this.statusCode,
      headers: { ...this.#headers },
      body: Buffer.concat(this.#chunks, this.#size),
      truncated: this.#truncated,
      broken,
    });
  }
}

/** A request the router can read and a response that captures its answer. */
export function createLocalExchange(request: LocalRequest): {
  req: IncomingMessage;
  res: ServerResponse;
  answer: Promise<CapturedAnswer>;
} {
  const headers: Record<string, string> = {
    ...request.headers,
    "content-length": String(request.body.length),
  };
  const req = new Readable({ read() {} });
  if (request.body.length > 0) req.push(request.body);
  req.push(null);
  const socket = { remoteAddress: "127.0.0.1", encrypted: false, destroy() {} };
  Object.assign(req, {
    method: request.method,
    url: "/",
    httpVersion: "1.1",
    headers,
    rawHeaders: Object.entries(headers).flat(),
    complete: true,
    socket,
    connection: socket,
  });
  let resolve!: (answer: CapturedAnswer) => void;
  const answer = new Promise<CapturedAnswer>((r) => (resolve = r));
  const res = new CapturingResponse(request.resultMaxBytes, resolve);
  // The router uses only the members both classes share (see the module comment).
  return {
    req: req as unknown as IncomingMessage,
    res: res as unknown as ServerResponse,
    answer,
  };
}
