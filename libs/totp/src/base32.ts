/**
 * RFC 4648 base32 (A–Z, 2–7), unpadded: the form authenticator apps expect
 * in an otpauth:// URI. Written here rather than borrowed from speakeasy's
 * `base32.js`, which silently maps '0'→'O', '1'→'I', skips unknown
 * characters and turns stray trailing bits into an extra key byte.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1; // keep only the bits not yet written
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Strict decode, or null when `text` is not canonical unpadded base32.
 * Lower case is accepted (people copy secrets by hand); padding, spaces,
 * impossible lengths and non-zero trailing bits are not.
 */
export function base32DecodeOrNull(text: string): Buffer | null {
  if (typeof text !== 'string') return null;
  // 8 chars carry 5 bytes; a tail of 1, 3 or 6 chars cannot end on a byte.
  if ([1, 3, 6].includes(text.length % 8)) return null;
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text.toUpperCase()) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) return null;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  if (value !== 0) return null; // leftover bits must be zero padding
  return Buffer.from(out);
}

/** Strict decode; throws a TypeError on anything `base32DecodeOrNull` refuses. */
export function base32Decode(text: string): Buffer {
  const bytes = base32DecodeOrNull(text);
  if (!bytes) throw new TypeError('Not valid unpadded RFC 4648 base32');
  return bytes;
}
