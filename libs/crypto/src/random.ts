import { randomBytes, randomInt } from 'node:crypto';

/** A 256-bit (by default) random token, base64url: session and trusted-device tokens. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** `length` decimal digits, each uniform (crypto.randomInt has no modulo bias). */
export function randomDigits(length = 6): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String(randomInt(10));
  return out;
}

/** `length` characters drawn uniformly from `alphabet`. */
export function randomFromAlphabet(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
