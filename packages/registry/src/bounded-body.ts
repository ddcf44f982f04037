/**
 * Reading a registry's answers without trusting their size: a body is read up to a limit and
 * the connection is dropped past it, so a registry (or a proxy) sending an endless manifest,
 * token or error page costs at most the limit in memory.
 */

/** Limits of the bodies read whole (bytes). */
export const BODY_LIMITS = {
  /** Tag lists and other JSON answers besides manifests. */
  json: 16 * 1024 * 1024,
  /** Token answers. */
  token: 1024 * 1024,
  /** Error answers, read for their message only. */
  error: 64 * 1024,
  /** Blobs read into memory (image configs). */
  blob: 16 * 1024 * 1024,
} as const;

/** A body as undici and `Readable` give it. */
type Body = AsyncIterable<Uint8Array> & { destroy(error?: Error): unknown };

/**
 * The whole body if it is at most `maxBytes`, else `undefined` (then it is destroyed unread).
 * Stream errors propagate.
 */
export async function readAtMost(body: Body, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** At most the first `maxBytes` of a body (for messages); the rest is not read. */
export async function readPrefix(body: Body, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks, size).subarray(0, maxBytes);
}
