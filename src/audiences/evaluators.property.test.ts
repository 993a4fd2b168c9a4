import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AudienceInput, EventOccurrence } from './audience-input.js';
import { scanAudience } from './bulk-evaluate.js';
import { columnsFromInputs } from './columns-from-inputs.js';
import { dependenciesOf } from './dependencies.js';
import { compileAudience } from './evaluate.js';
import { DEFAULT_CATALOGUE, findField } from './field-catalogue.js';
import { DAY_MS, OPERATORS_BY_TYPE, type FieldValue } from './field-types.js';
import type { AttributeOperator, EntityType, Rule, RuleGroup } from './rule.js';
import { checkAudience } from './validate.js';
import { contextWith, NOW } from './test-fixtures.js';

/*
 * The two evaluators must agree (issue 6): random rules over random profiles give the same
 * members incrementally and in bulk. Value pools are small so that equalities, interval ends and
 * nulls are hit often. A second property checks the next time-driven change: membership does not
 * change before it.
 */

const NUMBERS = [-1, 0, 0.5, 1, 2, 3, 5, 100];
const STRINGS = ['RU-MOW', 'RU-SPE', 'RU-MOS', 'MOW', 'RU'];
const DAY_OFFSETS = [-2, 0, 1, 3, 13, 14, 15, 29, 30, 31, 45];
const FIELDS = [
  'traits.planType',
  'traits.homeRegion',
  'traits.roaming',
  'aggregates.topup_count.30d',
  'aggregates.arpu.last_3',
  'traits.balance.value',
  'lastInteraction.app',
  'scores.churn.band',
];
const AUDIENCES = ['aud-x', 'aud-y'];
const CONSENTS = [
  ['marketing', 'sms'],
  ['profiling', 'app'],
] as const;

const fieldOf = (id: string) => {
  const field = findField(DEFAULT_CATALOGUE, 'person', id);
  if (!field) throw new Error(`no field ${id}`);
  return field;
};

/** An instant near NOW, on or off a day boundary. */
const instant = fc.tuple(fc.constantFrom(...DAY_OFFSETS), fc.constantFrom(0, 1, -1, 3_600_000)).map(([d, ms]) => NOW - d * DAY_MS + ms);
const isoDay = fc.constantFrom(...DAY_OFFSETS).map((d) => new Date(NOW - d * DAY_MS).toISOString().slice(0, 10));

const scalarFor = (type: string, values?: readonly string[]): fc.Arbitrary<unknown> => {
  switch (type) {
    case 'number':
      return fc.constantFrom(...NUMBERS);
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc.oneof(
        isoDay,
        instant.map((ms) => new Date(ms).toISOString()),
      );
    case 'enum':
      return fc.constantFrom(...(values ?? []));
    default:
      return fc.constantFrom(...STRINGS, 'M', 'SPE');
  }
};

const valueFor = (type: string, operator: AttributeOperator, values?: readonly string[]): fc.Arbitrary<unknown> => {
  if (operator === 'null' || operator === 'notNull') return fc.constant('');
  if (operator === 'withinLastDays' || operator === 'olderThanDays') return fc.constantFrom(1, 13, 14, 30);
  if (operator === 'in' || operator === 'notIn') return fc.uniqueArray(scalarFor(type, values), { minLength: 1, maxLength: 3 });
  if (operator === 'between' || operator === 'notBetween') {
    const sortable = type === 'date' ? instant : fc.constantFrom(...NUMBERS);
    return fc.tuple(sortable, sortable).map(([a, b]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return type === 'date' ? [new Date(lo).toISOString(), new Date(hi).toISOString()] : [lo, hi];
    });
  }
  return scalarFor(type, values);
};

const attributeRule: fc.Arbitrary<Rule> = fc.constantFrom(...FIELDS).chain((id) => {
  const field = fieldOf(id);
  return fc
    .constantFrom(...OPERATORS_BY_TYPE[field.type])
    .chain((operator) => valueFor(field.type, operator, field.values).map((value) => ({ field: id, operator, value }) as Rule));
});

