import { describe, expect, it } from 'vitest';
import { decodeTcString, tcfPermits, type TcfSignals } from './tcf.js';

/*
 * Expectations ported from public TCF v2 test vectors: the IAB's iabtcf-java decoder tests
 * (TCStringV2Test) and the example strings of the TCF v2 specification ("Consent string and vendor
 * list formats v2", TC String Format). The strings are the vectors; the facts asserted are the
 * decoded values those sources state.
 */

const signals = (tcString: string): TcfSignals => {
  const decoded = decodeTcString(tcString);
  if (!decoded.ok) throw new Error(`${decoded.reason}: ${decoded.message}`);
  return decoded.signals;
};

describe('decoding TCF v2 strings (iabtcf-java vectors)', () => {
  it('reads the core fields of a string made with the IAB encoder', () => {
    expect(signals('COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA')).toMatchObject({
      version: 2,
      created: '2020-01-26T17:01:00.000Z',
      lastUpdated: '2021-02-02T17:01:00.000Z',
      cmpId: 675,
      cmpVersion: 2,
      consentScreen: 1,
      vendorListVersion: 15,
      policyVersion: 2,
      consentLanguage: 'EN',
      publisherCountryCode: 'AA',
      isServiceSpecific: false,
      specialFeatureOptIns: [1],
      purposeConsents: [2, 10],
      purposeLegitimateInterests: [2, 9],
    });
  });

  it('reads purpose and vendor bit fields', () => {
    const s = signals('COrEAV4OrXx94ACABBENAHCIAD-AAAAAAACAAxAAAAgAIAwgAgAAAAEAgQAAAAAEAYQAQAAAACAAAABAAA');
    expect(s.purposeConsents).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(s.vendorConsents).toEqual([23, 37, 47, 48, 53, 65, 98]);
    expect(s.vendorLegitimateInterests).toEqual([37, 47, 48, 53, 65, 98, 129]);
  });

  it('reads range-encoded vendor consents and legitimate interests', () => {
    const segment2 =
      'IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw';
    expect(signals(`COwBOpCOwBOpCLqAAAENAPCAAAAAAAAAAAAAFfwAYFfAV-BVkAGBVYFWAAA.${segment2}`).vendorConsents).toEqual([702, 703]);
    expect(signals(`COwBOpCOwBOpCLqAAAENAPCAAAAAAAAAAAAAFfwAQFfgUbABAUaAAA.${segment2}`).vendorConsents).toEqual([703]);
    expect(signals('COv__-wOv__-wC2AAAENAPCgAAAAAAAAAAAAA_wAQA_gEBABAEAAAA').vendorLegitimateInterests).toEqual([128]);
  });

  it('reads purposes 1 and 2', () => {
    expect(signals('COwxsONOwxsONKpAAAENAdCAAMAAAAAAAAAAAAAAAAAA').purposeConsents).toEqual(expect.arrayContaining([1, 2]));
  });
});

describe('the TCF v2 specification example strings', () => {
  it('reads the service-specific example (core and publisher TC segments)', () => {
    const s = signals('CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAABRgA5mdfCKZuYJez-NQm0TBMYA4oCAAGQYIAAAAAAEAIAEgAA.argAC0gAAAAAAAAAAAA');
    expect(s).toMatchObject({
      version: 2,
      cmpId: 21,
      cmpVersion: 7,
      consentScreen: 2,
      consentLanguage: 'EN',
      vendorListVersion: 23,
      isServiceSpecific: true,
    });
    expect(s.created.slice(0, 10)).toBe('2008-12-07');
    expect(s.lastUpdated.slice(0, 10)).toBe('2012-01-10');
    expect(s.purposeConsents).toEqual(expect.arrayContaining([1, 3, 9, 10]));
    expect(s.vendorConsents.length).toBeGreaterThan(0);
  });

  it('refuses the global example, whose CmpId 0 is not a registered CMP: no consent', () => {
    const global =
      'COw4XqLOw4XqLAAAAAENAXCAAAAAAAAAAAAAAAAAAAAA.IFukWSQgAIQwgI0QEByFAAAAeIAACAIgSAAQAIAgEQACEABAAAgAQFAEAIAAAGBAAgAAAAQAIFAAMCQAAgAAQiRAEQAAAAANAAIAAggAIYQFAAARmggBC3ZCYzU2yIA.QFukWSQgAIQwgI0QEByFAAAAeIAACAIgSAAQAIAgEQACEABAAAgAQFAEAIAAAGBAAgAAAAQAIFAAMCQAAgAAQiRAEQAAAAANAAIAAggAIYQFAAARmggBC3ZCYzU2yIA.YAAAAAAAAAAAAAAAAAA';
    const decoded = decodeTcString(global);
    expect(decoded).toMatchObject({ ok: false, reason: 'TCF_MALFORMED' });
    expect(tcfPermits(decoded, { purposeId: 1 })).toEqual({ allowed: false, reason: 'TCF_MALFORMED' });
  });
});

