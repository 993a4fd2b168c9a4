import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createE164FastPath, IdentifierNormaliser, normaliseIdentifier } from './normalise.js';
import { placeholderReason } from './placeholders.js';

describe('normaliseIdentifier', () => {
  it('writes Russian phone numbers in E.164 whatever the local format', () => {
    for (const raw of ['8 (916) 123-45-67', '+7 916 123 45 67', '89161234567', '9161234567', ' +79161234567 ']) {
      expect(normaliseIdentifier('msisdn', raw, 'RU')).toEqual({ ok: true, value: '+79161234567' });
    }
  });

  it('uses the default region only for numbers without a country code', () => {
    expect(normaliseIdentifier('msisdn', '+1 800 5550101', 'RU')).toEqual({ ok: true, value: '+18005550101' });
    expect(normaliseIdentifier('msisdn', '+44 7911 123456', 'RU')).toEqual({ ok: true, value: '+447911123456' });
    expect(normaliseIdentifier('msisdn', '07911 123456', 'GB')).toEqual({ ok: true, value: '+447911123456' });
  });

  it('refuses impossible numbers and placeholders with different codes', () => {
    expect(normaliseIdentifier('msisdn', '+7 916 12', 'RU')).toMatchObject({ ok: false, code: 'INVALID_IDENTIFIER' });
    expect(normaliseIdentifier('msisdn', '+7 999 999-99-99', 'RU')).toMatchObject({ ok: false, code: 'PLACEHOLDER_IDENTIFIER' });
    expect(normaliseIdentifier('msisdn', '+7 000 000-00-00', 'RU')).toMatchObject({ ok: false, code: 'PLACEHOLDER_IDENTIFIER' });
    expect(normaliseIdentifier('msisdn', '-1', 'RU')).toMatchObject({ ok: false, code: 'PLACEHOLDER_IDENTIFIER' });
  });

  it('trims and lower-cases emails, refusing placeholders', () => {
    expect(normaliseIdentifier('email', '  Ivan.Petrov@Example.COM ', 'RU')).toEqual({ ok: true, value: 'ivan.petrov@example.com' });
    expect(normaliseIdentifier('email', 'TEST@test.com', 'RU')).toMatchObject({ ok: false, code: 'PLACEHOLDER_IDENTIFIER' });
    expect(normaliseIdentifier('email', 'not-an-email', 'RU')).toMatchObject({ ok: false, code: 'INVALID_IDENTIFIER' });
  });

  it('checks digit identifiers by length and strips separators', () => {
    expect(normaliseIdentifier('imsi', '250 01 0123456789', 'RU')).toEqual({ ok: true, value: '250010123456789' });
    expect(normaliseIdentifier('iccid', '8970101234567890123', 'RU')).toEqual({ ok: true, value: '8970101234567890123' });
    expect(normaliseIdentifier('imsi', '25001', 'RU')).toMatchObject({ ok: false, code: 'INVALID_IDENTIFIER' });
    expect(normaliseIdentifier('imei', '000000000000000', 'RU')).toMatchObject({ ok: false, code: 'PLACEHOLDER_IDENTIFIER' });
  });

  it('normalises passports by removing spaces and upper-casing', () => {
    expect(normaliseIdentifier('passport', '45 08 123456', 'RU')).toEqual({ ok: true, value: '4508123456' });
    expect(normaliseIdentifier('appUserId', ' u-77 ', 'RU')).toEqual({ ok: true, value: 'u-77' });
    expect(normaliseIdentifier('deviceId', 'anonymous', 'RU')).toMatchObject({ ok: false, code: 'PLACEHOLDER_IDENTIFIER' });
  });
});

describe('placeholderReason', () => {
  it('knows the usual junk and leaves real values alone', () => {
    for (const junk of ['0', '-1', 'null', 'undefined', 'Anonymous', 'test@test.com', '1111111', '+1111111111', '1234567890', 'N/A']) {
      expect(placeholderReason(junk), junk).toBeDefined();
    }
    for (const real of ['+79161234567', 'ivan@example.ru', 'u-7731', '250010123456789']) {
      expect(placeholderReason(real), real).toBeUndefined();
    }
  });
});

describe('IdentifierNormaliser', () => {
  it('memoises results and stays bounded', () => {
    const normaliser = new IdentifierNormaliser('RU', 2);
    const first = normaliser.normalise('msisdn', '89161234567');
    expect(normaliser.normalise('msisdn', '89161234567')).toBe(first);
    normaliser.normalise('msisdn', '89161234568');
    normaliser.normalise('msisdn', '89161234569');
    expect(normaliser.normalise('msisdn', '89161234567')).toEqual(first);
  });
});

describe('the E.164 fast path', () => {
  it('agrees with the full parse on every number it accepts, and accepts typical mobiles', () => {
    const fast = createE164FastPath('RU');
    expect(fast('+79161234567')).toBe('9161234567');
    expect(fast('+74951234567')).toBeUndefined();
    fc.assert(
      fc.property(fc.stringMatching(/^\+7\d{9,11}$/), (raw) => {
        const national = fast(raw);
        if (national === undefined) return;
        expect(normaliseIdentifier('msisdn', raw, 'RU')).toEqual(
          placeholderReason(national) ? expect.objectContaining({ ok: false }) : { ok: true, value: raw },
        );
      }),
      { numRuns: 5000 },
    );
  });
});
