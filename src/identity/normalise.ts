import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { IdentifierTypeName } from '../contracts/index.js';
import { IDENTIFIER_TYPES } from './identifier-types.js';
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
  const spec = IDENTIFIER_TYPES[type];
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

/**
 * Memoises normalisation per (type, raw value). Events of one line repeat the same MSISDN and IMSI
 * many times a day, and phone parsing is the costliest step of ingestion. The cache is bounded:
 * when full it is dropped and refilled, which keeps memory flat without bookkeeping per hit.
 */
export class IdentifierNormaliser {
  readonly #region: CountryCode;
  readonly #max: number;
  #cache = new Map<string, NormaliseResult>();

  constructor(region: CountryCode, maxEntries = 200_000) {
    this.#region = region;
    this.#max = maxEntries;
  }

  normalise(type: IdentifierTypeName, raw: string): NormaliseResult {
    const key = `${type}\u0000${raw}`;
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const result = normaliseIdentifier(type, raw, this.#region);
    if (this.#cache.size >= this.#max) this.#cache = new Map();
    this.#cache.set(key, result);
    return result;
  }
}
