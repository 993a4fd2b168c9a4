import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { isHeldOut } from '../src/audiences/index.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent as event } from './builtin-event.js';
import { apiCalls } from './app-requests.js';
import { startTestApp, type TestApp } from './test-app.js';

const DAY = 24 * 3600 * 1000;
const NOW = '2026-11-20T12:00:00.000Z';
const daysAgo = (days: number, from = NOW) => new Date(Date.parse(from) - days * DAY).toISOString();

const toppedUp3 = {
  field: 'event',
  operator: 'performed',
  eventType: 'billing/topup',
  count: { op: 'atLeast', n: 3 },
  window: { lastDays: 30 },
};
const noLogin14 = { field: 'event', operator: 'notPerformed', eventType: 'app/login', window: { lastDays: 14 } };
const and = (...rules: unknown[]) => ({ combinator: 'and', rules });

const phone = (n: number) => `+7916555${String(n).padStart(4, '0')}`;

describeEachBackend('audience membership', (backend) => {
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
  const ingest = async (events: unknown[]) => {
    const answer = await call('POST', '/v1/events', { events });
    expect(answer.json().quarantined, answer.body).toBe(0);
    await app.tessera.services.pipeline.drain();
  };
  /** Lets the scheduler run until it has nothing left (wake-ups, materialisations). */
  const settle = async () => {
    for (let i = 0; i < 100 && (await app.tessera.services.pipeline.advanceTime()) > 0; i++);
  };
  const profileOf = async (msisdn: string): Promise<string> => {
    const row = await app.tessera.storage.db
      .selectFrom('identity_nodes')
      .select('profile_id')
      .where('id_type', '=', 'msisdn')
      .where('id_value', '=', msisdn)
      .executeTakeFirstOrThrow();
    return row.profile_id;
  };
  const members = async (audienceId: string): Promise<string[]> =>
    (
      await app.tessera.storage.db
        .selectFrom('audience_members')
        .select('member_id')
        .where('audience_id', '=', audienceId)
        .orderBy('member_id')
        .execute()
    ).map((r) => r.member_id);
  const outbox = async (type: string, audienceId: string) =>
    (await app.tessera.storage.db.selectFrom('outbox').selectAll().where('type', '=', type).orderBy('created_at').execute())
      .map((r) => ({ subject: r.subject, data: JSON.parse(r.data) }))
      .filter((r) => r.data.audienceId === audienceId);
  const topups = (n: number, days: readonly number[]) =>
    days.map((d) => event('billing', 'topup', daysAgo(d), { msisdn: phone(n) }, { topupId: `TU-${n}-${d}` }));

  /** 2, 3 and 4 top-ups in 30 days, and 3 of which one is on day 31. */
  const topupFixtures = () => [...topups(2, [1, 10]), ...topups(3, [1, 10, 20]), ...topups(4, [1, 5, 10, 20]), ...topups(31, [1, 10, 31])];

  it('"top-up ≥ 3 times in 30 days" in real time: 3 and 4 enter, 2 and a day-31 top-up do not; entered carries version and explanation', async () => {
    await ok('POST', '/v1/audiences', { id: 'toppers', name: 'Toppers', entity: 'person', rule: and(toppedUp3) }, 201);
    await ingest(topupFixtures());
    const expected = [await profileOf(phone(3)), await profileOf(phone(4))].sort();
    expect(await members('toppers')).toEqual(expected);

    const entered = await outbox('audience.entered', 'toppers');
    expect(entered.map((m) => m.subject).sort()).toEqual(expected);
    const first = entered.find((m) => m.subject === expected[0]);
    expect(first?.data).toMatchObject({ audienceId: 'toppers', version: 1, entity: 'person', reason: 'event' });
    expect(first?.data.explanation.member).toBe(true);
    const leaf = first?.data.explanation.conditions.children[0];
    expect(leaf.evidence).toMatchObject({ kind: 'event', eventType: 'billing/topup' });
    expect(leaf.evidence.eventIds.length).toBeGreaterThanOrEqual(3);

    // Eleven days on, line 3's 20-day-old top-up has left the window (2 remain): it leaves, by the scheduler alone.
    // Line 4 keeps 3 until its 20-day-old top-up leaves too, 21 days on.
    const [three, four] = [await profileOf(phone(3)), await profileOf(phone(4))];
    clock.set(new Date(Date.parse(NOW) + 11 * DAY).toISOString());
    await settle();
    expect(await members('toppers')).toEqual([four]);
    clock.set(new Date(Date.parse(NOW) + 21 * DAY).toISOString());
    await settle();
    expect(await members('toppers')).toEqual([]);
    const exited = await outbox('audience.exited', 'toppers');
    expect(exited.map((m) => m.subject)).toEqual([three, four]);
    expect(exited[0]?.data).toMatchObject({ reason: 'time', version: 1 });
    expect(exited[0]?.data.explanation.failing.kind).toBe('event');
  });

  it('materialises a new audience over existing profiles from the log, with the same members as the real-time path', async () => {
    await ingest(topupFixtures());
    await ok('POST', '/v1/audiences', { id: 'toppers', name: 'Toppers', entity: 'person', rule: and(toppedUp3) }, 201);
    await settle();
    expect(await members('toppers')).toEqual([await profileOf(phone(3)), await profileOf(phone(4))].sort());
    const entered = await outbox('audience.entered', 'toppers');
    expect(entered.every((m) => m.data.reason === 'definition')).toBe(true);
  });

  it('"no login for 14 days" includes profiles that never logged in, and takes in a recent login once 14 days pass', async () => {
    await ok('POST', '/v1/audiences', { id: 'dormant', name: 'Dormant app users', entity: 'person', rule: and(noLogin14) }, 201);
    await ingest([
      event('billing', 'activation', daysAgo(100), { msisdn: phone(1) }, { planType: 'prepaid' }),
      event('billing', 'activation', daysAgo(100), { msisdn: phone(2) }, { planType: 'prepaid' }),
      event('app', 'login', daysAgo(20), { msisdn: phone(2) }, { method: 'sms_otp' }),
      event('billing', 'activation', daysAgo(100), { msisdn: phone(3) }, { planType: 'prepaid' }),
      event('app', 'login', daysAgo(3), { msisdn: phone(3) }, { method: 'sms_otp' }),
    ]);
    const [never, longAgo, recent] = [await profileOf(phone(1)), await profileOf(phone(2)), await profileOf(phone(3))];
    expect(await members('dormant')).toEqual([never, longAgo].sort());

    clock.set(new Date(Date.parse(NOW) + 11 * DAY + 1000).toISOString());
    await settle();
    expect(await members('dormant')).toEqual([never, longAgo, recent].sort());
    const entered = await outbox('audience.entered', 'dormant');
    expect(entered.find((m) => m.subject === recent)?.data.reason).toBe('time');
  });

  it('editing a nested audience changes the audiences that use it; a cycle is refused', async () => {
    await ingest([
      event('billing', 'activation', daysAgo(50), { msisdn: phone(1) }, { planType: 'prepaid' }),
      event('billing', 'activation', daysAgo(50), { msisdn: phone(2) }, { planType: 'postpaid' }),
      ...topups(1, [2]),
      ...topups(2, [2]),
    ]);
    const plan = (value: string) => and({ field: 'traits.planType', operator: '=', value });
    await ok('POST', '/v1/audiences', { id: 'plan', name: 'Plan', entity: 'person', rule: plan('prepaid') }, 201);
    const toppedUp = { field: 'event', operator: 'performed', eventType: 'billing/topup', window: { lastDays: 30 } };
    await ok(
      'POST',
      '/v1/audiences',
      {
        id: 'plan-toppers',
        name: 'Plan toppers',
        entity: 'person',
        rule: and({ field: 'audience', operator: 'in', audienceId: 'plan' }, toppedUp),
      },
      201,
    );
    await settle();
    const [prepaid, postpaid] = [await profileOf(phone(1)), await profileOf(phone(2))];
    expect(await members('plan-toppers')).toEqual([prepaid]);

    await ok('PUT', '/v1/audiences/plan', { name: 'Plan', entity: 'person', rule: plan('postpaid') });
    await settle();
    expect(await members('plan')).toEqual([postpaid]);
    expect(await members('plan-toppers')).toEqual([postpaid]);

    const cycle = await call('PUT', '/v1/audiences/plan', {
      name: 'Plan',
      entity: 'person',
      rule: and({ field: 'audience', operator: 'in', audienceId: 'plan-toppers' }),
    });
    expect(cycle.statusCode, cycle.body).toBe(400);
  });

  it('an account with no contacts is in ALL = false and NONE = true; an account with a matching contact the other way round', async () => {
    const rub = (value: number) => ({ value, unit: 'RUB' });
    await ingest([
      event(
        'billing',
        'bill_issued',
        daysAgo(5),
        { accountId: 'A-EMPTY' },
        { billNo: 'B-1', billDate: daysAgo(5), amountDue: rub(100), paymentDueDate: daysAgo(-10) },
      ),
      event('billing', 'activation', daysAgo(5), { msisdn: phone(7), accountId: 'A-ONE' }, { planType: 'prepaid' }),
    ]);
    const prepaidMembers = (members: string) => ({
      combinator: 'and',
      rules: [{ combinator: 'and', members, rules: [{ field: 'traits.planType', operator: '=', value: 'prepaid' }] }],
    });
    await ok('POST', '/v1/audiences', { id: 'all-prepaid', name: 'All prepaid', entity: 'account', rule: prepaidMembers('all') }, 201);
    await ok('POST', '/v1/audiences', { id: 'none-prepaid', name: 'None prepaid', entity: 'account', rule: prepaidMembers('none') }, 201);
    await settle();
    expect(await members('all-prepaid')).toEqual(['A-ONE']);
    expect(await members('none-prepaid')).toEqual(['A-EMPTY']);

    // A second contact on a postpaid plan: ALL no longer holds, in real time.
    await ingest([event('billing', 'activation', daysAgo(1), { msisdn: phone(8), accountId: 'A-ONE' }, { planType: 'postpaid' })]);
    expect(await members('all-prepaid')).toEqual([]);
  });

  it('marks the same holdout on every run, and a merge takes the absorbed profile out with reason merged', async () => {
    await ok('POST', '/v1/audiences', { id: 'toppers', name: 'Toppers', entity: 'person', rule: and(toppedUp3), holdoutPercent: 50 }, 201);
    await ingest(Array.from({ length: 12 }, (_, i) => topups(100 + i, [1, 2, 3])).flat());
    const rows = await app.tessera.storage.db.selectFrom('audience_members').selectAll().where('audience_id', '=', 'toppers').execute();
    expect(rows).toHaveLength(12);
    for (const row of rows) expect(Number(row.held_out) === 1).toBe(isHeldOut(row.member_id, 'toppers', 50));
    expect(rows.some((r) => Number(r.held_out) === 1)).toBe(true);
  });

  it('preview counts what materialises; explain gives evidence for a member and the failing condition for a non-member; members, overlap, breakdown', async () => {
    await ingest([
      ...topupFixtures(),
      event('billing', 'activation', daysAgo(40), { msisdn: phone(3) }, { planType: 'prepaid' }),
      event('billing', 'activation', daysAgo(40), { msisdn: phone(4) }, { planType: 'postpaid' }),
    ]);
    const prepaid = { field: 'traits.planType', operator: '=', value: 'prepaid' };
    const preview = await ok('POST', '/v1/audiences/preview', { entity: 'person', rule: and(toppedUp3), sampleSize: 5 });
    expect(preview).toMatchObject({ entity: 'person', count: 2, total: 4 });
    expect(preview.sample).toHaveLength(2);

    await ok('POST', '/v1/audiences', { id: 'toppers', name: 'Toppers', entity: 'person', rule: and(toppedUp3) }, 201);
    await ok(
      'POST',
      '/v1/audiences',
      { id: 'prepaid-toppers', name: 'Prepaid toppers', entity: 'person', rule: and(prepaid, toppedUp3) },
      201,
    );
    await settle();
    expect((await members('toppers')).length).toBe(preview.count);
    expect([...preview.sample].sort()).toEqual(await members('toppers'));

    const page = await ok('GET', '/v1/audiences/toppers/members?limit=1');
    expect(page).toMatchObject({ audienceId: 'toppers', version: 1, entity: 'person', counts: { members: 2 } });
    expect(page.members).toHaveLength(1);
    const rest = await ok('GET', `/v1/audiences/toppers/members?after=${page.next}`);
    expect(rest.next).toBeNull();
    expect([page.members[0].memberId, rest.members[0].memberId]).toEqual(await members('toppers'));

    const member = await ok('GET', `/v1/audiences/prepaid-toppers/explain/${await profileOf(phone(3))}`);
    expect(member).toMatchObject({ member: true, membership: { version: 1 } });
    const [plan, topped] = member.evaluation.conditions.children;
    expect(plan.evidence).toMatchObject({ kind: 'attribute', field: 'traits.planType', actual: 'prepaid' });
    expect(topped.evidence).toMatchObject({ kind: 'event', count: 3 });
    expect(topped.evidence.eventIds).toHaveLength(3);

    const nonMember = await ok('GET', `/v1/audiences/prepaid-toppers/explain/${await profileOf(phone(4))}`);
    expect(nonMember).toMatchObject({ member: false, membership: null });
    expect(nonMember.evaluation.failing).toMatchObject({ kind: 'attribute', result: false, evidence: { actual: 'postpaid' } });
    const unknown = await call('GET', '/v1/audiences/prepaid-toppers/explain/p_nobody');
    expect(unknown.statusCode).toBe(404);

    expect(await ok('GET', '/v1/audiences/overlap?a=toppers&b=prepaid-toppers')).toMatchObject({
      a: 2,
      b: 1,
      both: 1,
      onlyA: 1,
      onlyB: 0,
      either: 2,
    });
    const breakdown = await ok('GET', '/v1/audiences/prepaid-toppers/breakdown');
    expect(breakdown).toMatchObject({ total: 4, count: 1 });
    expect(breakdown.conditions.map((c: { alone: number; cumulative: number }) => [c.alone, c.cumulative])).toEqual([
      [1, 1],
      [2, 1],
    ]);

    const bad = await call('POST', '/v1/audiences/preview', {
      entity: 'person',
      rule: and({ field: 'traits.nope', operator: '=', value: 1 }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('a scheduled audience ignores events between runs and changes when its schedule comes round', async () => {
    await ingest(topups(3, [1, 2, 3]));
    await ok(
      'POST',
      '/v1/audiences',
      { id: 'hourly', name: 'Hourly toppers', entity: 'person', rule: and(toppedUp3), mode: 'scheduled', schedule: { everyMinutes: 60 } },
      201,
    );
    await settle();
    expect(await members('hourly')).toEqual([await profileOf(phone(3))]);

    await ingest(topups(4, [1, 2, 3]));
    await settle();
    expect(await members('hourly')).toHaveLength(1);

    clock.set(new Date(Date.parse(NOW) + 61 * 60 * 1000).toISOString());
    await settle();
    expect(await members('hourly')).toEqual([await profileOf(phone(3)), await profileOf(phone(4))].sort());
    const four = await profileOf(phone(4));
    const entered = await outbox('audience.entered', 'hourly');
    expect(entered.find((m) => m.subject === four)?.data.reason).toBe('schedule');
  });

  it('a consent condition reads the ledger: a grant brings a person in, a withdrawal takes them out, by the scheduler', async () => {
    await ingest([event('billing', 'activation', daysAgo(10), { msisdn: phone(5) }, { planType: 'prepaid' })]);
    const rule = and({ field: 'consent', operator: 'granted', purpose: 'marketing', channel: 'sms' });
    await ok('POST', '/v1/audiences', { id: 'sms-ok', name: 'SMS marketing allowed', entity: 'person', rule }, 201);
    await settle();
    expect(await members('sms-ok')).toEqual([]);

    await ok(
      'POST',
      '/v1/notices',
      { id: 'privacy', version: '2026-10', language: 'ru', title: 'Политика', text: 'Текст', purposes: ['marketing'] },
      201,
    );
    const decision = (eventId: string, action: string, validFrom: string) => ({
      eventId,
      subject: `msisdn:${phone(5)}`,
      purpose: 'marketing',
      channel: 'sms',
      action,
      legalBasis: 'fz38_art18_ad_consent',
      jurisdiction: 'RU',
      validFrom,
      source: { collectionPoint: 'web-form', channel: 'web' },
      proof: { noticeId: 'privacy', noticeVersion: '2026-10', evidenceRef: eventId },
    });
    await ok('POST', '/v1/consents', { events: [decision('c-1', 'grant', daysAgo(1))] });
    await settle();
    const person = await profileOf(phone(5));
    expect(await members('sms-ok')).toEqual([person]);
    expect((await outbox('audience.entered', 'sms-ok'))[0]?.data.reason).toBe('consent');

    clock.set(new Date(Date.parse(NOW) + 60_000).toISOString());
    await ok('POST', '/v1/consents', { events: [decision('c-2', 'withdraw', new Date(Date.parse(NOW) + 60_000).toISOString())] });
    await settle();
    expect(await members('sms-ok')).toEqual([]);
    const explained = await ok('GET', `/v1/audiences/sms-ok/explain/${person}`);
    expect(explained.evaluation.failing).toMatchObject({ kind: 'consent', evidence: { granted: false } });
  });

  it('a member of a consent audience exits when the grant expires, with reason consent, through the scheduler alone', async () => {
    await ingest([event('billing', 'activation', daysAgo(10), { msisdn: phone(6) }, { planType: 'prepaid' })]);
    const rule = and({ field: 'consent', operator: 'granted', purpose: 'marketing', channel: 'sms' });
    await ok('POST', '/v1/audiences', { id: 'sms-ok', name: 'SMS marketing allowed', entity: 'person', rule }, 201);
    await ok(
      'POST',
      '/v1/notices',
      { id: 'privacy', version: '2026-10', language: 'ru', title: 'Политика', text: 'Текст', purposes: ['marketing'] },
      201,
    );
    const expiresAt = new Date(Date.parse(NOW) + 3600_000).toISOString();
    await ok('POST', '/v1/consents', {
      events: [
        {
          eventId: 'c-exp',
          subject: `msisdn:${phone(6)}`,
          purpose: 'marketing',
          channel: 'sms',
          action: 'grant',
          legalBasis: 'fz38_art18_ad_consent',
          jurisdiction: 'RU',
          validFrom: daysAgo(1),
          expiresAt,
          source: { collectionPoint: 'web-form', channel: 'web' },
          proof: { noticeId: 'privacy', noticeVersion: '2026-10', evidenceRef: 'c-exp' },
        },
      ],
    });
    await settle();
    const person = await profileOf(phone(6));
    expect(await members('sms-ok')).toEqual([person]);
    // The expiry is the person's wake-up.
    const wakeup = await app.tessera.storage.db
      .selectFrom('audience_wakeups')
      .select('wake_at')
      .where('entity', '=', 'person')
      .where('entity_id', '=', person)
      .executeTakeFirst();
    expect(wakeup?.wake_at).toBe(expiresAt);

    clock.set(new Date(Date.parse(expiresAt) - 1000).toISOString());
    await settle();
    expect(await members('sms-ok')).toEqual([person]);

    // No event, no new consent decision: only the clock passes the expiry.
    const after = new Date(Date.parse(expiresAt) + 1000).toISOString();
    clock.set(after);
    await settle();
    expect(await members('sms-ok')).toEqual([]);
    const exited = await outbox('audience.exited', 'sms-ok');
    expect(exited).toHaveLength(1);
    expect(exited[0]).toMatchObject({ subject: person, data: { reason: 'consent', at: after, memberId: person } });
    expect(exited[0]?.data.explanation.failing).toMatchObject({ kind: 'consent', evidence: { granted: false } });
    await settle();
    expect(await outbox('audience.exited', 'sms-ok')).toHaveLength(1);
  });

  it('archiving an audience removes its members and tells the channels once', async () => {
    await ok('POST', '/v1/audiences', { id: 'toppers', name: 'Toppers', entity: 'person', rule: and(toppedUp3) }, 201);
    await ingest(topupFixtures());
    expect(await members('toppers')).toHaveLength(2);
    await ok('DELETE', '/v1/audiences/toppers');
    await settle();
    expect(await members('toppers')).toEqual([]);
    const archived = await app.tessera.storage.db.selectFrom('outbox').selectAll().where('type', '=', 'audience.archived').execute();
    expect(archived.map((r) => JSON.parse(r.data))).toEqual([
      expect.objectContaining({ audienceId: 'toppers', members: 2, reason: 'archived' }),
    ]);
  });
});
