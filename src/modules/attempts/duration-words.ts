const SMALL = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** 5 → "five", 42 → "forty-two"; digits from 100 on. */
export function numberWord(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 100) return String(n);
  if (n < 20) return SMALL[n];
  const tens = TENS[Math.floor(n / 10)];
  return n % 10 === 0 ? tens : `${tens}-${SMALL[n % 10]}`;
}

/** 5 → "five minutes", 1 → "one minute" (the CloudFon warning's wording). */
export function minutesInWords(minutes: number): string {
  return `${numberWord(minutes)} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

/** "Please try again in five minutes." for a cooldown of 5. */
export function tryAgainIn(minutes: number): string {
  return `Please try again in ${minutesInWords(minutes)}.`;
}
