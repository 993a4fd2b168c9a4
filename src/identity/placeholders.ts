/**
 * Values that sources put where an identifier is unknown. They would join unrelated people if used
 * as merge keys, so they are refused with the reason returned here (or undefined for a real value).
 */
const PLACEHOLDER_WORDS = new Set([
  '',
  '0',
  '-1',
  'null',
  'nil',
  'none',
  'undefined',
  'unknown',
  'anonymous',
  'n/a',
  'na',
  'test',
  'default',
  '-',
]);

const PLACEHOLDER_EMAILS = new Set([
  'test@test.com',
  'test@example.com',
  'example@example.com',
  'noemail@noemail.com',
  'no@email.com',
  'none@none.com',
  'null@null.com',
  'a@a.com',
  'email@email.com',
]);

export const placeholderReason = (value: string): string | undefined => {
  const lower = value.trim().toLowerCase();
  if (PLACEHOLDER_WORDS.has(lower)) return 'a known placeholder word';
  if (PLACEHOLDER_EMAILS.has(lower)) return 'a known placeholder email';
  const digits = lower.replace(/^\+/, '');
  if (/^\d{5,}$/.test(digits)) {
    if (/^(\d)\1+$/.test(digits)) return 'a run of one repeated digit';
    if ('01234567890123456789'.includes(digits) || '98765432109876543210'.includes(digits)) {
      return 'a run of consecutive digits';
    }
  }
  return undefined;
};
