/** Bits a JWT secret must carry by the estimate of {@link estimatedSecretBits}. */
export const MIN_SECRET_BITS = 128;

/**
 * An upper estimate of a secret's entropy in bits: its length times the Shannon entropy of its
 * own byte frequencies. It cannot prove a secret random, but it refuses the ones that are
 * plainly not: 32 spaces or one repeated character (0 bits), `abab...` (32), a word repeated
 * (`passwordpassword...`: 88). Random output passes with room to spare: 32 random bytes as
 * base64 (about 230 bits) or as hex (about 240), even though hex uses 16 symbols only.
 */
export function estimatedSecretBits(secret: string): number {
  const bytes = Buffer.from(secret, "utf8");
  if (bytes.length === 0) return 0;
  const counts = new Map<number, number>();
  for (const b of bytes) counts.set(b, (counts.get(b) ?? 0) + 1);
  let perByte = 0;
  for (const n of counts.values()) {
    const p = n / bytes.length;
    perByte -= p * Math.log2(p);
  }
  return perByte * bytes.length;
}