const eventRule: fc.Arbitrary<Rule> = fc
  .record({
    negated: fc.boolean(),
    eventType: fc.constantFrom('billing/topup', 'app/login'),
    count: fc.record({ op: fc.constantFrom('atLeast', 'atMost', 'exactly'), n: fc.integer({ min: 0, max: 3 }) }),
    window: fc.oneof(
      fc.constantFrom(1, 14, 30, 60).map((lastDays) => ({ lastDays })),
      fc.tuple(isoDay, isoDay).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a })),
    ),
    filters: fc.array(
      fc.oneof(
        fc.record({
          field: fc.constant('amount.value'),
          operator: fc.constantFrom('>=', '<', '=', 'between'),
          value: fc.constantFrom(1, 3),
        }),
        fc.record({
          field: fc.constant('paymentMethod'),
          operator: fc.constantFrom('=', '!=', 'null'),
          value: fc.constantFrom('cash', 'bankCard'),
        }),
      ),
      { maxLength: 2 },
    ),
  })
  .map(({ negated, eventType, count, window, filters }) => {
    const propertyFilters =
      eventType === 'billing/topup' ? filters.map((f) => (f.operator === 'between' ? { ...f, value: [f.value, 3] } : f)) : [];
    const n = count.op === 'atLeast' ? Math.max(1, count.n) : count.n;
    return {
      field: 'event',
      operator: negated ? 'notPerformed' : 'performed',
      eventType,
      ...(negated ? {} : { count: { op: count.op, n } }),
      window,
      ...(propertyFilters.length > 0 ? { propertyFilters } : {}),
    } as Rule;
  });

const otherRule: fc.Arbitrary<Rule> = fc.oneof(
  fc
    .record({ pair: fc.constantFrom(...CONSENTS), granted: fc.boolean() })
    .map(
      ({ pair, granted }) =>
        ({ field: 'consent', operator: granted ? 'granted' : 'notGranted', purpose: pair[0], channel: pair[1] }) as Rule,
    ),
  fc
    .record({ audienceId: fc.constantFrom(...AUDIENCES), isIn: fc.boolean() })
    .map(({ audienceId, isIn }) => ({ field: 'audience', operator: isIn ? 'in' : 'notIn', audienceId }) as Rule),
);

const personRule = fc.oneof(
  { weight: 5, arbitrary: attributeRule },
  { weight: 2, arbitrary: eventRule },
  { weight: 1, arbitrary: otherRule },
);

const groupOf = (child: fc.Arbitrary<Rule | RuleGroup>): fc.Arbitrary<RuleGroup> =>
  fc.record({
    combinator: fc.constantFrom('and', 'or'),
    not: fc.boolean(),
    rules: fc.array(child, { minLength: 1, maxLength: 4 }),
  }) as fc.Arbitrary<RuleGroup>;

const { group: personGroup } = fc.letrec<{ group: RuleGroup; node: Rule | RuleGroup }>((tie) => ({
  group: groupOf(tie('node')),
  node: fc.oneof({ depthSize: 'small', maxDepth: 4, withCrossShrink: true }, personRule, tie('group')),
}));

const accountGroup: fc.Arbitrary<RuleGroup> = groupOf(
  fc.oneof(
    fc.record({
      members: fc.constantFrom('any', 'all', 'none'),
      not: fc.boolean(),
      combinator: fc.constantFrom('and', 'or'),
      rules: fc.array(personGroup, { minLength: 1, maxLength: 2 }),
    }) as fc.Arbitrary<RuleGroup>,
    fc.record({
      field: fc.constant('members.count'),
      operator: fc.constantFrom('>=', '=', '<'),
      value: fc.constantFrom(0, 1, 2),
    }) as fc.Arbitrary<Rule>,
    fc.record({
      field: fc.constant('audience'),
      operator: fc.constantFrom('in', 'notIn'),
      audienceId: fc.constant('aud-accounts'),
    }) as fc.Arbitrary<Rule>,
  ),
);

const fieldValue = (id: string): fc.Arbitrary<FieldValue | undefined> => {
  const field = fieldOf(id);
  const value: fc.Arbitrary<FieldValue> =
    field.type === 'date' ? instant : (scalarFor(field.type, field.values) as fc.Arbitrary<FieldValue>);
  return fc.option(value, { nil: undefined, freq: 3 });
};

let personCount = 0;
const occurrences = (withProperties: boolean): fc.Arbitrary<EventOccurrence[]> =>
  fc
    .array(
      fc.record({
        at: instant,
        amount: fc.constantFrom(0, 1, 3, 5),
        method: fc.constantFrom('cash', 'bankCard', undefined),
      }),
      { maxLength: 5 },
    )
    .map((list) =>
      list.map((e, i) => ({
        eventId: `e${i}`,
        at: e.at,
        properties: withProperties ? { amount: { value: e.amount, unit: 'RUB' }, ...(e.method ? { paymentMethod: e.method } : {}) } : {},
      })),
    );

const personInput: fc.Arbitrary<AudienceInput> = fc
  .record({
    fields: fc.record(Object.fromEntries(FIELDS.map((id) => [id, fieldValue(id)]))),
    topups: occurrences(true),
    logins: occurrences(false),
    consents: fc.subarray(CONSENTS.map(([p, c]) => `${p}/${c}`)),
    memberOf: fc.subarray(AUDIENCES),
  })
  .map(({ fields, topups, logins, consents, memberOf }) => ({
    id: `p${++personCount}`,
    fields: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, FieldValue>,
    events: { occurrences: (type: string) => (type === 'billing/topup' ? topups : type === 'app/login' ? logins : []) },
    consent: (purpose: string, channel: string) => consents.includes(`${purpose}/${channel}`),
    memberships: (id: string) => memberOf.includes(id),
  }));

