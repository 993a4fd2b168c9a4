import { describe, expect, it } from 'vitest';
import { checkConsentInput, parseInstant, sameDecision, type ConsentEventInput, type ConsentInputContext } from './consent-input.js';
import type { Purpose } from './consent-model.js';
import { normaliseSubject } from './consent-subject.js';
import { BUILTIN_PURPOSES, checkPurposeInput, noticeTextHash } from './purposes.js';

const purposes = new Map<string, Purpose>(
  BUILTIN_PURPOSES.map((p) => [p.code, { ...p, version: 1, createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'builtin' }]),
);
const context: ConsentInputContext = {
  purposes,
  noticeExists: (id, version) => id === 'privacy' && version === '2026-01',
  normaliseSubject: (subject) => normaliseSubject(subject, 'RU'),
  now: new Date('2026-11-20T12:00:00Z'),
};
const input: ConsentEventInput = {
  eventId: 'web-42',
  subject: 'msisdn:8 (916) 123-45-67',
  purpose: 'marketing',
  channel: 'sms',
  action: 'grant',
  legalBasis: 'fz38_art18_ad_consent',
  jurisdiction: 'RU',
  source: { collectionPoint: 'web-form' },
  proof: { noticeId: 'privacy', noticeVersion: '2026-01', evidenceRef: 'SUB-1' },
};

describe('checking a submitted consent event', () => {
  it('normalises the subject, defaults validFrom to now and fills the optional fields', () => {
    const { draft, issues } = checkConsentInput(input, '/events/0', context);
    expect(issues).toEqual([]);
    expect(draft).toEqual({
      eventId: 'web-42',
      subject: 'msisdn:+79161234567',
      purpose: 'marketing',
      channel: 'sms',
      action: 'grant',
      legalBasis: 'fz38_art18_ad_consent',
      jurisdiction: 'RU',
      validFrom: '2026-11-20T12:00:00.000Z',
      expiresAt: null,
      source: { collectionPoint: 'web-form', channel: null, agent: null },
      proof: { noticeId: 'privacy', noticeVersion: '2026-01', evidenceRef: 'SUB-1' },
      tcfString: null,
      tcfVendorId: null,
    });
  });

  it('names the field of every problem at once', () => {
    const { draft, issues } = checkConsentInput(
      {
        ...input,
        eventId: 'bad id',
        subject: 'msisdn:12',
        purpose: 'astrology',
        channel: 'fax',
        action: 'maybe',
        legalBasis: 'whim',
        jurisdiction: 'Russia',
        validFrom: 'yesterday',
        expiresAt: 'tomorrow',
        proof: { noticeId: 'privacy', noticeVersion: '1999' },
        tcfVendorId: 7,
      },
      '/events/3',
      context,
    );
    expect(draft).toBeUndefined();
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['/events/3/eventId', 'INVALID_EVENT_ID'],
      ['/events/3/jurisdiction', 'INVALID_JURISDICTION'],
      ['/events/3/subject', 'INVALID_SUBJECT'],
      ['/events/3/purpose', 'UNKNOWN_PURPOSE'],
      ['/events/3/channel', 'INVALID_CHANNEL'],
      ['/events/3/action', 'INVALID_ACTION'],
      ['/events/3/legalBasis', 'UNKNOWN_LEGAL_BASIS'],
      ['/events/3/validFrom', 'INVALID_TIME'],
      ['/events/3/expiresAt', 'INVALID_TIME'],
      ['/events/3/proof/noticeId', 'UNKNOWN_NOTICE'],
      ['/events/3/tcfVendorId', 'TCF_STRING_REQUIRED'],
    ]);
  });

  it('refuses a legal basis the purpose does not allow, and expiries that make no sense', () => {
    const basis = checkConsentInput({ ...input, purpose: 'traffic_data', legalBasis: 'gdpr_art6_1f_legitimate_interests' }, '', context);
    expect(basis.issues).toEqual([expect.objectContaining({ path: '/legalBasis', code: 'LEGAL_BASIS_NOT_ALLOWED' })]);
    const early = checkConsentInput({ ...input, validFrom: '2026-05-01T00:00:00Z', expiresAt: '2026-04-01T00:00:00Z' }, '', context);
    expect(early.issues).toEqual([expect.objectContaining({ path: '/expiresAt', code: 'EXPIRY_BEFORE_START' })]);
    const onWithdraw = checkConsentInput({ ...input, action: 'withdraw', expiresAt: '2027-01-01T00:00:00Z' }, '', context);
    expect(onWithdraw.issues).toEqual([expect.objectContaining({ path: '/expiresAt', code: 'EXPIRY_ON_NON_GRANT' })]);
  });

  it('accepts in_app and ad partner channels, and profile subjects', () => {
    expect(checkConsentInput({ ...input, channel: 'in_app' }, '', context).draft?.channel).toBe('app');
    expect(checkConsentInput({ ...input, channel: 'ads:yandex' }, '', context).draft?.channel).toBe('ads:yandex');
    expect(checkConsentInput({ ...input, subject: 'profile:01J0000000000000000000000' }, '', context).draft?.subject).toBe(
      'profile:01J0000000000000000000000',
    );
    expect(checkConsentInput({ ...input, subject: 'shoe:42' }, '', context).issues[0]).toMatchObject({ code: 'INVALID_SUBJECT' });
  });

  it('tells a retry from another decision', () => {
    const a = checkConsentInput(input, '', context).draft;
    const b = checkConsentInput({ ...input, subject: 'msisdn:+79161234567' }, '', context).draft;
    const c = checkConsentInput({ ...input, action: 'deny' }, '', context).draft;
    if (!a || !b || !c) throw new Error('drafts expected');
    expect(sameDecision(a, b)).toBe(true);
    expect(sameDecision(a, c)).toBe(false);
  });

  it('reads only full ISO 8601 times with an offset', () => {
    expect(parseInstant('2026-11-20T15:00:00+03:00')).toBe('2026-11-20T12:00:00.000Z');
    expect(parseInstant('2026-11-20')).toBeUndefined();
    expect(parseInstant('2026-13-40T00:00:00Z')).toBeUndefined();
  });
});

