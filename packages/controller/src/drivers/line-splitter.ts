/**
 * Splits a byte stream of untrusted output into log lines, as container runtimes do: a line
 * longer than the limit is cut into parts of at most `maxBytes` bytes, every part but the last
 * marked partial, so no more than `maxBytes` is ever held for one stream. A part ends on a
 * UTF-8 character boundary. Pure apart from the callback; both drivers use it.
 */

/** The container runtimes' part size (CRI and Docker's json-file driver): 16 KiB. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

/** One line (or one part of a long line) of output. */
export interface SplitLine {
  readonly line: string;
  /** More of the same line follows in the next part. */
  readonly partial: boolean;
}

/** Feeds chunks in and lines out; `end()` emits an unterminated last line. */
export interface LineSplitter {
  push(chunk: Uint8Array): void;
  end(): void;
}

/** Options of {@link createLineSplitter}. */
export interface LineSplitterOptions {
  readonly onLine: (line: SplitLine) => void;
  /** Bytes per line part (default {@link MAX_LOG_LINE_BYTES}). */
  readonly maxBytes?: number;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * How many bytes of `bytes[0, end)` form whole UTF-8 characters: an unfinished sequence at the
 * end is left for the next part (pure).
 */
export function utf8Boundary(bytes: Uint8Array, end: number): number {
  // A character is at most 4 bytes: look back at most 3 for its lead byte.
  for (let i = end - 1; i >= Math.max(0, end - 4); i--) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > end ? i : end;
  }
  return end;
}

/** Creates a splitter; lines are cut at `\n` (a `\r` before it is dropped). */
export function createLineSplitter(options: LineSplitterOptions): LineSplitter {
  const max = Math.max(4, options.maxBytes ?? MAX_LOG_LINE_BYTES);
  // The bytes of the current unfinished line; never more than `max`.
  const held = new Uint8Array(max);
  let length = 0;
  const decoder = new TextDecoder("utf-8");

  const emit = (bytes: Uint8Array, partial: boolean) => {
    let end = bytes.length;
    if (!partial && end > 0 && bytes[end - 1] === CR) end -= 1;
    options.onLine({ line: decoder.decode(bytes.subarray(0, end)), partial });
  };

  /** `held` is full and the line goes on: emits a partial part of whole characters. */
  const cut = () => {
    let at = utf8Boundary(held, length);
    // Not a character boundary in sight (invalid bytes): cut at the limit anyway.
    if (at === 0) at = length;
    emit(held.subarray(0, at), true);
    held.copyWithin(0, at, length);
    length -= at;
  };

  return {
    push(chunk) {
      let start = 0;
      while (start < chunk.length) {
        const nl = chunk.indexOf(NL, start);
        const stop = nl === -1 ? chunk.length : nl;
        // Copy what fits; cut only when more of the line must fit (a line of exactly `max`
        // bytes stays whole).
        let from = start;
        while (from < stop) {
          if (length === max) cut();
          const take = Math.min(stop - from, max - length);
          held.set(chunk.subarray(from, from + take), length);
          length += take;
          from += take;
        }
        if (nl === -1) return;
        emit(held.subarray(0, length), false);
        length = 0;
        start = nl + 1;
      }
    },
    end() {
      if (length > 0) emit(held.subarray(0, length), false);
      length = 0;
    },
  };
}
