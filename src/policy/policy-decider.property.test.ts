import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_CLASSES } from './attribute-classes.js';
import type { ConsentInput } from './consent-evidence.js';
import { CONSUMER_KINDS } from './consumer.js';
import { DEFAULT_POLICY_TEXT } from './default-policy.js';
import { PolicyDecider } from './policy-decider.js';
import { compilePolicySet, evaluatePolicy, type PolicyConsumer, type PolicyRequest } from './policy-engine.js';

const set = compilePolicySet(DEFAULT_POLICY_TEXT, 1);
/** A set that reads every part of the context, so a cache key that dropped one would be caught. */
const nosy = compilePolicySet(
  `@id("by-basis") permit (principal, action, resource) when { context.consent.legalBasis == "gdpr_art6_1a_consent" && !context.consent.valid };
   @id("by-signal") permit (principal, action, resource) when { context.consent.signals.contains("advertising_consent") && !context.consent.explicit };
   @id("by-kind") forbid (principal, action, resource) when { principal.kind == "nba" && context.channel == "sms" };`,
  2,
);
const PURPOSES = ['service', 'marketing', 'profiling', 'third_party_ads'];
const CHANNELS = ['sms', 'email', 'voice', 'ads:adnet', 'ads:other'];
const SIGNALS = ['traffic_data_consent', 'location_data_consent', 'tcf_vendor_consent', 'advertising_consent'];

const consumer: fc.Arbitrary<PolicyConsumer> = fc.record({
  id: fc.constantFrom('a', 'b'),
  revision: fc.constant(1),
  kind: fc.constantFrom(...CONSUMER_KINDS),
  partner: fc.constantFrom(null, 'adnet'),
  purposes: fc.subarray(PURPOSES, { minLength: 1 }),
  channels: fc.subarray(CHANNELS, { minLength: 1 }),
  requiredSignals: fc.subarray(SIGNALS, { maxLength: 2 }),
});
const consent: fc.Arbitrary<ConsentInput> = fc.oneof(
  fc.boolean(),
  fc.record({
    valid: fc.boolean(),
    explicit: fc.boolean(),
    legalBasis: fc.constantFrom(null, 'gdpr_art6_1a_consent', 'gdpr_art6_1f_legitimate_interests'),
    signals: fc.shuffledSubarray(SIGNALS),
    eventIds: fc.array(fc.constantFrom('e1', 'e2', 'e3'), { maxLength: 2 }),
  }),
);
const request: fc.Arbitrary<PolicyRequest> = fc.record({
  consumer,
  purpose: fc.constantFrom(...PURPOSES),
  channel: fc.constantFrom(...CHANNELS),
  attributeClass: fc.constantFrom(...ATTRIBUTE_CLASSES),
  consent,
});

describe('cached decisions', () => {
  it('equal an uncached evaluation, whatever was cached before (the cache key never merges two different decisions)', () => {
    // One decider across runs: consumers `a` and `b` reappear with other registrations, which a
    // stored consumer can only do with a new revision — so each run gets a revision of its own.
    for (const policies of [set, nosy]) {
      const decider = new PolicyDecider(policies);
      let revision = 0;
      fc.assert(
        fc.property(fc.array(request, { minLength: 1, maxLength: 6 }), (requests) => {
          revision++;
          // Within a run, an id stands for one registration at one revision, as stored consumers do.
          const registered = new Map<string, PolicyConsumer>();
          for (const r of requests) {
            const known = registered.get(r.consumer.id) ?? { ...r.consumer, revision };
            registered.set(known.id, known);
            const req = { ...r, consumer: known };
            expect(decider.decide(req)).toEqual(evaluatePolicy(policies, req));
          }
        }),
        { numRuns: 100 },
      );
    }
  });

  it('never allow anything to a subject without valid consent (deny by default)', () => {
    fc.assert(
      fc.property(request, (r) => {
        const denied = { ...r, consent: typeof r.consent === 'boolean' ? false : { ...r.consent, valid: false } };
        expect(evaluatePolicy(set, denied).allowed).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
