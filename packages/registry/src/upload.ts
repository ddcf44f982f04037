import type { CallContext, CallResponse, RegistryTransport } from "./transport.js";
import { header } from "./transport.js";
import { EventFlowError } from "@eventflow/protocol";

/** Content to upload: its descriptor and a way to (re)open it. */
export interface BlobSource {
  /** Digest of the content (`sha256:...`). */
  readonly digest: string;
  /** Size in bytes. */
  readonly size: number;
  /** Opens the content; called again for each upload attempt. */
  readonly open: () => AsyncIterable<Uint8Array> | Uint8Array;
}

/** Resolves an upload `Location` header against the request URL. */
export function uploadLocation(res: CallResponse, ctx: CallContext): URL {
  const location = header(res.headers, "location");
  if (location === undefined) {
    throw new EventFlowError(
      "REGISTRY_PROTOCOL_ERROR",
      `Registry ${ctx.registry} started an upload without a Location header (${ctx.operation}).`,
    );
  }
  return new URL(location, res.url);
}

function withDigest(location: URL, digest: string): string {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url.toString();
}

async function* counted(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  onProgress?: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  let sent = 0;
  const chunks = source instanceof Uint8Array ? [source] : source;
  for await (const chunk of chunks) {
    yield chunk;
    sent += chunk.byteLength;
    onProgress?.(sent);
  }
}

/** Re-chunks a stream into pieces of exactly `size` bytes (the last may be shorter). */
export async function* rechunk(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  size: number,
): AsyncGenerator<Buffer> {
  const chunks = source instanceof Uint8Array ? [source] : source;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of chunks) {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (pendingBytes + buf.length >= size) {
      const take = size - pendingBytes;
      pending.push(buf.subarray(0, take));
      yield Buffer.concat(pending);
      buf = buf.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (buf.length > 0) {
      pending.push(Buffer.from(buf));
      pendingBytes += buf.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

/** Uploads the whole blob in one `PUT <location>?digest=` (after `POST` opened the session). */
export async function putMonolithic(
  transport: RegistryTransport,
  ctx: CallContext,
  location: URL,
  blob: BlobSource,
  onProgress?: (bytes: number) => void,
): Promise<void> {
  const res = await transport.call(ctx, {
    method: "PUT",
    path: withDigest(location, blob.digest),
    headers: { "content-type": "application/octet-stream", "content-length": String(blob.size) },
    body: () => counted(blob.open(), onProgress),
    expect: [201],
    retry: false,
  });
  await res.body.dump();
}

/** Uploads in `PATCH` chunks of `chunkSize` bytes with `Content-Range`, then closes with `PUT`. */
export async function putChunked(
  transport: RegistryTransport,
  ctx: CallContext,
  start: URL,
  blob: BlobSource,
  options: { chunkSize: number; onProgress?: ((bytes: number) => void) | undefined },
): Promise<void> {
  let location = start;
  let offset = 0;
  for await (const chunk of rechunk(blob.open(), options.chunkSize)) {
    const res = await transport.call(ctx, {
      method: "PATCH",
      path: location.toString(),
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(chunk.length),
        "content-range": `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
      expect: [202],
      retry: false,
    });
    await res.body.dump();
    location = uploadLocation(res, ctx);
    offset += chunk.length;
    options.onProgress?.(offset);
  }
  const done = await transport.call(ctx, {
    method: "PUT",
    path: withDigest(location, blob.digest),
    headers: { "content-length": "0" },
    expect: [201],
    retry: false,
  });
  await done.body.dump();
}
