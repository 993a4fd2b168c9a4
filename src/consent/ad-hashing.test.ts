import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashEmailFor, hashPhoneFor, platformPhone } from './ad-hashing.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('ad-platform identifier hashing (issue 7 vectors)', () => {
  it('"+1 800 5550101" → sha256("+18005550101") for Google', () => {
    expect(hashPhoneFor('google', '+1 800 5550101')).toEqual({ ok: true, value: sha256('+18005550101') });
    expect(hashPhoneFor('meta', '+1 800 5550101')).toEqual({ ok: true, value: sha256('18005550101') });
  });

  it('"8 (916) 123-45-67" → Google sha256("+79161234567"), Meta sha256("79161234567")', () => {
    expect(hashPhoneFor('google', '8 (916) 123-45-67')).toEqual({ ok: true, value: sha256('+79161234567') });
    expect(hashPhoneFor('meta', '8 (916) 123-45-67')).toEqual({ ok: true, value: sha256('79161234567') });
    expect(platformPhone('meta', '8 (916) 123-45-67')).toEqual({ ok: true, value: '79161234567' });
  });

  it('"  Test@Example.COM " → sha256("test@example.com") for both', () => {
    expect(hashEmailFor('google', '  Test@Example.COM ')).toEqual({ ok: true, value: sha256('test@example.com') });
    expect(hashEmailFor('meta', '  Test@Example.COM ')).toEqual({ ok: true, value: sha256('test@example.com') });
  });

  it('never hashes an empty value', () => {
    for (const empty of ['', '   ']) {
      expect(hashEmailFor('google', empty)).toMatchObject({ ok: false, code: 'EMPTY_VALUE' });
      expect(hashPhoneFor('meta', empty)).toMatchObject({ ok: false, code: 'EMPTY_VALUE' });
    }
  });

  it('passes a 64-hex value unchanged', () => {
    const hashed = sha256('+79161234567');
    expect(hashPhoneFor('google', hashed)).toEqual({ ok: true, value: hashed });
    expect(hashEmailFor('meta', hashed.toUpperCase())).toEqual({ ok: true, value: hashed.toUpperCase() });
  });

  it('refuses what is not a phone or an email', () => {
    expect(hashPhoneFor('google', '12')).toMatchObject({ ok: false, code: 'INVALID_PHONE' });
    expect(hashEmailFor('google', 'not an email')).toMatchObject({ ok: false, code: 'INVALID_EMAIL' });
  });
});
