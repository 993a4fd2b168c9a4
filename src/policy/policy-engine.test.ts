import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import type { ConsentEvidence } from './consent-evidence.js';
import { DEFAULT_POLICY_TEXT } from './default-policy.js';
import { PolicyDecider } from './policy-decider.js';
import { compilePolicySet, DEFAULT_DENY, evaluatePolicy, policyIdsOf, type PolicyConsumer, type PolicyRequest } from './policy-engine.js';

const set = compilePolicySet(DEFAULT_POLICY_TEXT, 1);

const campaigns: PolicyConsumer = {
  id: 'campaigns',
  revision: 1,
  kind: 'campaign',
  partner: null,
  purposes: ['marketing'],
  channels: ['sms', 'email'],
  requiredSignals: [],
};
const care: PolicyConsumer = { ...campaigns, id: 'care', kind: 'contact_centre', purposes: ['service'], channels: ['voice'] };
const adnet: PolicyConsumer = {
  id: 'adnet',
  revision: 1,
  kind: 'ad_partner',
  partner: 'adnet',
  purposes: ['third_party_ads'],
  channels: ['ads:adnet'],
  requiredSignals: [],
};
const legitimate: ConsentEvidence = { valid: true, explicit: false, legalBasis: 'legitimate_interests', signals: [], eventIds: ['c-1'] };
const contract: ConsentEvidence = { valid: true, explicit: false, legalBasis: 'contract', signals: [], eventIds: ['c-2'] };

const decide = (overrides: Partial<PolicyRequest>) =>
  evaluatePolicy(set, {
    consumer: campaigns,
    purpose: 'marketing',
    channel: 'sms',
    attributeClass: 'billing',
    consent: true,
    ...overrides,
  });

describe('the default policy set', () => {
  it('allows a registered purpose and channel with consent, naming the permit', () => {
    expect(decide({})).toEqual({ allowed: true, rules: ['permit-registered-purpose-and-channel'], policyVersion: 1 });
  });

  it('denies a subject with no consent', () => {
    const decision = decide({ consent: false });
    expect(decision.allowed).toBe(false);
    expect(decision.rules).toContain('forbid-without-valid-consent');
    expect(decide({ consent: { ...legitimate, valid: false } }).rules).toContain('forbid-without-valid-consent');
  });

  it('denies by default what no permit allows: an unregistered purpose, channel, or a class that does not serve the purpose', () => {
    expect(decide({ purpose: 'profiling' })).toMatchObject({ allowed: false, rules: [DEFAULT_DENY] });
    expect(decide({ channel: 'push' })).toMatchObject({ allowed: false, rules: [DEFAULT_DENY] });
    expect(decide({ consumer: adnet, purpose: 'third_party_ads', channel: 'ads:adnet', attributeClass: 'billing' })).toMatchObject({
      allowed: false,
      rules: [DEFAULT_DENY],
    });
  });

  it('lets traffic and location data feed marketing only with explicit consent', () => {
    for (const attributeClass of ['traffic', 'location'] as const) {
      const implicit = decide({ attributeClass, consent: legitimate });
      expect(implicit.allowed).toBe(false);
      expect(implicit.rules).toEqual(['forbid-traffic-and-location-for-marketing-without-explicit-consent']);
      expect(decide({ attributeClass, consent: true }).allowed).toBe(true);
    }
    // Consent to marketing under a consent basis is not yet consent to using traffic or location data for it.
    const explicitOnly: ConsentEvidence = { ...legitimate, explicit: true, legalBasis: 'fz38_art18_ad_consent' };
    expect(decide({ attributeClass: 'traffic', consent: explicitOnly }).allowed).toBe(false);
    const trafficToo: ConsentEvidence = { ...explicitOnly, signals: ['traffic_data_consent'] };
    expect(decide({ attributeClass: 'traffic', consent: trafficToo }).allowed).toBe(true);
    expect(decide({ attributeClass: 'location', consent: trafficToo }).allowed).toBe(false);
    // The same legitimate interest lets billing data feed marketing, and a contract lets traffic serve the service.
    expect(decide({ attributeClass: 'billing', consent: legitimate }).allowed).toBe(true);
    expect(decide({ consumer: care, purpose: 'service', channel: 'voice', attributeClass: 'traffic', consent: contract }).allowed).toBe(
      true,
    );
  });

  it('gives an ad partner data only on its own ads:<partner> channel, with consent for it', () => {
    const ads = { consumer: adnet, purpose: 'third_party_ads', attributeClass: 'identifier' as const };
    expect(decide({ ...ads, channel: 'ads:adnet', consent: true }).allowed).toBe(true);
    expect(decide({ ...ads, channel: 'ads:adnet', consent: false }).rules).toContain('forbid-without-valid-consent');
    // Even if registered with another partner's channel, the partner receives nothing there.
    const misregistered: PolicyConsumer = { ...adnet, channels: ['ads:adnet', 'ads:other'] };
    expect(decide({ ...ads, consumer: misregistered, channel: 'ads:other', consent: true })).toMatchObject({
      allowed: false,
      rules: ['forbid-ad-partner-outside-its-channel'],
    });
    // Location never reaches an ad partner: the class does not serve third_party_ads.
    expect(decide({ ...ads, channel: 'ads:adnet', attributeClass: 'location', consent: true }).allowed).toBe(false);
  });

  it('requires explicit consent for special categories and every required signal of the consumer', () => {
    expect(decide({ consumer: care, purpose: 'service', channel: 'voice', attributeClass: 'special', consent: contract }).rules).toEqual([
      'forbid-special-categories-without-explicit-consent',
    ]);
    const tcf: PolicyConsumer = { ...adnet, requiredSignals: ['tcf_vendor_consent'] };
    const ads = { consumer: tcf, purpose: 'third_party_ads', channel: 'ads:adnet', attributeClass: 'identifier' as const };
    expect(decide({ ...ads, consent: true }).rules).toEqual(['forbid-missing-required-signals']);
    expect(decide({ ...ads, consent: { ...legitimate, explicit: true, signals: ['tcf_vendor_consent'] } }).allowed).toBe(true);
  });
});

