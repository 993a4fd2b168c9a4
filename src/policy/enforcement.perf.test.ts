import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_TEXT } from './default-policy.js';
import { filterMembersByConsent } from './enforcement.js';
import { benchPolicyDecisions } from './policy-bench.js';
import { PolicyDecider } from './policy-decider.js';
import { compilePolicySet, type PolicyConsumer } from './policy-engine.js';

const campaigns: PolicyConsumer = {
  id: 'campaigns',
  revision: 1,
  kind: 'campaign',
  partner: null,
  purposes: ['marketing'],
  channels: ['sms'],
  requiredSignals: [],
};

describe('policy performance (issue 7 budgets)', () => {
  it('filters a million members by consent within 2 s', () => {
    const decider = new PolicyDecider(compilePolicySet(DEFAULT_POLICY_TEXT, 1));
    const members = Array.from({ length: 1_000_000 }, (_, i) => `m${i}`);
    const started = performance.now();
    const result = filterMembersByConsent(
      members,
      (_, i) => i % 3 !== 0,
      (c) => decider.decide({ consumer: campaigns, purpose: 'marketing', channel: 'sms', attributeClass: 'derived', consent: c }),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.allowed).toHaveLength(666_666);
  });

  it('answers a cached decision within 5 µs at the 99th percentile', () => {
    const result = benchPolicyDecisions({ decisions: 200_000 });
    expect(result.p99Us).toBeLessThan(5);
    expect(result.opsPerSecond).toBeGreaterThan(200_000);
  });
});
