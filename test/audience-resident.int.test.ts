import fc from 'fast-check';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { COMMON_FIELDS, type AudienceInsights } from '../src/audiences/index.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent as event } from './builtin-event.js';
import { apiCalls } from './app-requests.js';
import { startTestApp, type TestApp } from './test-app.js';

/*
 * Previews of person rules on profile fields are answered from columns kept in memory and caught
 * up with the store before each answer (src/audiences/resident-persons.ts). These tests hold them
 * to the row scan — every profile read from the store — on random rules and data, after updates,
 * merges, erasures and the passing of time.
 */

const DAY = 24 * 3600 * 1000;
const NOW = '2026-11-20T12:00:00.000Z';
const phone = (n: number) => `+7916777${String(n).padStart(4, '0')}`;

/** A small deterministic generator, so a failure can be replayed. */
const generator = (seed: number) => {
  let x = seed;
  return (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
};

const REGIONS = ['RU-MOW', 'RU-SPE', 'RU-KDA', 'RU-TA'];

const condition = fc.oneof(
  fc.record({
    field: fc.constant('traits.planType'),
    operator: fc.constantFrom('=', '!=', 'null', 'notNull'),
    value: fc.constantFrom('prepaid', 'postpaid'),
  }),
  fc.record({ field: fc.constant('traits.planType'), operator: fc.constantFrom('in', 'notIn'), value: fc.constant(['prepaid']) }),
  fc.record({
    field: fc.constant('traits.homeRegion'),
    operator: fc.constantFrom('=', '!=', 'beginsWith', 'contains', 'doesNotContain', 'null', 'notNull'),
    value: fc.constantFrom('RU-MOW', 'RU-SPE', 'RU', 'SPE'),
  }),
  fc.record({ field: fc.constant('traits.homeRegion'), operator: fc.constantFrom('in', 'notIn'), value: fc.constant(['RU-MOW', 'RU-TA']) }),
  fc.record({
    field: fc.constantFrom('traits.balance.value', 'aggregates.topup_count.30d', 'openCases', 'brokenPromises', 'identity.accounts'),
    operator: fc.constantFrom('=', '!=', '<', '>', '<=', '>=', 'null', 'notNull'),
    value: fc.integer({ min: -1, max: 300 }).map((n) => (n > 5 ? n : n)),
  }),
  fc.record({
    field: fc.constantFrom('traits.balance.value', 'aggregates.topup_count.30d', 'brokenPromises'),
    operator: fc.constantFrom('between', 'notBetween'),
    value: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 200 })).map(([a, b]) => [a, a + b]),
  }),
  fc.record({ field: fc.constant('identity.isPayer'), operator: fc.constantFrom('=', '!=', 'null', 'notNull'), value: fc.boolean() }),
  fc.record({
    field: fc.constantFrom('traits.lastTopup.at', 'activity.lastEventAt'),
    operator: fc.constantFrom('withinLastDays', 'olderThanDays'),
    value: fc.integer({ min: 1, max: 40 }),
  }),
);

type Rule = { combinator: 'and' | 'or'; not?: boolean; rules: unknown[] };
const group = fc.letrec<{ group: Rule }>((tie) => ({
  group: fc.record({
    combinator: fc.constantFrom('and' as const, 'or' as const),
    not: fc.constantFrom(false, false, false, true),
    rules: fc.array(fc.oneof({ depthSize: 'small', withCrossShrink: true }, condition, tie('group')), { minLength: 1, maxLength: 4 }),
  }),
})).group;

