import { describe, expect, it } from 'vitest';
import type { AttributeClass, Decision, Projection } from '../policy/index.js';
import { CLOUD_EVENT_SOURCE, projectMessage, toCloudEvent, type OutboxMessage } from '../outbox/index.js';
import { subscriptionMatches } from './subscription.js';

const allow: Decision = { allowed: true, rules: ['permit-registered-purpose-and-channel'], policyVersion: 1 };
const deny: Decision = { allowed: false, rules: ['forbid-without-valid-consent'], policyVersion: 1 };

/** A projection that releases `scores.churn` and redacts everything else, as a policy might. */
const projectProfile = (profile: Readonly<Record<string, unknown>>): Projection => {
  const scores = (profile.scores ?? {}) as Record<string, unknown>;
  return {
    profile: { profileId: profile.profileId, scores: 'churn' in scores ? { churn: scores.churn } : {} },
    released: 'churn' in scores ? ['scores.churn'] : [],
    redacted: Object.keys(scores)
      .filter((k) => k !== 'churn')
      .map((k) => ({ attribute: `scores.${k}`, class: 'derived' as AttributeClass, rules: ['catalogue:purpose-not-served'] })),
  };
};

const entered: OutboxMessage = {
  id: 'ob_0123',
  type: 'audience.entered',
  subject: 'p-1',
  data: { audienceId: 'a-1', version: 2, memberId: 'p-1', reason: 'event', explanation: { location: 'Moscow' } },
  createdAt: '2026-03-01T12:00:00.000Z',
};

describe('the CloudEvents envelope', () => {
  it('is CloudEvents 1.0 structured JSON named after the outbox message', () => {
    expect(toCloudEvent(entered, { audienceId: 'a-1' })).toEqual({
      specversion: '1.0',
      id: 'ob_0123',
      source: CLOUD_EVENT_SOURCE,
      type: 'tessera.audience.entered.v1',
      subject: 'p-1',
      time: '2026-03-01T12:00:00.000Z',
      datacontenttype: 'application/json',
      data: { audienceId: 'a-1' },
    });
  });

  it('sends nothing about a subject without consent, or when the policy denies what the event discloses', () => {
    expect(projectMessage(entered, { consentValid: false, decide: () => allow, projectProfile })).toEqual({
      deliver: false,
      rules: ['delivery:no-consent'],
    });
    const asked: AttributeClass[] = [];
    const denied = projectMessage(entered, { consentValid: true, decide: (c) => (asked.push(c), deny), projectProfile });
    expect(denied).toEqual({ deliver: false, rules: ['forbid-without-valid-consent'] });
    expect(asked).toEqual(['derived']);
    const merge = { ...entered, type: 'profile.merged', data: { survivor: 'p-1', absorbed: ['p-2'] } };
    projectMessage(merge, { consentValid: true, decide: (c) => (asked.push(c), allow), projectProfile });
    expect(asked.at(-1)).toBe('identifier');
  });

  it('releases an audience change without the explanation, and names what it released', () => {
    const p = projectMessage(entered, { consentValid: true, decide: () => allow, projectProfile });
    expect(p).toMatchObject({ deliver: true, data: { audienceId: 'a-1', version: 2, memberId: 'p-1', reason: 'event' } });
    if (!p.deliver) throw new Error('unreachable');
    expect(p.data).not.toHaveProperty('explanation');
    expect(p.released).toContain('audience.entered:audienceId');
    expect(p.redacted).toEqual([{ attribute: 'audience.entered:explanation', rules: ['delivery:withheld'] }]);
  });

  it('projects the scores of score.changed through the attribute catalogue', () => {
    const changed: OutboxMessage = {
      ...entered,
      type: 'score.changed',
      data: { profileId: 'p-1', previous: { churn: 0.1, lifetimeValue: 10 }, scores: { churn: 0.4, lifetimeValue: 5 }, reasons: ['churn'] },
    };
    const p = projectMessage(changed, { consentValid: true, decide: () => allow, projectProfile });
    expect(p).toMatchObject({
      deliver: true,
      data: { profileId: 'p-1', previous: { churn: 0.1 }, scores: { churn: 0.4 }, reasons: ['churn'] },
    });
    if (!p.deliver) throw new Error('unreachable');
    expect(p.released).toEqual(expect.arrayContaining(['scores.churn', 'score.changed:profileId']));
    expect(p.redacted.map((r) => r.attribute)).toEqual(['scores.lifetimeValue']);
  });

  it('delivers contract violations without a consent check (they name a source, not a person)', () => {
    const violation = { ...entered, type: 'contract.violation', subject: 'billing', data: { source: 'billing' } };
    expect(projectMessage(violation, { consentValid: false, decide: () => deny, projectProfile })).toMatchObject({ deliver: true });
  });
});

describe('subscription matching', () => {
  const subscription = {
    eventTypes: ['audience.entered', 'score.changed'] as const,
    filters: { audienceIds: ['a-1'] },
    createdAt: '2026-03-01T00:00:00.000Z',
  };
  it('matches by type, audience filter and creation time', () => {
    expect(subscriptionMatches(subscription, entered)).toBe(true);
    expect(subscriptionMatches(subscription, { ...entered, data: { audienceId: 'a-2' } })).toBe(false);
    expect(subscriptionMatches(subscription, { ...entered, type: 'audience.exited' })).toBe(false);
    expect(subscriptionMatches(subscription, { ...entered, type: 'score.changed', data: {} })).toBe(true);
    expect(subscriptionMatches(subscription, { ...entered, createdAt: '2026-02-28T23:59:59.999Z' })).toBe(false);
  });
});
