import { Metadata, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { IdentifierTypeName } from '../contracts/index.js';
import { IDENTIFIER_FORMATS } from './identifier-types.js';
import { placeholderReason } from './placeholders.js';

export type NormaliseResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly code: 'PLACEHOLDER_IDENTIFIER' | 'INVALID_IDENTIFIER'; readonly message: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Normalises one identifier value: E.164 phones (libphonenumber-js with full metadata, so an
 * impossible number is refused), trimmed lower-case emails, digit strings without separators,
 * trimmed tokens. Placeholders ("0", "null", "test@test.com", 1111111…) are refused with a reason.
 * Pure; phone parsing is memoised by the caller (see IdentifierNormaliser).
 */
export const normaliseIdentifier = (type: IdentifierTypeName, raw: string, region: CountryCode): NormaliseResult => {
  const trimmed = raw.trim();
  const placeholder = placeholderReason(trimmed);
  if (placeholder) return { ok: false, code: 'PLACEHOLDER_IDENTIFIER', message: `${type} "${raw}" is a placeholder: ${placeholder}` };
  const spec = IDENTIFIER_FORMATS[type];
  switch (spec.format) {
    case 'phone': {
      const phone = parsePhoneNumberFromString(trimmed, region);
      // A run like +7 000 000-00-00 is a placeholder even though it is also an invalid number.
      const digitsPlaceholder = phone ? placeholderReason(String(phone.nationalNumber)) : undefined;
      if (digitsPlaceholder) {
        return { ok: false, code: 'PLACEHOLDER_IDENTIFIER', message: `${type} "${raw}" is a placeholder: ${digitsPlaceholder}` };
      }
      if (!phone || !phone.isValid()) {
        return { ok: false, code: 'INVALID_IDENTIFIER', message: `${type} "${raw}" is not a valid phone number` };
      }
      return { ok: true, value: phone.number };
    }
    case 'email': {
      const email = trimmed.toLowerCase();
      if (!EMAIL.test(email) || email.length > 254) {
        return { ok: false, code: 'INVALID_IDENTIFIER', message: `${type} "${raw}" is not a valid email address` };
      }
      const emailPlaceholder = placeholderReason(email);
      if (emailPlaceholder) {
        return { ok: false, code: 'PLACEHOLDER_IDENTIFIER', message: `${type} "${raw}" is a placeholder: ${emailPlaceholder}` };
      }
      return { ok: true, value: email };
    }
    case 'digits': {
      const digits = trimmed.replace(/[\s-]/g, '');
      const [min, max] = spec.digits ?? [1, 64];
      if (!/^\d+$/.test(digits) || digits.length < min || digits.length > max) {
        return { ok: false, code: 'INVALID_IDENTIFIER', message: `${type} "${raw}" must be ${min}–${max} digits` };
      }
      return { ok: true, value: digits };
    }
    case 'token': {
      if (trimmed.length > 256) {
        return { ok: false, code: 'INVALID_IDENTIFIER', message: `${type} is longer than 256 characters` };
      }
      return { ok: true, value: type === 'passport' ? trimmed.replace(/\s+/g, '').toUpperCase() : trimmed };
    }
  }
};

/** The parts of libphonenumber-js's numbering plan used here (its typings do not declare them). */
interface NumberingPlan {
  callingCode(): string;
  nationalNumberPattern(): string;
  type(type: 'MOBILE'): { pattern(): string } | undefined;
}

/**
 * Recognises a mobile number of the default region already written in E.164 without parsing it.
 * libphonenumber (max metadata) calls a number valid when its national number matches the
 * region's general pattern and one type's pattern; matching the general and the mobile pattern
 * therefore is validity by its own definition, read from its own metadata. Anything else takes
 * the full parse. Most network records carry exactly such numbers, and parsing costs ~7 µs.
 */
export const createE164FastPath = (region: CountryCode): ((raw: string) => string | undefined) => {
  const metadata = new Metadata();
  metadata.selectNumberingPlan(region);
  const plan = metadata.numberingPlan as unknown as NumberingPlan;
  const mobile = plan.type('MOBILE')?.pattern();
  if (!mobile) return () => undefined;
  const prefix = `+${plan.callingCode()}`;
  const general = new RegExp(`^(?:${plan.nationalNumberPattern()})$`);
  const mobilePattern = new RegExp(`^(?:${mobile})$`);
  const digits = /^\d+$/;
  return (raw) => {
    if (!raw.startsWith(prefix)) return undefined;
    const national = raw.slice(prefix.length);
    return digits.test(national) && general.test(national) && mobilePattern.test(national) ? national : undefined;
  };
};

/**
 * Normalises with two shortcuts for phone numbers: the E.164 fast path, then a memo per raw value
 * (events of one line repeat the same number all day). The memo is bounded: when full it is
 * dropped and refilled, which keeps memory flat without bookkeeping per hit.
 */
export class IdentifierNormaliser {
  readonly #region: CountryCode;
  readonly #max: number;
  readonly #fastE164: (raw: string) => string | undefined;
  #cache = new Map<string, NormaliseResult>();

  constructor(region: CountryCode, maxEntries = 200_000) {
    this.#region = region;
    this.#max = maxEntries;
    this.#fastE164 = createE164FastPath(region);
  }

  normalise(type: IdentifierTypeName, raw: string): NormaliseResult {
    // Only phone numbers are worth caching: the other formats cost less than a cache lookup.
    if (IDENTIFIER_FORMATS[type].format !== 'phone') return normaliseIdentifier(type, raw, this.#region);
    const national = this.#fastE164(raw);
    if (national !== undefined && placeholderReason(national) === undefined) return { ok: true, value: raw };
    const key = `${type}\u0000${raw}`;
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const result = normaliseIdentifier(type, raw, this.#region);
    if (this.#cache.size >= this.#max) this.#cache = new Map();
    this.#cache.set(key, result);
    return result;
  }
}
