import fc from 'fast-check';

/*
 * Random person rules with event, consent and membership conditions over the built-in top-up and
 * login events, for the agreement tests of the resident inputs (audience-resident-events.int.test.ts).
 */

export const DAY = 24 * 3600 * 1000;
export const NOW = '2026-11-20T12:00:00.000Z';
export const phone = (n: number) => `+7916555${String(n).padStart(4, '0')}`;

export const generator = (seed: number) => {
  let x = seed;
  return (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
};

export const METHODS = ['bankCard', 'digitalWallet', 'cash'];
export const CHANNELS = ['app', 'web', 'retail', 'ussd'];
export const iso = (ms: number) => new Date(ms).toISOString();

const topupFilter = fc.oneof(
  fc.record({ field: fc.constant('amount.value'), operator: fc.constantFrom('>=', '<', '=', '!='), value: fc.constantFrom(100, 300, 500) }),
  fc.record({ field: fc.constant('amount.value'), operator: fc.constantFrom('between', 'notBetween'), value: fc.constant([100, 400]) }),
  fc.record({
    field: fc.constant('paymentMethod'),
    operator: fc.constantFrom('=', '!=', 'null', 'notNull'),
    value: fc.constantFrom(...METHODS),
  }),
  fc.record({ field: fc.constant('paymentMethod'), operator: fc.constantFrom('in', 'notIn'), value: fc.constant(['bankCard', 'cash']) }),
  fc.record({
    field: fc.constant('channel'),
    operator: fc.constantFrom('=', 'beginsWith', 'doesNotContain'),
    value: fc.constantFrom('app', 'w', 'ussd'),
  }),
  fc.record({ field: fc.constant('isAutoTopup'), operator: fc.constantFrom('=', 'null'), value: fc.boolean() }),
);

const window = fc.oneof(
  { weight: 3, arbitrary: fc.record({ lastDays: fc.constantFrom(1, 7, 14, 30, 45, 60) }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 2, max: 50 }), fc.integer({ min: 1, max: 20 }))
      .map(([back, span]) => ({ from: iso(Date.parse(NOW) - back * DAY), to: iso(Date.parse(NOW) - back * DAY + span * DAY) })),
  },
);

const eventCondition = fc.oneof(
  fc.record({
    field: fc.constant('event'),
    operator: fc.constant('performed'),
    eventType: fc.constant('billing/topup'),
    propertyFilters: fc.array(topupFilter, { maxLength: 2 }),
    count: fc.oneof(
      fc.record({ op: fc.constant('atLeast'), n: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ op: fc.constantFrom('atMost', 'exactly'), n: fc.integer({ min: 0, max: 3 }) }),
    ),
    window,
  }),
  fc.record({
    field: fc.constant('event'),
    operator: fc.constant('notPerformed'),
    eventType: fc.constantFrom('billing/topup', 'app/login'),
    window,
  }),
  fc.record({
    field: fc.constant('event'),
    operator: fc.constant('performed'),
    eventType: fc.constant('app/login'),
    count: fc.record({ op: fc.constantFrom('atLeast', 'exactly'), n: fc.integer({ min: 1, max: 3 }) }),
    window,
  }),
);

export const condition = fc.oneof(
  { weight: 4, arbitrary: eventCondition },
  {
    weight: 1,
    arbitrary: fc.record({
      field: fc.constant('traits.planType'),
      operator: fc.constantFrom('=', '!='),
      value: fc.constantFrom('prepaid', 'postpaid'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      field: fc.constant('consent'),
      operator: fc.constantFrom('granted', 'notGranted'),
      purpose: fc.constant('marketing'),
      channel: fc.constantFrom('sms', 'email'),
    }),
  },
);

export const withAudience = fc.oneof(
  { weight: 5, arbitrary: condition },
  {
    weight: 1,
    arbitrary: fc.record({ field: fc.constant('audience'), operator: fc.constantFrom('in', 'notIn'), audienceId: fc.constant('toppers') }),
  },
);

export type Rule = { combinator: 'and' | 'or'; not?: boolean; rules: unknown[] };

const topups = (extra: Record<string, unknown>) => ({ field: 'event', operator: 'performed', eventType: 'billing/topup', ...extra });
/** Asked every time besides the random ones: each way to the answer — stored activity, the log, both. */
export const FIXED: readonly Rule[] = [
  // Within what the stored activity keeps once `toppers` exists (31 days, amounts).
  {
    combinator: 'and',
    rules: [
      topups({
        count: { op: 'atLeast', n: 2 },
        window: { lastDays: 30 },
        propertyFilters: [{ field: 'amount.value', operator: '>=', value: 300 }],
      }),
    ],
  },
  // Further back than it keeps, or a property it does not keep: the log, and stored activity where the log credits nothing.
  { combinator: 'and', rules: [topups({ count: { op: 'atLeast', n: 1 }, window: { lastDays: 60 } })] },
  {
    combinator: 'and',
    rules: [
      topups({
        count: { op: 'exactly', n: 1 },
        window: { lastDays: 14 },
        propertyFilters: [{ field: 'paymentMethod', operator: '=', value: 'bankCard' }],
      }),
    ],
  },
  { combinator: 'and', rules: [{ field: 'event', operator: 'notPerformed', eventType: 'billing/topup', window: { lastDays: 7 } }] },
  {
    combinator: 'and',
    rules: [{ field: 'event', operator: 'performed', eventType: 'app/login', count: { op: 'atLeast', n: 2 }, window: { lastDays: 45 } }],
  },
];
export const groupOf = (leaf: fc.Arbitrary<unknown>) =>
  fc.letrec<{ group: Rule }>((tie) => ({
    group: fc.record({
      combinator: fc.constantFrom('and' as const, 'or' as const),
      not: fc.constantFrom(false, false, true),
      rules: fc.array(fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('group')), { minLength: 1, maxLength: 3 }),
    }),
  })).group;

/** Top-ups kept as stored activity from 31 days back with their amounts: rules within that read it, others the log. */
export const TOPPERS = {
  combinator: 'and',
  rules: [
    {
      field: 'event',
      operator: 'performed',
      eventType: 'billing/topup',
      propertyFilters: [{ field: 'amount.value', operator: '>=', value: 200 }],
      count: { op: 'atLeast', n: 2 },
      window: { lastDays: 30 },
    },
  ],
};