describe('purposes and notices', () => {
  it('checks legal bases and the TCF purpose id', () => {
    expect(checkPurposeInput({ code: 'x', legalBases: [] }).issues[0]).toMatchObject({ path: '/legalBases', code: 'REQUIRED' });
    expect(
      checkPurposeInput({ code: 'x', legalBases: ['fz152_consent', 'whim', 'fz152_consent'] }).issues.map((i) => [i.path, i.code]),
    ).toEqual([
      ['/legalBases/1', 'UNKNOWN_LEGAL_BASIS'],
      ['/legalBases/2', 'DUPLICATE'],
    ]);
    expect(checkPurposeInput({ code: 'x', legalBases: ['fz152_consent'], tcfPurposeId: 12 }).issues[0]).toMatchObject({
      path: '/tcfPurposeId',
    });
    expect(checkPurposeInput({ code: 'x', legalBases: ['fz152_consent'] }).draft).toEqual({
      code: 'x',
      name: 'x',
      description: '',
      legalBases: ['fz152_consent'],
      tcfPurposeId: null,
      advertising: false,
    });
  });

  it('hashes a notice text, and refuses a hash that does not match it', () => {
    const hash = noticeTextHash({ id: 'n', version: '1', language: 'ru', text: 'abc' });
    expect(hash).toEqual({ hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', issues: [] });
    expect(noticeTextHash({ id: 'n', version: '1', language: 'ru', text: 'abc', textHash: 'a'.repeat(64) }).issues[0]).toMatchObject({
      code: 'HASH_MISMATCH',
    });
    expect(noticeTextHash({ id: 'n', version: '1', language: 'ru' }).issues[0]).toMatchObject({ path: '/text', code: 'REQUIRED' });
    expect(noticeTextHash({ id: 'n', version: '1', language: 'ru', textHash: 'xyz' }).issues[0]).toMatchObject({ code: 'INVALID_HASH' });
  });
});
