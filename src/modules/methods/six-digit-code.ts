/**
 * Six ASCII digits, spaces ignored (what the contract accepts for EMAIL and
 * AUTHENTICATOR_APP), or null: no full-width digits, letters or signs.
 */
export function normalizeSixDigitCode(input: string): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const compact = input.replace(/[ \t]/g, '');
  return /^[0-9]{6}$/.test(compact) ? compact : null;
}