describe('compiling a policy set', () => {
  const refused = (text: string) => {
    try {
      compilePolicySet(text, 2);
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('VALIDATION_FAILED');
      return (err as AppError).details;
    }
    throw new Error('the set was accepted');
  };

  it('keeps the @id of every policy', () => {
    expect(set.policyIds).toHaveLength(6);
    expect(policyIdsOf(DEFAULT_POLICY_TEXT)).toEqual(set.policyIds);
  });

  it('refuses text that does not parse, policies without or with duplicate ids, and an empty set', () => {
    expect(refused('permit(principal, action, resource) when { ')[0]).toMatchObject({ code: 'PARSE' });
    expect(refused('permit(principal, action, resource);')[0]).toMatchObject({ code: 'MISSING_ID' });
    expect(refused('@id("a") permit(principal, action, resource);\n@id("a") forbid(principal, action, resource);')[0]).toMatchObject({
      code: 'DUPLICATE_ID',
    });
    expect(refused('@id("default-deny") permit(principal, action, resource);')[0]).toMatchObject({ code: 'RESERVED_ID' });
    expect(refused('// nothing')[0]).toMatchObject({ code: 'EMPTY' });
  });

  it('refuses a policy that does not type-check against the schema', () => {
    const details = refused('@id("typo") permit(principal, action, resource) when { context.consent.vaild };');
    expect(details[0]).toMatchObject({ code: 'TYPE', path: '/policies/typo' });
  });
});

describe('the decision cache', () => {
  it('evaluates each distinct tuple once, and forgets everything when another version comes into use', () => {
    const decider = new PolicyDecider(set);
    const request: PolicyRequest = { consumer: campaigns, purpose: 'marketing', channel: 'sms', attributeClass: 'billing', consent: true };
    const first = decider.decide(request);
    expect(decider.decide({ ...request })).toBe(first);
    // Consent evidence with other event ids but the same meaning shares the decision.
    const withEvents = { ...legitimate, eventIds: ['x'] };
    decider.decide({ ...request, consent: legitimate });
    decider.decide({ ...request, consent: withEvents });
    expect(decider.stats()).toEqual({ entries: 2, hits: 2, misses: 2 });
    // A changed consumer is a new revision: its decisions are made afresh.
    decider.decide({ ...request, consumer: { ...campaigns, revision: 2, channels: ['email'] } });
    expect(decider.stats().misses).toBe(3);

    const denyAll = compilePolicySet('@id("only-service") permit(principal, action, resource) when { context.purpose == "service" };', 2);
    decider.use(denyAll);
    expect(decider.stats().entries).toBe(0);
    expect(decider.decide(request)).toEqual({ allowed: false, rules: [DEFAULT_DENY], policyVersion: 2 });
  });
});