describeEachBackend('resident audience columns', (backend) => {
  let app: TestApp;
  const clock = new ManualClock(NOW);
  beforeEach(async () => {
    clock.set(NOW);
    app = await startTestApp(backend, { clock, env: { TESSERA_EVENT_RETENTION_DAYS: '90' } });
  });
  afterEach(async () => {
    await app.close();
  });

  const { call, ok } = apiCalls(() => app);
  const insights = (): AudienceInsights => app.tessera.services.insights;
  const ingest = async (events: unknown[]) => {
    const answer = await call('POST', '/v1/events', { events });
    expect(answer.json().quarantined, answer.body).toBe(0);
    await app.tessera.services.pipeline.drain();
  };
  const ago = (days: number) => new Date(clock.now().getTime() - days * DAY).toISOString();

  /** Random events for persons `from` … `to` − 1: activation, balance, top-ups, customer data, care cases with promises. */
  const world = (random: () => number, from: number, to: number) => {
    const events: unknown[] = [];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    for (let n = from; n < to; n++) {
      const ids = { msisdn: phone(n) };
      if (random() < 0.8)
        events.push(
          event('billing', 'activation', ago(60 + Math.floor(random() * 30)), random() < 0.7 ? { ...ids, accountId: `A-${n % 7}` } : ids, {
            planType: pick(['prepaid', 'postpaid']),
          }),
        );
      if (random() < 0.7)
        events.push(
          event('billing', 'balance_changed', ago(random() * 20), ids, {
            balance: { value: Math.round(random() * 30000) / 100, unit: 'RUB' },
          }),
        );
      for (let k = Math.floor(random() * 5); k > 0; k--)
        events.push(event('billing', 'topup', ago(random() * 40), ids, { topupId: `T-${n}-${Math.floor(random() * 1e9)}` }));
      if (random() < 0.6)
        events.push(event('crm', 'customer_changed', ago(random() * 30), ids, { homeRegion: pick(REGIONS), customerType: 'individual' }));
      if (random() < 0.4)
        events.push(
          event('crm', 'case_opened', ago(random() * 10), ids, {
            caseId: `C-${n}-${Math.floor(random() * 1e9)}`,
            expectedResolutionDate: new Date(clock.now().getTime() + (random() * 8 - 2) * DAY).toISOString(),
          }),
        );
    }
    return events;
  };

  /** Random rules answered from the resident columns and by the row scan: the same count, total and sample. */
  const sameAnswers = async (seed: number, runs = 25) => {
    const rules = fc.sample(group, { seed, numRuns: runs });
    const rows = insights().rowScan();
    for (const rule of rules) {
      const draft = { entity: 'person' as const, rule };
      const resident = await insights().preview(draft, 5);
      const scanned = await rows.preview(draft, 5);
      if (process.env.DBG) process.stderr.write(`COUNTS ${resident.count} ${resident.total}\n`);
      expect({ count: resident.count, total: resident.total, sample: resident.sample }, JSON.stringify(rule)).toEqual({
        count: scanned.count,
        total: scanned.total,
        sample: scanned.sample,
      });
    }
    // The answers came from the columns, not from the row scan.
    expect(insights().residentFigures()?.rows).toBeGreaterThan(0);
  };

  it('answers what the row scan answers, after updates, merges, erasures and as time passes', async () => {
    const random = generator(20261120);
    await ingest(world(random, 0, 40));
    await sameAnswers(1);

    // Updates to known persons and new persons.
    await ingest(world(random, 20, 55));
    await sameAnswers(2);

    // A merge: a passport joins two persons; the absorbed profile is gone.
    await ingest([
      event('crm', 'customer_changed', ago(1), { msisdn: phone(3), passport: '4508000003' }, { homeRegion: 'RU-TA' }),
      event('crm', 'customer_changed', ago(0.5), { msisdn: phone(4), passport: '4508000003' }, { homeRegion: 'RU-TA' }),
    ]);
    await sameAnswers(3);

    // An erasure deletes a person.
    await ok('POST', '/v1/privacy/requests', { kind: 'erasure', subject: `msisdn:${phone(5)}` }, 201);
    await sameAnswers(4);

    // Time passes with no event: top-ups leave the 30-day window, promises fall due.
    clock.set(new Date(Date.parse(NOW) + 3 * DAY).toISOString());
    await sameAnswers(5);
    for (let i = 0; i < 100 && (await app.tessera.services.pipeline.advanceTime()) > 0; i++);
    await sameAnswers(6);
    clock.set(new Date(Date.parse(NOW) + 35 * DAY).toISOString());
    await sameAnswers(7);
  });

  it('reads everything again when the change log was pruned past where it stood', async () => {
    const random = generator(99);
    await ingest(world(random, 0, 20));
    await sameAnswers(11, 3);
    await ingest(world(random, 0, 20));
    const { rows } = await sql<{ hi: number | string }>`select max(seq) as hi from profile_change_log`.execute(app.tessera.storage.db);
    await ingest(world(random, 10, 25));
    // What pruning does to the log's front: the entries of the first updates are gone.
    await sql`delete from profile_change_log where seq <= ${Number(rows[0]?.hi)}`.execute(app.tessera.storage.db);
    await sameAnswers(12);
  });

  it('a preview right after the pipeline processed an event reflects it', async () => {
    const prepaid = {
      entity: 'person',
      rule: { combinator: 'and', rules: [{ field: 'traits.planType', operator: '=', value: 'prepaid' }] },
    };
    await ingest([event('billing', 'activation', ago(5), { msisdn: phone(900) }, { planType: 'prepaid' })]);
    expect(await ok('POST', '/v1/audiences/preview', prepaid)).toMatchObject({ count: 1, total: 1 });
    const built = insights().residentFigures();
    // The common fields are built with the first pass (planType among them).
    expect(built).toMatchObject({ rows: 1, present: 1, fields: COMMON_FIELDS.length });

    await ingest([
      event('billing', 'activation', ago(4), { msisdn: phone(901) }, { planType: 'prepaid' }),
      event('billing', 'tariff_change', ago(1), { msisdn: phone(900) }, { planType: 'postpaid' }),
    ]);
    const after = await ok('POST', '/v1/audiences/preview', prepaid);
    expect(after).toMatchObject({ count: 1, total: 2 });
    expect(after.sample).toEqual([await profileOf(phone(901))]);
  });

  it('overlap and breakdown from the columns equal the row scan', async () => {
    await ingest(world(generator(7), 0, 30));
    const rule = (value: string, balance: number) => ({
      combinator: 'and',
      rules: [
        { field: 'traits.planType', operator: '=', value },
        { field: 'traits.balance.value', operator: '>', value: balance },
        { field: 'aggregates.topup_count.30d', operator: '>=', value: 1 },
      ],
    });
    await ok('POST', '/v1/audiences', { id: 'a', name: 'A', entity: 'person', rule: rule('prepaid', 50) }, 201);
    await ok(
      'POST',
      '/v1/audiences',
      { id: 'b', name: 'B', entity: 'person', rule: { combinator: 'or', not: true, rules: rule('postpaid', 100).rules } },
      201,
    );
    const strip = ({ asOf: _, ...rest }: { asOf: string }) => rest;
    const rows = insights().rowScan();
    const before = await insights().overlap('a', 'b');
    await ingest([
      event('billing', 'balance_changed', ago(0), { msisdn: phone(1) }, { balance: { value: 999, unit: 'RUB' } }),
      event('billing', 'activation', ago(0), { msisdn: phone(2) }, { planType: 'postpaid' }),
      ...world(generator(8), 30, 40),
    ]);
    expect(strip(await rows.overlap('a', 'b'))).not.toEqual(strip(before));
    expect(strip(await insights().overlap('a', 'b'))).toEqual(strip(await rows.overlap('a', 'b')));
    expect(strip(await insights().breakdown('a'))).toEqual(strip(await rows.breakdown('a')));
    expect(strip(await insights().breakdown('b'))).toEqual(strip(await rows.breakdown('b')));
    // The common fields and the stored audiences' fields (the top-up count) were built with the first pass.
    expect(insights().residentFigures()?.fields).toBe(COMMON_FIELDS.length + 1);
  });

  const profileOf = async (msisdn: string): Promise<string> =>
    (
      await app.tessera.storage.db
        .selectFrom('identity_nodes')
        .select('profile_id')
        .where('id_type', '=', 'msisdn')
        .where('id_value', '=', msisdn)
        .executeTakeFirstOrThrow()
    ).profile_id;
});
