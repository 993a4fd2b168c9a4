import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { BUILTIN_CONTRACTS } from '../contracts/index.js';
import { DEFAULT_AGGREGATES } from '../profiles/aggregates/index.js';
import { buildAttributeCatalogue, classificationsOfContracts } from './attribute-catalogue.js';
import type { AttributeClass } from './attribute-classes.js';
import { NO_CONSENT, type ConsentInput } from './consent-evidence.js';
import { DEFAULT_POLICY_TEXT } from './default-policy.js';
import { buildDisclosureRecord, filterMembersByConsent, projectProfile, PURPOSE_NOT_SERVED, UNCLASSIFIED } from './enforcement.js';
import { PolicyDecider } from './policy-decider.js';
import { compilePolicySet, type Decision, type PolicyConsumer } from './policy-engine.js';

const catalogue = buildAttributeCatalogue({ events: classificationsOfContracts(BUILTIN_CONTRACTS), aggregates: DEFAULT_AGGREGATES });
const decider = new PolicyDecider(compilePolicySet(DEFAULT_POLICY_TEXT, 3));
const campaigns: PolicyConsumer = {
  id: 'campaigns',
  revision: 1,
  kind: 'campaign',
  partner: null,
  purposes: ['marketing'],
  channels: ['sms'],
  requiredSignals: [],
};
const decideFor =
  (consent: ConsentInput) =>
  (attributeClass: AttributeClass): Decision =>
    decider.decide({ consumer: campaigns, purpose: 'marketing', channel: 'sms', attributeClass, consent });

const profile = {
  profileId: 'P1',
  requestedId: 'P1',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: null,
  timeZone: 'Europe/Moscow',
  traits: { name: 'Иван', tariff: 'T-1', lastLocation: { cellId: 7 }, mystery: 1 },
  openCases: [],
  aggregates: { topup_count: { windows: { '30d': 3 } }, distinct_cells: { windows: { '7d': 12 } } },
  scores: null,
  accounts: [{ accountId: 'A-1', role: 'payer' }],
  lineage: { name: { source: 'crm' }, lastLocation: { source: 'network' } },
  somethingNew: true,
};

describe('profile projection', () => {
  it('releases what the catalogue and policy allow, redacts the rest with the reason, and never releases the unknown', () => {
    const legitimate = { valid: true, explicit: false, legalBasis: 'legitimate_interests', signals: [], eventIds: ['c1'] };
    const {
      profile: out,
      released,
      redacted,
    } = projectProfile(profile, { catalogue, purpose: 'marketing', decide: decideFor(legitimate) });
    expect(out.profileId).toBe('P1');
    expect(out.traits).toEqual({ name: 'Иван', tariff: 'T-1' });
    expect(out.aggregates).toEqual({ topup_count: { windows: { '30d': 3 } } });
    expect(out).not.toHaveProperty('timeZone');
    expect(out).not.toHaveProperty('somethingNew');
    expect(out.lineage).toEqual({ name: { source: 'crm' } });
    expect(out.scores).toBeNull();
    expect(released).toEqual(expect.arrayContaining(['traits.name', 'traits.tariff', 'aggregates.topup_count', 'accounts', 'openCases']));
    const why = Object.fromEntries(redacted.map((r) => [r.attribute, r.rules]));
    expect(why['traits.lastLocation']).toEqual(['forbid-traffic-and-location-for-marketing-without-explicit-consent']);
    expect(why['aggregates.distinct_cells']).toEqual(['forbid-traffic-and-location-for-marketing-without-explicit-consent']);
    expect(why['traits.mystery']).toEqual([UNCLASSIFIED]);
    expect(why.somethingNew).toEqual([UNCLASSIFIED]);
  });

  it('redacts everything but the envelope for a subject without consent', () => {
    const { profile: out, released } = projectProfile(profile, { catalogue, purpose: 'marketing', decide: decideFor(false) });
    expect(released).toEqual([]);
    expect(out.traits).toEqual({});
    expect(Object.keys(out).sort()).toEqual([
      'aggregates',
      'createdAt',
      'lineage',
      'profileId',
      'requestedId',
      'scores',
      'traits',
      'updatedAt',
    ]);
  });

  it('redacts an attribute whose catalogue entry does not serve the purpose even when the class would', () => {
    const narrowed = buildAttributeCatalogue({
      events: classificationsOfContracts(BUILTIN_CONTRACTS),
      aggregates: [],
      purposeOverrides: { 'traits.name': ['service'] },
    });
    const { redacted } = projectProfile(
      { traits: { name: 'Иван' } },
      { catalogue: narrowed, purpose: 'marketing', decide: decideFor(true) },
    );
    expect(redacted).toEqual([{ attribute: 'traits.name', class: 'pii', rules: [PURPOSE_NOT_SERVED] }]);
  });
});

describe('member filtering by consent', () => {
  it('keeps only members with a valid basis, in order, and counts the denials by rule', () => {
    const consent: Record<string, ConsentInput> = { a: true, b: false, c: NO_CONSENT, d: true };
    const asked: string[] = [];
    const result = filterMembersByConsent(
      ['a', 'b', 'c', 'd', 'e'],
      (m) => consent[m] ?? false,
      (c) => {
        asked.push(String(typeof c === 'boolean' ? c : c.valid));
        return decider.decide({ consumer: campaigns, purpose: 'marketing', channel: 'sms', attributeClass: 'derived', consent: c });
      },
    );
    expect(result.allowed).toEqual(['a', 'd']);
    expect(result.denied).toEqual(['b', 'c', 'e']);
    expect(result.deniedBy).toEqual({ 'forbid-without-valid-consent': 3 });
    // One decision per distinct kind of consent, not per member.
    expect(asked).toHaveLength(2);
  });
});

describe('disclosure records', () => {
  const base = {
    id: 'D1',
    at: '2026-11-22T10:00:00Z',
    subject: 'P1',
    consumerId: 'campaigns',
    exit: 'profile_read' as const,
    purpose: 'marketing',
    channel: 'sms',
    released: ['traits.tariff', 'traits.name', 'traits.name'],
    redacted: [{ attribute: 'traits.lastLocation', class: 'location' as const, rules: ['x'] }, 'somethingNew'],
    consentEvents: ['c2', 'c1'],
    policyVersion: 3,
  };

  it('names subject, consumer, the attributes released and redacted, the consent events and the policy version', () => {
    expect(buildDisclosureRecord(base)).toEqual({
      ...base,
      released: ['traits.name', 'traits.tariff'],
      redacted: ['somethingNew', 'traits.lastLocation'],
      consentEvents: ['c1', 'c2'],
      reference: null,
    });
  });

  it('refuses an incoherent record with every problem listed', () => {
    try {
      buildDisclosureRecord({ ...base, subject: ' ', redacted: ['traits.name'], consentEvents: [], policyVersion: 0 });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).details.map((d) => d.code).sort()).toEqual(['CONTRADICTION', 'EMPTY', 'INVALID', 'NO_BASIS']);
    }
  });
});
