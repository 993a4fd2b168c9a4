import fc from 'fast-check';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import type { AudienceInsights } from '../src/audiences/index.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent as event } from './builtin-event.js';
import { apiCalls } from './app-requests.js';
import {
  CHANNELS,
  condition,
  DAY,
  FIXED,
  generator,
  groupOf,
  iso,
  METHODS,
  NOW,
  phone,
  TOPPERS,
  withAudience,
  type Rule,
} from './resident-rules.js';
import { startTestApp, type TestApp } from './test-app.js';

/*
 * Previews of person rules with event, consent and membership conditions are answered from what
 * the API thread keeps in memory and catches up before each answer (resident-events.ts,
 * resident-flags.ts). These tests hold them to the row scan — every person's profile, stored
 * activity, consent and memberships read from the store, event types no audience counts read
 * from the log — on random rules and data: windows, property filters, "did not perform", counts,
 * event types kept as stored activity and not, after new events, merges, a split, an erasure,
 * consent recorded, memberships changing, retention deleting the log's front and time passing.
 */

describeEachBackend('resident event, consent and membership inputs', (backend) => {
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
  const settle = async () => {
    for (let i = 0; i < 100 && (await app.tessera.services.pipeline.advanceTime()) > 0; i++);
  };
  const ago = (days: number) => iso(clock.now().getTime() - days * DAY);

  /** Random persons `from` … `to` − 1: activation, top-ups with amounts, methods and channels, logins. */
  const world = (random: () => number, from: number, to: number) => {
    const events: unknown[] = [];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    for (let n = from; n < to; n++) {
      const ids = { msisdn: phone(n) };
      if (random() < 0.8) events.push(event('billing', 'activation', ago(70), ids, { planType: pick(['prepaid', 'postpaid']) }));
      for (let k = Math.floor(random() * 6); k > 0; k--) {
        const extra: Record<string, unknown> = {
          topupId: `T-${n}-${Math.floor(random() * 1e9)}`,
          amount: { value: pick([50, 100, 300, 500, 900]), unit: 'RUB' },
        };
        if (random() < 0.7) extra.paymentMethod = pick(METHODS);
        if (random() < 0.7) extra.channel = pick(CHANNELS);
        if (random() < 0.3) extra.isAutoTopup = random() < 0.5;
        // Some a little in the future (within the ingest's tolerance): they count once their time comes.
        events.push(event('billing', 'topup', ago(random() < 0.05 ? -0.2 : random() * 65), ids, extra));
      }
      for (let k = Math.floor(random() * 3); k > 0; k--)
        events.push(event('app', 'login', ago(random() * 50), { ...ids, appUserId: `u-${n}` }, {}));
    }
    return events;
  };

  const grant = (n: number, channel: string, action = 'grant', extra: Record<string, unknown> = {}) => ({
    eventId: `c-${n}-${channel}-${action}-${clock.now().getTime()}`,
    subject: `msisdn:${phone(n)}`,
    purpose: 'marketing',
    channel,
    action,
    legalBasis: 'fz38_art18_ad_consent',
    jurisdiction: 'RU',
    validFrom: ago(1),
    source: { collectionPoint: 'web-form', channel: 'web' },
    proof: { noticeId: 'privacy', noticeVersion: '2026-10', evidenceRef: `e-${n}` },
    ...extra,
  });

  /** Random rules answered from memory and by the row scan: the same count, total and sample. */
  const sameAnswers = async (seed: number, rules: fc.Arbitrary<Rule>, runs = 30, fromMemory = true) => {
    const rows = insights().rowScan();
    for (const rule of [...FIXED, ...fc.sample(rules, { seed, numRuns: runs })]) {
      const draft = { entity: 'person' as const, rule };
      const resident = await insights().preview(draft, 5);
      const scanned = await rows.preview(draft, 5);
      if (process.env.DBG) process.stderr.write(`S${seed} ${resident.count}/${scanned.count}/${scanned.total}\n`);
      expect({ count: resident.count, total: resident.total, sample: resident.sample }, JSON.stringify(rule)).toEqual({
        count: scanned.count,
        total: scanned.total,
        sample: scanned.sample,
      });
    }
    // The answers came from memory (events were held), or, past the memory budget, from the store.
    const figures = insights().residentFigures();
    expect((figures?.events.storedEvents ?? 0) + (figures?.events.loggedEvents ?? 0) > 0).toBe(fromMemory);
  };

  it('counts events, consent and memberships as the row scan does, as the store changes and time passes', async () => {
    const random = generator(20261207);
    await ingest(world(random, 0, 40));
    // Nothing counts top-ups yet: every event rule reads the log.
    await sameAnswers(1, groupOf(condition));

    // An audience counting top-ups: stored activity holds them from 31 days back, with their amounts.
    await ok('POST', '/v1/audiences', { id: 'toppers', name: 'Toppers', entity: 'person', rule: TOPPERS }, 201);
    await settle();
    expect((await app.tessera.storage.db.selectFrom('audience_tracked_events').selectAll().execute()).map((r) => r.event_type)).toEqual([
      'billing/topup',
    ]);
    await sameAnswers(2, groupOf(withAudience));

    // New events for known and new persons; memberships follow.
    await ingest(world(random, 20, 55));
    await settle();
    await sameAnswers(3, groupOf(withAudience));

    // Consent: grants, a deny, a withdrawal, a grant that expires in two hours.
    await ok(
      'POST',
      '/v1/notices',
      { id: 'privacy', version: '2026-10', language: 'ru', title: 'Политика', text: 'Текст', purposes: ['marketing'] },
      201,
    );
    await ok('POST', '/v1/consents', {
      events: [
        ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => grant(n, 'sms')),
        grant(9, 'email'),
        grant(10, 'sms', 'deny'),
        grant(11, 'sms', 'grant', { expiresAt: iso(clock.now().getTime() + 2 * 3600_000) }),
        grant(13, 'push'),
      ],
    });
    // A purpose and channel asked about for the first time: read for everyone with a record.
    const push = {
      entity: 'person' as const,
      rule: { combinator: 'and', rules: [{ field: 'consent', operator: 'granted', purpose: 'marketing', channel: 'push' }] },
    };
    expect((await insights().preview(push, 5)).count).toBe(1);
    expect(await insights().preview(push, 5)).toMatchObject({ count: 1, sample: (await insights().rowScan().preview(push, 5)).sample });
    await sameAnswers(4, groupOf(withAudience));
    clock.set(iso(Date.parse(NOW) + 60_000));
    await ok('POST', '/v1/consents', {
      events: [
        grant(2, 'sms', 'withdraw', { validFrom: iso(clock.now().getTime()) }),
        // A 152-FZ consent is no advertising consent while marketing by SMS is advertising.
        grant(12, 'sms', 'grant', { legalBasis: 'fz152_consent' }),
      ],
    });
    await sameAnswers(5, groupOf(withAudience));
    // The purpose changes: marketing is no longer advertising, so that consent now counts.
    const smsOk = { combinator: 'and', rules: [{ field: 'consent', operator: 'granted', purpose: 'marketing', channel: 'sms' }] };
    const before = await insights().preview({ entity: 'person', rule: smsOk }, 0);
    const marketing = (await ok('GET', '/v1/purposes/marketing')).items.at(-1);
    await ok(
      'POST',
      '/v1/purposes',
      { code: 'marketing', name: marketing.name, legalBases: marketing.legalBases, advertising: false },
      201,
    );
    expect((await insights().preview({ entity: 'person', rule: smsOk }, 0)).count).toBe(before.count + 1);
    await sameAnswers(52, groupOf(withAudience), 10);

    // A merge: a passport joins two persons; the absorbed one's logged events now count for the survivor.
    // (Persons of their own: two app users would be a person-unique conflict, which identity refuses to merge.)
    const both = [801, 802].flatMap((n) => [
      event('billing', 'activation', ago(60), { msisdn: phone(n) }, { planType: 'prepaid' }),
      event(
        'billing',
        'topup',
        ago(40 + n - 800),
        { msisdn: phone(n) },
        { topupId: `T-M${n}`, amount: { value: 300, unit: 'RUB' }, paymentMethod: 'bankCard' },
      ),
      event(
        'billing',
        'topup',
        ago(10 + n - 800),
        { msisdn: phone(n) },
        { topupId: `T-N${n}`, amount: { value: 500, unit: 'RUB' }, paymentMethod: 'bankCard' },
      ),
    ]);
    await ingest([...both, event('app', 'login', ago(2), { msisdn: phone(802), appUserId: 'u-802' }, {})]);
    await sameAnswers(51, groupOf(withAudience), 5);
    const total = (await insights().rowScan().preview({ entity: 'person', rule: FIXED[3] }, 0)).total;
    await ingest([
      event('crm', 'customer_changed', ago(1), { msisdn: phone(801), passport: '4508000801' }, { homeRegion: 'RU-TA' }),
      event('crm', 'customer_changed', ago(0.5), { msisdn: phone(802), passport: '4508000801' }, { homeRegion: 'RU-TA' }),
    ]);
    await settle();
    expect((await insights().rowScan().preview({ entity: 'person', rule: FIXED[3] }, 0)).total).toBe(total - 1);
    await sameAnswers(6, groupOf(withAudience));

    // A split: a recycled number's late termination parts its two holders (one of whom has consent on the number).
    const msisdn = phone(700);
    await ok('POST', '/v1/consents', { events: [grant(700, 'sms')] });
    await ingest([
      event('billing', 'activation', ago(50), { msisdn, iccid: '8970103000000000701' }, { planType: 'prepaid' }),
      event('billing', 'topup', ago(45), { msisdn }, { topupId: 'T-S1', amount: { value: 300, unit: 'RUB' }, paymentMethod: 'cash' }),
    ]);
    await ingest([
      event('billing', 'activation', ago(20), { msisdn, iccid: '8970103000000000702' }, { planType: 'postpaid' }),
      event('billing', 'topup', ago(10), { msisdn }, { topupId: 'T-S2', amount: { value: 500, unit: 'RUB' }, paymentMethod: 'bankCard' }),
      event('billing', 'topup', ago(3), { msisdn }, { topupId: 'T-S3', amount: { value: 500, unit: 'RUB' }, paymentMethod: 'bankCard' }),
    ]);
    await sameAnswers(7, groupOf(withAudience), 10);
    await ingest([event('billing', 'termination', ago(40), { msisdn, iccid: '8970103000000000701' })]);
    await settle();
    await sameAnswers(8, groupOf(withAudience));

    // Erasures delete persons and their events (the merged pair's too): memory lets go of them as well.
    const held = insights().residentFigures()?.events.loggedEvents ?? 0;
    await ok('POST', '/v1/privacy/requests', { kind: 'erasure', subject: `msisdn:${phone(5)}` }, 201);
    await ok('POST', '/v1/privacy/requests', { kind: 'erasure', subject: `msisdn:${phone(802)}` }, 201);
    await settle();
    await sameAnswers(9, groupOf(withAudience));
    expect(insights().residentFigures()?.events.loggedEvents).toBeLessThanOrEqual(held - 4);

    // Time passes with no event: top-ups leave windows, future ones enter, a grant expires.
    clock.set(iso(Date.parse(NOW) + 3 * 3600_000));
    await sameAnswers(10, groupOf(withAudience));
    clock.set(iso(Date.parse(NOW) + 3 * DAY));
    await settle();
    await sameAnswers(11, groupOf(withAudience));

    // Retention deletes the log's front (as `prune` does): those events are gone for the log reads too.
    const { rows } = await sql<{ seq: number | string }>`select seq from event_log order by seq limit 1 offset 150`.execute(
      app.tessera.storage.db,
    );
    await sql`delete from event_log where seq <= ${Number(rows[0]?.seq)}`.execute(app.tessera.storage.db);
    await sameAnswers(12, groupOf(withAudience));
  });

  it('overlap and breakdown with event, consent and membership conditions equal the row scan', async () => {
    await ingest(world(generator(5), 0, 30));
    await ok('POST', '/v1/audiences', { id: 'toppers', name: 'Toppers', entity: 'person', rule: TOPPERS }, 201);
    const quiet = {
      combinator: 'or',
      rules: [
        { field: 'event', operator: 'notPerformed', eventType: 'app/login', window: { lastDays: 14 } },
        { field: 'audience', operator: 'in', audienceId: 'toppers' },
        { field: 'consent', operator: 'granted', purpose: 'marketing', channel: 'sms' },
      ],
    };
    await ok('POST', '/v1/audiences', { id: 'quiet', name: 'Quiet', entity: 'person', rule: quiet }, 201);
    await settle();
    const strip = ({ asOf: _, ...rest }: { asOf: string }) => rest;
    const rows = insights().rowScan();
    expect(strip(await insights().overlap('toppers', 'quiet'))).toEqual(strip(await rows.overlap('toppers', 'quiet')));
    await ingest(world(generator(6), 10, 40));
    await settle();
    expect(strip(await insights().overlap('toppers', 'quiet'))).toEqual(strip(await rows.overlap('toppers', 'quiet')));
    expect(strip(await insights().breakdown('quiet'))).toEqual(strip(await rows.breakdown('quiet')));
    expect(strip(await insights().breakdown('toppers'))).toEqual(strip(await rows.breakdown('toppers')));
  });

  it('reads the store when the events would not fit the memory budget, with the same answers', async () => {
    await app.close();
    app = await startTestApp(backend, { clock, env: { TESSERA_EVENT_RETENTION_DAYS: '90', TESSERA_PREVIEW_EVENTS_MB: '0' } });
    await ingest(world(generator(11), 0, 25));
    await sameAnswers(21, groupOf(condition), 10, false);
  });

  it('a preview right after the pipeline resolved an event counts it', async () => {
    const rule = {
      combinator: 'and',
      rules: [
        { field: 'event', operator: 'performed', eventType: 'billing/topup', count: { op: 'atLeast', n: 2 }, window: { lastDays: 7 } },
      ],
    };
    const topup = (n: number, id: string) =>
      event('billing', 'topup', ago(1), { msisdn: phone(n) }, { topupId: id, amount: { value: 100, unit: 'RUB' } });
    await ingest([topup(1, 'a'), topup(2, 'b'), topup(2, 'c')]);
    expect(await ok('POST', '/v1/audiences/preview', { entity: 'person', rule })).toMatchObject({ count: 1, total: 2 });
    await ingest([topup(1, 'd'), topup(3, 'e')]);
    expect(await ok('POST', '/v1/audiences/preview', { entity: 'person', rule })).toMatchObject({ count: 2, total: 3 });
    expect(insights().residentFigures()?.events).toMatchObject({ loggedEvents: 5 });
  });
});