describe('strings that mean no consent', () => {
  it('a v1 consent string (the v1.1 specification example)', () => {
    const decoded = decodeTcString('BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA');
    expect(decoded).toMatchObject({ ok: false, reason: 'TCF_V1' });
    expect(tcfPermits(decoded, { purposeId: 1 }).allowed).toBe(false);
  });

  it('empty, not base64url, truncated, or of an unknown version', () => {
    expect(decodeTcString('')).toMatchObject({ ok: false, reason: 'TCF_EMPTY' });
    expect(decodeTcString('   ')).toMatchObject({ ok: false, reason: 'TCF_EMPTY' });
    expect(decodeTcString('CO$tybn')).toMatchObject({ ok: false, reason: 'TCF_MALFORMED' });
    expect(decodeTcString('COtybn4PA_zT4K')).toMatchObject({ ok: false, reason: 'TCF_MALFORMED' });
    expect(decodeTcString('DOtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA')).toMatchObject({ ok: false, reason: 'TCF_UNSUPPORTED_VERSION' });
  });
});

describe('what a string permits', () => {
  // Spec example: consent for purposes 1, 3, 9, 10; LI for 3, 4, 5, 8, 9, 10; vendor 2 has consent, vendor 1 only LI.
  const spec = decodeTcString('CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAABRgA5mdfCKZuYJez-NQm0TBMYA4oCAAGQYIAAAAAAEAIAEgAA.argAC0gAAAAAAAAAAAA');

  it('ignores legitimate-interest bits for purposes 1 and 3–6 (TCF 2.2)', () => {
    const s = (spec as { signals: TcfSignals }).signals;
    expect(s.purposeLegitimateInterests).toEqual(expect.arrayContaining([4, 5, 8]));
    expect(s.purposeConsents).not.toContain(4);
    expect(s.vendorConsents).toContain(2);
    expect(s.vendorConsents).not.toContain(1);
    expect(s.vendorLegitimateInterests).toContain(1);
    expect(tcfPermits(spec, { purposeId: 4 })).toEqual({ allowed: false, reason: 'TCF_NO_PURPOSE_CONSENT' });
    expect(tcfPermits(spec, { purposeId: 5 })).toEqual({ allowed: false, reason: 'TCF_NO_PURPOSE_CONSENT' });
    expect(tcfPermits(spec, { purposeId: 8 })).toEqual({ allowed: true, reason: 'legitimate_interest' });
    expect(tcfPermits(spec, { purposeId: 3 })).toEqual({ allowed: true, reason: 'consent' });
  });

  it('an ad partner needs vendor consent; legitimate interest of the vendor is not enough', () => {
    expect(tcfPermits(spec, { purposeId: 3, vendorId: 2, adPartner: true })).toEqual({ allowed: true, reason: 'consent' });
    expect(tcfPermits(spec, { purposeId: 8, vendorId: 1, adPartner: true })).toEqual({ allowed: false, reason: 'TCF_NO_VENDOR_CONSENT' });
    expect(tcfPermits(spec, { purposeId: 8, vendorId: 1 })).toEqual({ allowed: true, reason: 'legitimate_interest' });
    expect(tcfPermits(spec, { purposeId: 3, adPartner: true })).toEqual({ allowed: false, reason: 'TCF_VENDOR_REQUIRED' });
  });

  it('refuses a purpose outside 1–11', () => {
    expect(tcfPermits(spec, { purposeId: 0 }).reason).toBe('TCF_UNKNOWN_PURPOSE');
    expect(tcfPermits(spec, { purposeId: 12 }).reason).toBe('TCF_UNKNOWN_PURPOSE');
  });
});
