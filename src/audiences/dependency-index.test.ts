import { describe, expect, it } from 'vitest';
import type { StoredAudience } from './audience-references.js';
import { DependencyIndex, feeds } from './dependency-index.js';
import { compileAudience } from './evaluate.js';
import { DEFAULT_CATALOGUE } from './field-catalogue.js';
import type { RuleGroup } from './rule.js';
import { and, audienceOf, NOW, person } from './test-fixtures.js';

const rules: Record<string, { entity: 'person' | 'account'; rule: RuleGroup }> = {
  prepaid: { entity: 'person', rule: and({ field: 'traits.planType', operator: '=', value: 'prepaid' }) },
  toppers: {
    entity: 'person',
    rule: and({
      field: 'event',
      operator: 'performed',
      eventType: 'billing/topup',
      count: { op: 'atLeast', n: 3 },
      window: { lastDays: 30 },
    }),
  },
  heavyData: { entity: 'person', rule: and({ field: 'aggregates.data_usage_home.30d', operator: '>', value: 1e10 }) },
  smsOk: { entity: 'person', rule: and({ field: 'consent', operator: 'granted', purpose: 'marketing', channel: 'sms' }) },
  prepaidToppers: {
    entity: 'person',
    rule: and({ field: 'audience', operator: 'in', audienceId: 'prepaid' }, { field: 'audience', operator: 'in', audienceId: 'toppers' }),
  },
  campaign: {
    entity: 'person',
    rule: and(
      { field: 'audience', operator: 'in', audienceId: 'prepaidToppers' },
      { field: 'audience', operator: 'in', audienceId: 'smsOk' },
    ),
  },
  families: {
    entity: 'account',
    rule: and(
      { field: 'members.count', operator: '>=', value: 3 },
      { combinator: 'and', members: 'any', rules: [{ field: 'audience', operator: 'in', audienceId: 'prepaid' }] },
    ),
  },
};

const stored: Record<string, StoredAudience> = rules;
const index = new DependencyIndex(
  Object.entries(rules).map(([id, { entity, rule }]) => audienceOf(rule, entity, id, stored)),
  DEFAULT_CATALOGUE,
);

describe('dependency index', () => {
  it('orders every audience after those it uses', () => {
    const at = (id: string) => index.order.indexOf(id);
    expect(at('prepaid')).toBeLessThan(at('prepaidToppers'));
    expect(at('toppers')).toBeLessThan(at('prepaidToppers'));
    expect(at('prepaidToppers')).toBeLessThan(at('campaign'));
    expect(index.order).toHaveLength(Object.keys(rules).length);
  });

  it('re-evaluates only what an event can change, and what uses it', () => {
    expect(index.affected('person', { eventTypes: ['billing/topup'] })).toEqual(['toppers', 'prepaidToppers', 'campaign']);
    expect(index.affected('person', { eventTypes: ['billing/tariff_change'] })).toEqual(['prepaid', 'prepaidToppers', 'campaign']);
    expect(index.affected('person', { eventTypes: ['network/data_session'] })).toEqual(['heavyData']);
    expect(index.affected('person', { eventTypes: ['web/domain_visit'] })).toEqual([]);
    expect(index.affected('person', { consentPurposes: ['marketing'] })).toEqual(['smsOk', 'campaign']);
    expect(index.affected('person', { fields: ['traits.planType'] })).toEqual(['prepaid', 'prepaidToppers', 'campaign']);
  });

  it('re-evaluates accounts whose members groups read what changed for a person', () => {
    expect(index.affectedThroughMembers({ audiences: ['prepaid'] })).toEqual(['families']);
    expect(index.affectedThroughMembers({ audiences: ['toppers'] })).toEqual([]);
    expect(index.affected('account', { fields: ['members.count'] })).toEqual(['families']);
  });

  it('editing a nested audience re-evaluates the audiences that use it, and changes them', () => {
    expect(index.dependents('prepaid')).toEqual(['prepaidToppers', 'campaign', 'families']);
    // prepaid is redefined as postpaid: the person leaves it, so leaves prepaidToppers too.
    const postpaid = audienceOf(and({ field: 'traits.planType', operator: '=', value: 'postpaid' }), 'person', 'prepaid', stored);
    const nested = compileAudience(audienceOf(rules.prepaidToppers!.rule, 'person', 'prepaidToppers', stored));
    const input = person({ fields: { 'traits.planType': 'prepaid' }, memberOf: ['toppers'] });
    const before = compileAudience(audienceOf(rules.prepaid!.rule, 'person', 'prepaid', stored)).isMember(input, NOW);
    const after = compileAudience(postpaid).isMember(input, NOW);
    const memberships = (inPrepaid: boolean) => ({
      ...input,
      memberships: (id: string) => (id === 'prepaid' ? inPrepaid : id === 'toppers'),
    });
    expect([before, after]).toEqual([true, false]);
    expect([nested.isMember(memberships(before), NOW), nested.isMember(memberships(after), NOW)]).toEqual([true, false]);
  });

  it('lists the audiences passing time can change', () => {
    expect(index.timeDriven()).toEqual(expect.arrayContaining(['toppers', 'heavyData']));
    expect(index.timeDriven()).not.toContain('prepaid');
  });

  it('matches event patterns: exact, any type of a source, a type from any source, anything', () => {
    expect([
      feeds('billing/topup', 'billing/topup'),
      feeds('billing/*', 'billing/topup'),
      feeds('topup', 'billing/topup'),
      feeds('*', 'x/y'),
    ]).toEqual([true, true, true, true]);
    expect([feeds('app/*', 'billing/topup'), feeds('billing', 'billing/topup'), feeds('crm/topup', 'billing/topup')]).toEqual([
      false,
      false,
      false,
    ]);
  });
});
