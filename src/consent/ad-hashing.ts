import type { CountryCode } from 'libphonenumber-js';
import { sha256Hex } from '../core/hash.js';
import { normaliseIdentifier } from '../identity/index.js';

/*
 * Identifier hashing for audience exports to ad platforms. Each platform matches SHA-256 hex of a
 * value normalised its own way:
 *  - Google Customer Match: phones in E.164 with the leading '+', emails trimmed and lower-cased;
 *  - Meta (Custom Audiences): phones as digits only with the country code and no leading zeros
 *    (no '+'), emails trimmed and lower-cased.
 * A value that is already a SHA-256 hex digest passes unchanged; an empty value is never hashed
 * (the hash of "" would match every empty field of every other advertiser's list).
 */

export const AD_PLATFORMS = ['google', 'meta'] as const;
export type AdPlatform = (typeof AD_PLATFORMS)[number];

export type HashResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly code: 'EMPTY_VALUE' | 'INVALID_PHONE' | 'INVALID_EMAIL'; readonly message: string };

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

const prehashed = (raw: string): HashResult | undefined => {
  const trimmed = raw.trim();
  if (trimmed === '') return { ok: false, code: 'EMPTY_VALUE', message: 'an empty value is never hashed' };
  return SHA256_HEX.test(trimmed) ? { ok: true, value: raw } : undefined;
};

/** The phone as the platform wants it before hashing: E.164 for Google, its digits for Meta. */
export const platformPhone = (platform: AdPlatform, raw: string, region: CountryCode = 'RU'): HashResult => {
  const parsed = normaliseIdentifier('msisdn', raw, region);
  if (!parsed.ok) return { ok: false, code: 'INVALID_PHONE', message: parsed.message };
  return { ok: true, value: platform === 'google' ? parsed.value : parsed.value.replace(/^\+/, '').replace(/^0+/, '') };
};

export const hashPhoneFor = (platform: AdPlatform, raw: string, region: CountryCode = 'RU'): HashResult => {
  const already = prehashed(raw);
  if (already) return already;
  const phone = platformPhone(platform, raw, region);
  return phone.ok ? { ok: true, value: sha256Hex(phone.value) } : phone;
};

export const hashEmailFor = (_platform: AdPlatform, raw: string): HashResult => {
  const already = prehashed(raw);
  if (already) return already;
  const email = raw.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { ok: false, code: 'INVALID_EMAIL', message: `"${raw}" is not an email address` };
  return { ok: true, value: sha256Hex(email) };
};