const accountInput: fc.Arbitrary<AudienceInput> = fc
  .record({ people: fc.array(personInput, { maxLength: 3 }), inAudience: fc.boolean() })
  .map(({ people, inAudience }) => ({
    id: `a${++personCount}`,
    fields: { 'members.count': people.length },
    members: people,
    memberships: (id: string) => inAudience && id === 'aud-accounts',
  }));

const stored = {
  'aud-x': { entity: 'person' as const, rule: { combinator: 'and', rules: [{ field: 'traits.roaming', operator: '=', value: true }] } },
  'aud-y': { entity: 'person' as const, rule: { combinator: 'and', rules: [{ field: 'traits.roaming', operator: '=', value: false }] } },
  'aud-accounts': { entity: 'account' as const, rule: { combinator: 'and', rules: [{ field: 'members.count', operator: '>', value: 1 }] } },
};

const validate = (rule: RuleGroup, entity: EntityType) => {
  const checked = checkAudience({ id: 'aud-under-test', entity, rule }, contextWith(stored));
  if (!checked.ok) throw new Error(`generated an invalid rule: ${JSON.stringify(checked.issues)}\n${JSON.stringify(rule)}`);
  return checked.audience;
};

const agree = (rule: RuleGroup, inputs: readonly AudienceInput[], entity: EntityType, now: number) => {
  const audience = validate(rule, entity);
  const compiled = compileAudience(audience);
  const incremental = inputs.map((input) => compiled.isMember(input, now));
  const explained = inputs.map((input) => compiled.evaluate(input, now).member);
  const timed = inputs.map((input) => compiled.membership(input, now).member);
  const store = columnsFromInputs(inputs, entity, dependenciesOf(audience), DEFAULT_CATALOGUE);
  const bulk = [...scanAudience(audience, store, now)].map((m) => m === 1);
  expect(explained).toEqual(incremental);
  expect(timed).toEqual(incremental);
  expect(bulk).toEqual(incremental);
};

const at = fc.constantFrom(0, 1, -1, DAY_MS / 2).map((offset) => NOW + offset);

describe('incremental and bulk evaluators', () => {
  it('select the same persons for random rules and profiles', () => {
    fc.assert(
      fc.property(personGroup, fc.array(personInput, { minLength: 1, maxLength: 25 }), at, (rule, inputs, now) =>
        agree(rule, inputs, 'person', now),
      ),
      { numRuns: 400 },
    );
  });

  it('select the same accounts through members groups', () => {
    fc.assert(
      fc.property(accountGroup, fc.array(accountInput, { minLength: 1, maxLength: 10 }), at, (rule, inputs, now) =>
        agree(rule, inputs, 'account', now),
      ),
      { numRuns: 150 },
    );
  });
});

/** Instants where a condition on the input could flip: event and date-field times, and those plus every window length, ±1 ms. */
const criticalInstants = (input: AudienceInput): number[] => {
  const times = [
    ...(input.events?.occurrences('billing/topup') ?? []).map((o) => o.at),
    ...(input.events?.occurrences('app/login') ?? []).map((o) => o.at),
    ...Object.values(input.fields).filter((v): v is number => typeof v === 'number' && v > 1e12),
  ];
  return times.flatMap((t) => [0, 1, 13, 14, 15, 30, 60].flatMap((d) => [t + d * DAY_MS - 1, t + d * DAY_MS, t + d * DAY_MS + 1]));
};

describe('next time-driven change', () => {
  it('membership does not change before nextChangeAt', () => {
    fc.assert(
      fc.property(
        personGroup,
        personInput,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
        (rule, input, fractions) => {
          const compiled = compileAudience(validate(rule, 'person'));
          const { member, nextChangeAt } = compiled.evaluate(input, NOW);
          const horizon = nextChangeAt ?? NOW + 120 * DAY_MS;
          expect(horizon).toBeGreaterThan(NOW);
          const random = fractions.map((f) => NOW + Math.floor(f * (horizon - NOW)));
          for (const t of [...random, ...criticalInstants(input)].filter((t) => t >= NOW && t < horizon))
            expect(compiled.isMember(input, t), `at ${new Date(t).toISOString()}`).toBe(member);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a leaf condition changes exactly at its nextChangeAt', () => {
    fc.assert(
      fc.property(personRule, personInput, (rule, input) => {
        const compiled = compileAudience(validate({ combinator: 'and', rules: [rule] }, 'person'));
        const { member, nextChangeAt } = compiled.evaluate(input, NOW);
        if (nextChangeAt !== null) expect(compiled.isMember(input, nextChangeAt)).toBe(!member);
      }),
      { numRuns: 400 },
    );
  });
});
