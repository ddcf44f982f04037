/**
 * Header values of the CloudEvents HTTP binding (spec 1.0.2, section 3.1.3.2): attribute values
 * are percent-encoded where HTTP headers cannot carry them literally, and decoded strictly.
 */

const HEX = "0123456789ABCDEF";
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Why a header value could not be decoded (the caller names the header). */
export class HeaderValueError extends Error {}

function needsEncoding(c: number): boolean {
  return c < 0x21 || c > 0x7e || c === 0x22 || c === 0x25;
}

/**
 * Encodes an attribute's string form for a header: space, double quote, percent and every
 * character outside U+0021-U+007E become their UTF-8 bytes as upper-case `%XY`; nothing else is
 * encoded, so the value never needs quoting.
 */
export function encodeHeaderValue(value: string): string {
  let plain = true;
  for (let i = 0; i < value.length && plain; i++) plain = !needsEncoding(value.charCodeAt(i));
  if (plain) return value;
  let out = "";
  for (const ch of value) {
    if (!needsEncoding(ch.codePointAt(0) as number)) {
      out += ch;
      continue;
    }
    for (const byte of utf8.encode(ch)) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** RFC 7230 section 3.2.6: `"..."` with backslash escapes gives the text between the quotes. */
function unquote(value: string): string {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  let out = "";
  for (let i = 1; i < value.length - 1; i++) {
    const ch = value[i];
    if (ch === "\\") {
      if (i + 1 >= value.length - 1) throw new HeaderValueError("ends in a lone backslash");
      out += value[++i];
    } else if (ch === '"') {
      throw new HeaderValueError("has an unescaped double quote inside its quotes");
    } else out += ch;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Decodes a received header value: unquoted first, then one round of percent-decoding. The
 * bytes must be valid UTF-8 (an overlong `%C0%A0` is refused, as the spec requires); a `%`
 * not followed by two hex digits is refused too. Header text arrives as latin1, one character
 * per byte, so unencoded UTF-8 from a lax sender is decoded rather than garbled.
 */
export function decodeHeaderValue(raw: string): string {
  const value = unquote(raw);
  let simple = true;
  for (let i = 0; i < value.length && simple; i++) {
    const c = value.charCodeAt(i);
    simple = c !== 0x25 && c <= 0x7e;
  }
  if (simple) return value;
  const bytes = new Uint8Array(value.length);
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25) {
      const hi = i + 2 < value.length ? hexValue(value.charCodeAt(i + 1)) : -1;
      const lo = hi === -1 ? -1 : hexValue(value.charCodeAt(i + 2));
      if (lo === -1) throw new HeaderValueError(`has a '%' at ${i} not followed by two hex digits`);
      bytes[n++] = (hi << 4) | lo;
      i += 2;
    } else if (c > 0xff) {
      throw new HeaderValueError(`has a character outside latin1 at ${i}`);
    } else bytes[n++] = c;
  }
  try {
    return strictUtf8.decode(bytes.subarray(0, n));
  } catch {
    throw new HeaderValueError("percent-decodes to bytes that are not valid UTF-8");
  }
}
