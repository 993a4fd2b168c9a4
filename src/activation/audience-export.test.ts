import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { diffMembers, memberColumns, renderCsv } from './audience-export.js';
import { basisProblem, type RecordedConsentEvent } from './legal-basis-report.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('export diff', () => {
  it('a full export adds everyone; an incremental one adds the new, keeps the held, removes the gone', () => {
    expect(diffMembers('full', ['a', 'b'], new Set(['a', 'z']))).toEqual({ add: ['a', 'b'], keep: [], remove: [] });
    expect(diffMembers('incremental', ['a', 'b'], null)).toEqual({ add: ['a', 'b'], keep: [], remove: [] });
    expect(diffMembers('incremental', ['a', 'b', 'c'], new Set(['z', 'b', 'y']))).toEqual({
      add: ['a', 'c'],
      keep: ['b'],
      remove: ['y', 'z'],
    });
  });
});

describe('member columns', () => {
  const identifiers = [
    { type: 'email', value: 'anna@example.com' },
    { type: 'imsi', value: '250010000000001' },
    { type: 'msisdn', value: '+79161234567' },
  ];
  it('releases only the classes the policy allows, never identifiers outside the export list', () => {
    const columns = memberColumns('add', 'P1', identifiers, { hashing: null, region: 'RU', allows: (cls) => cls === 'identifier' });
    expect(columns.row).toEqual({ op: 'add', profileId: 'P1', identifiers: { msisdn: ['+79161234567'] } });
    expect(columns.released).toEqual(['audience.membership', 'identifiers.msisdn']);
    expect(columns.redacted).toEqual(['identifiers.email']);
  });

  it('hashes the platform’s way for an ad partner and leaves the profile id out', () => {
    const google = memberColumns('add', 'P1', identifiers, { hashing: 'google', region: 'RU', allows: () => true });
    expect(google.row).toEqual({
      op: 'add',
      identifiers: { email_sha256: [sha256('anna@example.com')], msisdn_sha256: [sha256('+79161234567')] },
    });
    const meta = memberColumns('add', 'P1', [{ type: 'msisdn', value: '+79161234567' }], {
      hashing: 'meta',
      region: 'RU',
      allows: () => true,
    });
    expect(meta.row.identifiers).toEqual({ msisdn_sha256: [sha256('79161234567')] });
  });

  it('writes RFC 4180 CSV with a header and several values joined by ;', () => {
    const csv = renderCsv(
      [
        { op: 'add', profileId: 'P1', identifiers: { msisdn: ['+1', '+2'], email: ['a,b@example.com'] } },
        { op: 'remove', profileId: 'P2', identifiers: {} },
      ],
      null,
    );
    expect(csv).toBe('op,profile_id,msisdn,email\r\nadd,P1,+1;+2,"a,b@example.com"\r\nremove,P2,,\r\n');
  });
});

describe('legal basis check', () => {
  const grant: RecordedConsentEvent = {
    eventId: 'm-1',
    subject: 'msisdn:+79161234567',
    purpose: 'marketing',
    channel: 'sms',
    action: 'grant',
    legalBasis: 'fz38_art18_ad_consent',
    jurisdiction: 'RU',
    validFrom: '2026-11-01T00:00:00.000Z',
    expiresAt: '2027-11-01T00:00:00.000Z',
    recordedAt: '2026-11-01T00:00:00.000Z',
    purposeVersion: 1,
    hash: 'h',
    evidenceRef: null,
    noticeId: null,
    noticeVersion: null,
  };
  const expected = { purpose: 'marketing', channel: 'sms', at: '2026-11-20T12:00:00.000Z' };
  it('accepts a grant valid at send time and names what is wrong otherwise', () => {
    expect(basisProblem(grant, expected)).toBeUndefined();
    expect(basisProblem(undefined, expected)).toBe('NO_CONSENT_EVENT');
    expect(basisProblem({ ...grant, action: 'withdraw' }, expected)).toBe('EVENT_IS_WITHDRAW');
    expect(basisProblem({ ...grant, channel: 'email' }, expected)).toBe('OTHER_CHANNEL');
    expect(basisProblem({ ...grant, expiresAt: '2026-11-20T12:00:00.000Z' }, expected)).toBe('EXPIRED');
    expect(basisProblem({ ...grant, validFrom: '2026-11-21T00:00:00.000Z' }, expected)).toBe('NOT_YET_VALID');
    expect(basisProblem({ ...grant, recordedAt: '2026-11-21T00:00:00.000Z' }, expected)).toBe('RECORDED_AFTER_SEND');
  });
});
