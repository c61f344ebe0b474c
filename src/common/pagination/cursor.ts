import { DomainException } from '../errors/domain.exception';

export const MAX_PAGE_SIZE = 100;

/** Checks `first` (1..100) and names the field when it is out of range. */
export function pageSize(first: number | null | undefined, fallback = 50): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw DomainException.badInput('first', `first must be from 1 to ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/** Opaque cursors: base64url of a small JSON array. */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): string[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === arity && parts.every((p) => typeof p === 'string' || typeof p === 'number')) {
      return parts.map(String);
    }
  } catch {
    // fall through
  }
  throw DomainException.badInput('after', 'after is not a cursor this server gave out');
}
