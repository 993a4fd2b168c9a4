import { TCString } from '@iabtechlabtcf/core';

/*
 * IAB TCF v2 TC strings, decoded with @iabtechlabtcf/core and read fail-closed: a v1 string, a
 * string of another version and anything the decoder refuses mean no consent at all. TCF 2.2
 * (policy version 4) no longer allows legitimate interest for purposes 1 and 3–6, so their LI bits
 * are ignored whatever the string says; and an ad partner needs its own vendor consent bit.
 */

/** Purposes for which only consent counts (TCF 2.2: no legitimate interest for 1, 3, 4, 5, 6). */
export const TCF_CONSENT_ONLY_PURPOSES: ReadonlySet<number> = new Set([1, 3, 4, 5, 6]);
/** TCF v2 purposes are numbered 1–11 (the string has room for 24). */
export const TCF_MAX_PURPOSE = 11;

export interface TcfSignals {
  readonly version: 2;
  readonly policyVersion: number;
  readonly cmpId: number;
  readonly cmpVersion: number;
  readonly consentScreen: number;
  readonly consentLanguage: string;
  readonly vendorListVersion: number;
  readonly publisherCountryCode: string;
  readonly isServiceSpecific: boolean;
  readonly created: string;
  readonly lastUpdated: string;
  readonly specialFeatureOptIns: readonly number[];
  readonly purposeConsents: readonly number[];
  readonly purposeLegitimateInterests: readonly number[];
  readonly vendorConsents: readonly number[];
  readonly vendorLegitimateInterests: readonly number[];
  readonly publisherConsents: readonly number[];
}

export type TcfRefusal = 'TCF_EMPTY' | 'TCF_V1' | 'TCF_UNSUPPORTED_VERSION' | 'TCF_MALFORMED';

export type TcfDecoded =
  { readonly ok: true; readonly signals: TcfSignals } | { readonly ok: false; readonly reason: TcfRefusal; readonly message: string };

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The ids set in a decoder vector, ascending. */
const idsOf = (vector: { forEach(callback: (value: boolean, id: number) => void): void }): number[] => {
  const ids: number[] = [];
  vector.forEach((value, id) => {
    if (value) ids.push(id);
  });
  return ids.sort((a, b) => a - b);
};

const isoOf = (date: Date | undefined): string => (date && !Number.isNaN(date.getTime()) ? date.toISOString() : '');

/** Decodes a TC string; never throws. */
export const decodeTcString = (tcString: string): TcfDecoded => {
  const value = tcString.trim();
  if (value === '') return { ok: false, reason: 'TCF_EMPTY', message: 'the TC string is empty' };
  // Segments of base64url joined by dots (some encoders pad with '=').
  if (!/^[A-Za-z0-9_-]+={0,2}(\.[A-Za-z0-9_-]+={0,2})*$/.test(value))
    return { ok: false, reason: 'TCF_MALFORMED', message: 'the TC string is not base64url segments joined by dots' };
  // The first six bits of the core segment are the version: the first base64url character.
  const version = BASE64URL.indexOf(value[0] as string);
  if (version === 1) return { ok: false, reason: 'TCF_V1', message: 'TCF v1 consent strings are no longer valid (v1 was retired in 2020)' };
  if (version !== 2) {
    return { ok: false, reason: 'TCF_UNSUPPORTED_VERSION', message: `TC string version ${version} is not supported` };
  }
  try {
    const model = TCString.decode(value);
    return {
      ok: true,
      signals: {
        version: 2,
        policyVersion: Number(model.policyVersion),
        cmpId: Number(model.cmpId),
        cmpVersion: Number(model.cmpVersion),
        consentScreen: Number(model.consentScreen),
        consentLanguage: model.consentLanguage,
        vendorListVersion: Number(model.vendorListVersion),
        publisherCountryCode: model.publisherCountryCode,
        isServiceSpecific: model.isServiceSpecific,
        created: isoOf(model.created),
        lastUpdated: isoOf(model.lastUpdated),
        specialFeatureOptIns: idsOf(model.specialFeatureOptins),
        purposeConsents: idsOf(model.purposeConsents),
        purposeLegitimateInterests: idsOf(model.purposeLegitimateInterests),
        vendorConsents: idsOf(model.vendorConsents),
        vendorLegitimateInterests: idsOf(model.vendorLegitimateInterests),
        publisherConsents: idsOf(model.publisherConsents),
      },
    };
  } catch (err) {
    return { ok: false, reason: 'TCF_MALFORMED', message: `the TC string cannot be decoded: ${(err as Error).message}` };
  }
};

export interface TcfQuestion {
  /** The TCF purpose (1–11) the processing needs. */
  readonly purposeId: number;
  /** The Global Vendor List id of the vendor that will process; required for an ad partner. */
  readonly vendorId?: number | undefined;
  /** The data goes to an ad partner: its vendor consent bit is required. */
  readonly adPartner?: boolean;
}

export interface TcfAnswer {
  readonly allowed: boolean;
  /** How it was decided: `consent`, `legitimate_interest`, or the refusal's code. */
  readonly reason: string;
}

/** Whether decoded TC signals allow a purpose (and a vendor). Fail closed on anything missing. */
export const tcfPermits = (decoded: TcfDecoded, question: TcfQuestion): TcfAnswer => {
  if (!decoded.ok) return { allowed: false, reason: decoded.reason };
  const { purposeId, vendorId, adPartner = false } = question;
  if (!Number.isInteger(purposeId) || purposeId < 1 || purposeId > TCF_MAX_PURPOSE)
    return { allowed: false, reason: 'TCF_UNKNOWN_PURPOSE' };
  const s = decoded.signals;
  const purposeConsent = s.purposeConsents.includes(purposeId);
  const liAllowed = !TCF_CONSENT_ONLY_PURPOSES.has(purposeId);
  const purposeLi = liAllowed && s.purposeLegitimateInterests.includes(purposeId);
  if (vendorId === undefined) {
    if (adPartner) return { allowed: false, reason: 'TCF_VENDOR_REQUIRED' };
    if (purposeConsent) return { allowed: true, reason: 'consent' };
    return purposeLi ? { allowed: true, reason: 'legitimate_interest' } : { allowed: false, reason: 'TCF_NO_PURPOSE_CONSENT' };
  }
  const vendorConsent = s.vendorConsents.includes(vendorId);
  if (adPartner) {
    if (!vendorConsent) return { allowed: false, reason: 'TCF_NO_VENDOR_CONSENT' };
    if (purposeConsent) return { allowed: true, reason: 'consent' };
    return purposeLi ? { allowed: true, reason: 'legitimate_interest' } : { allowed: false, reason: 'TCF_NO_PURPOSE_CONSENT' };
  }
  if (purposeConsent && vendorConsent) return { allowed: true, reason: 'consent' };
  if (purposeLi && s.vendorLegitimateInterests.includes(vendorId)) return { allowed: true, reason: 'legitimate_interest' };
  return { allowed: false, reason: purposeConsent || purposeLi ? 'TCF_NO_VENDOR_CONSENT' : 'TCF_NO_PURPOSE_CONSENT' };
};
