import { DomainException, ErrorCode } from '../../src';

/** An E.164 number (+ and 8 to 15 digits); spaces, dots, dashes and brackets are dropped. */
export function normalizePhone(input: unknown): string {
  const compact = typeof input === 'string' && input.length <= 32 ? input.replace(/[\s.()-]/g, '') : '';
  if (!/^\+[1-9][0-9]{7,14}$/.test(compact)) {
    throw new DomainException(ErrorCode.BAD_USER_INPUT, 'phone must be an international number, e.g. +15550100001', { field: 'phone' });
  }
  return compact;
}

/** +15***01: the country prefix and the last two digits. */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}***${phone.slice(-2)}`;
}
