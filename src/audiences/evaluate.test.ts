import { describe, expect, it } from 'vitest';
import { previewAudience } from './audience-analysis.js';
import type { AudienceInput } from './audience-input.js';
import { columnsFromInputs } from './columns-from-inputs.js';
import { dependenciesOf } from './dependencies.js';
import { compileAudience } from './evaluate.js';
import { DEFAULT_CATALOGUE } from './field-catalogue.js';
import { DAY_MS } from './field-types.js';
import type { RuleGroup } from './rule.js';
import { and, audienceOf, daysAgo, NOW, occurrence, person } from './test-fixtures.js';

const topups3in30: RuleGroup = and({
  field: 'event',
  operator: 'performed',
  eventType: 'billing/topup',
  count: { op: 'atLeast', n: 3 },
  window: { lastDays: 30 },
});

const withTopups = (...days: number[]) => person({ events: { 'billing/topup': days.map((d) => occurrence(daysAgo(d))) } });

/** Both evaluators' answer for each input (they must agree). */
const members = (rule: RuleGroup, inputs: readonly AudienceInput[], entity: 'person' | 'account' = 'person'): boolean[] => {
  const audience = audienceOf(rule, entity);
  const incremental = inputs.map((input) => compileAudience(audience).isMember(input, NOW));
  const store = columnsFromInputs(inputs, entity, dependenciesOf(audience), DEFAULT_CATALOGUE);
  const preview = previewAudience(audience, store, NOW, inputs.length);
  const bulk = inputs.map((input) => preview.sample.includes(input.id));
  expect(bulk).toEqual(incremental);
  return incremental;
};

describe('event conditions', () => {
  it('topped up at least 3 times in 30 days: 2 no, 3 yes, 4 yes, and a top-up on day 31 does not count', () => {
    expect(members(topups3in30, [withTopups(1, 10), withTopups(1, 10, 29), withTopups(1, 2, 3, 4), withTopups(1, 10, 31)])).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('flips when the oldest counted top-up leaves the window, not before', () => {
    const audience = compileAudience(audienceOf(topups3in30));
    const input = withTopups(2, 10, 29);
    const { member, nextChangeAt } = audience.evaluate(input, NOW);
    expect(member).toBe(true);
    // The top-up 29 days ago leaves the 30-day window exactly one day from now.
    expect(nextChangeAt).toBe(NOW + DAY_MS);
    expect(audience.isMember(input, NOW + DAY_MS - 1)).toBe(true);
    expect(audience.isMember(input, NOW + DAY_MS)).toBe(false);
  });

  it('with 4 top-ups, the flip waits for the second oldest to leave', () => {
    const { nextChangeAt } = compileAudience(audienceOf(topups3in30)).evaluate(withTopups(2, 10, 20, 29), NOW);
    expect(nextChangeAt).toBe(NOW + 10 * DAY_MS);
  });

  it('no login for 14 days includes profiles that never logged in, and flips 14 days after the last login', () => {
    const rule = and({ field: 'event', operator: 'notPerformed', eventType: 'app/login', window: { lastDays: 14 } });
    const never = person();
    const recent = person({ events: { 'app/login': [occurrence(daysAgo(3))] } });
    const old = person({ events: { 'app/login': [occurrence(daysAgo(20))] } });
    expect(members(rule, [never, recent, old])).toEqual([true, false, true]);
    const evaluation = compileAudience(audienceOf(rule)).evaluate(recent, NOW);
    expect(evaluation.nextChangeAt).toBe(daysAgo(3) + 14 * DAY_MS);
    expect(compileAudience(audienceOf(rule)).evaluate(never, NOW).nextChangeAt).toBeNull();
  });

  it('counts only events matching every property filter, at most and exactly', () => {
    const big = (d: number) => occurrence(daysAgo(d), { amount: { value: 500, unit: 'RUB' }, paymentMethod: 'bankCard' });
    const small = (d: number) => occurrence(daysAgo(d), { amount: { value: 50, unit: 'RUB' }, paymentMethod: 'cash' });
    const filters = [
      { field: 'amount.value', operator: '>=', value: 100 },
      { field: 'paymentMethod', operator: 'in', value: ['bankCard', 'digitalWallet'] },
    ];
    const rule = (count: { op: 'atMost' | 'exactly'; n: number }): RuleGroup =>
      and({
        field: 'event',
        operator: 'performed',
        eventType: 'billing/topup',
        propertyFilters: filters as never,
        count,
        window: { lastDays: 30 },
      });
    const inputs = [
      person({ events: { 'billing/topup': [big(1), small(2), small(3)] } }),
      person({ events: { 'billing/topup': [big(1), big(2)] } }),
      person(),
    ];
    expect(members(rule({ op: 'exactly', n: 1 }), inputs)).toEqual([true, false, false]);
    expect(members(rule({ op: 'atMost', n: 1 }), inputs)).toEqual([true, false, true]);
  });

  it('a fixed window counts [from, to], a date-only end included', () => {
    const rule = and({
      field: 'event',
      operator: 'performed',
      eventType: 'billing/topup',
      window: { from: '2024-05-01', to: '2024-05-31' },
    });
    const at = (iso: string) => person({ events: { 'billing/topup': [occurrence(Date.parse(iso))] } });
    expect(
      members(rule, [at('2024-04-30T23:59:59Z'), at('2024-05-01T00:00:00Z'), at('2024-05-31T23:59:59Z'), at('2024-06-01T00:00:00Z')]),
    ).toEqual([false, true, true, false]);
  });
});

describe('attribute conditions', () => {
  it('compares with null as false, except null and notNull', () => {
    const inputs = [person({ fields: { 'traits.planType': 'prepaid' } }), person({ fields: { 'traits.planType': 'postpaid' } }), person()];
    expect(members(and({ field: 'traits.planType', operator: '!=', value: 'prepaid' }), inputs)).toEqual([false, true, false]);
    expect(members(and({ field: 'traits.planType', operator: 'notIn', value: ['prepaid'] }), inputs)).toEqual([false, true, false]);
    expect(members(and({ field: 'traits.planType', operator: 'null' }), inputs)).toEqual([false, false, true]);
    expect(members(and({ field: 'traits.planType', operator: 'notNull' }), inputs)).toEqual([true, true, false]);
    // A negated group is how "not prepaid, or unknown" is said.
    expect(
      members({ combinator: 'and', not: true, rules: [{ field: 'traits.planType', operator: '=', value: 'prepaid' }] }, inputs),
    ).toEqual([false, true, true]);
  });

  it('reads an absent count as 0 and an absent average as null', () => {
    const inputs = [person(), person({ fields: { 'aggregates.topup_count.30d': 4 } })];
    expect(members(and({ field: 'aggregates.topup_count.30d', operator: '<', value: 1 }), inputs)).toEqual([true, false]);
    expect(members(and({ field: 'aggregates.arpu.last_3', operator: '<', value: 1000 }), inputs)).toEqual([false, false]);
  });

  it('relative dates: within the last N days, older than N days, and when each flips', () => {
    const opened = (d: number) => person({ fields: { 'lastInteraction.app': daysAgo(d) } });
    const inputs = [opened(3), opened(20), person()];
    const older = and({ field: 'lastInteraction.app', operator: 'olderThanDays', value: 14 });
    expect(members(and({ field: 'lastInteraction.app', operator: 'withinLastDays', value: 14 }), inputs)).toEqual([true, false, false]);
    expect(members(older, inputs)).toEqual([false, true, false]);
    expect(compileAudience(audienceOf(older)).evaluate(opened(3), NOW).nextChangeAt).toBe(daysAgo(3) + 14 * DAY_MS);
  });
});

describe('consent and audience membership', () => {
  it('consent is denied by default; membership of another audience is read from the input', () => {
    const rule = and(
      { field: 'consent', operator: 'granted', purpose: 'marketing', channel: 'sms' },
      { field: 'audience', operator: 'notIn', audienceId: 'aud-churned' },
    );
    const audiences = {
      'aud-churned': { entity: 'person' as const, rule: and({ field: 'traits.status', operator: '=', value: 'terminated' }) },
    };
    const audience = compileAudience(audienceOf(rule, 'person', 'aud-test', audiences));
    expect(audience.isMember(person({ consents: ['marketing/sms'] }), NOW)).toBe(true);
    expect(audience.isMember(person({ consents: ['marketing/email'] }), NOW)).toBe(false);
    expect(audience.isMember(person({ consents: ['marketing/sms'], memberOf: ['aud-churned'] }), NOW)).toBe(false);
  });
});

describe('account audiences', () => {
  const prepaid = { field: 'traits.planType', operator: '=', value: 'prepaid' } as const;
  const group = (members: 'any' | 'all' | 'none'): RuleGroup => and({ combinator: 'and', members, rules: [prepaid] });
  const account = (id: string, people: readonly AudienceInput[]): AudienceInput => ({
    id,
    fields: { 'members.count': people.length },
    members: people,
  });
  const accounts = [
    account('a-empty', []),
    account('a-mixed', [person({ fields: { 'traits.planType': 'prepaid' } }), person({ fields: { 'traits.planType': 'postpaid' } })]),
    account('a-all', [person({ fields: { 'traits.planType': 'prepaid' } })]),
  ];

  it('an account with no members: ALL is false and NONE is true', () => {
    expect(members(group('all'), accounts, 'account')).toEqual([false, false, true]);
    expect(members(group('none'), accounts, 'account')).toEqual([true, false, false]);
    expect(members(group('any'), accounts, 'account')).toEqual([false, true, true]);
  });

  it('explains with the members that match and one example', () => {
    const evaluation = compileAudience(audienceOf(group('all'), 'account')).evaluate(accounts[1] as AudienceInput, NOW);
    expect(evaluation.member).toBe(false);
    expect(evaluation.failing?.evidence).toMatchObject({ kind: 'members', members: 2, matching: 1 });
    const example = evaluation.failing?.evidence?.kind === 'members' ? evaluation.failing.evidence.example : null;
    expect(example?.conditions.result).toBe(false);
  });
});

describe('explanations', () => {
  const rule = and(
    { field: 'traits.planType', operator: '=', value: 'prepaid' },
    { field: 'event', operator: 'performed', eventType: 'billing/topup', count: { op: 'atLeast', n: 2 }, window: { lastDays: 30 } },
    {
      combinator: 'or',
      rules: [
        { field: 'traits.homeRegion', operator: '=', value: 'RU-MOW' },
        { field: 'traits.roaming', operator: '=', value: true },
      ],
    },
  );
  const audience = compileAudience(audienceOf(rule));

  it('gives a member every condition with its evidence', () => {
    const input = person({
      fields: { 'traits.planType': 'prepaid', 'traits.homeRegion': 'RU-MOW' },
      events: {
        'billing/topup': [occurrence(daysAgo(5), {}, 't-2'), occurrence(daysAgo(12), {}, 't-1'), occurrence(daysAgo(40), {}, 't-0')],
      },
    });
    const evaluation = audience.evaluate(input, NOW);
    expect(evaluation.member).toBe(true);
    expect(evaluation.failing).toBeNull();
    const [plan, topups, where] = evaluation.conditions.children ?? [];
    expect(plan).toMatchObject({ path: '/rule/rules/0', result: true, evidence: { kind: 'attribute', actual: 'prepaid' } });
    expect(topups).toMatchObject({
      path: '/rule/rules/1',
      result: true,
      text: 'who topped up at least 2 times in the last 30 days',
      evidence: { kind: 'event', count: 2, eventIds: ['t-1', 't-2'], required: { op: 'atLeast', n: 2 } },
      nextChangeAt: new Date(daysAgo(12) + 30 * DAY_MS).toISOString(),
    });
    expect(where?.children?.map((c) => c.result)).toEqual([true, false]);
  });

  it('gives a non-member the first failing condition', () => {
    const input = person({
      fields: { 'traits.planType': 'prepaid', 'traits.homeRegion': 'RU-SPE' },
      events: { 'billing/topup': [occurrence(daysAgo(1))] },
    });
    const evaluation = audience.evaluate(input, NOW);
    expect(evaluation.member).toBe(false);
    expect(evaluation.failing).toMatchObject({ path: '/rule/rules/1', result: false, evidence: { kind: 'event', count: 1 } });
    const inMoscowOnly = person({ fields: { 'traits.planType': 'postpaid', 'traits.homeRegion': 'RU-SPE' } });
    expect(audience.evaluate(inMoscowOnly, NOW).failing).toMatchObject({ path: '/rule/rules/0', evidence: { actual: 'postpaid' } });
  });

  it('points at a negated group when its inside held', () => {
    const negated = compileAudience(
      audienceOf({
        combinator: 'or',
        not: true,
        rules: [
          { field: 'traits.roaming', operator: '=', value: true },
          { field: 'traits.planType', operator: 'null' },
        ],
      }),
    );
    const evaluation = negated.evaluate(person({ fields: { 'traits.roaming': true, 'traits.planType': 'prepaid' } }), NOW);
    expect(evaluation.failing).toMatchObject({ path: '/rule', kind: 'group', negated: true });
  });
});
