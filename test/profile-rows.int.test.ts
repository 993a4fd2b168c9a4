import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { Clock } from '../src/core/clock.js';
import { Pipeline } from '../src/pipeline/index.js';
import { applyEvent, compileAggregate, DEFAULT_AGGREGATES, emptyState } from '../src/profiles/aggregates/index.js';
import { applyProfileEvent, EMPTY_STATE } from '../src/profiles/profile-state.js';
import { migrateTo } from '../src/storage/index.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent as event } from './builtin-event.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

/** A clock the test moves. */
const manualClock = (start: string): Clock & { set(iso: string): void } => {
  let now = new Date(start);
  return { now: () => now, set: (iso) => (now = new Date(iso)) };
};

const session = (msisdn: string, at: string, octets: number) =>
  event('network', 'data_session', at, { msisdn }, { datavolumeFBCUplink: octets, datavolumeFBCDownlink: 0 });

describeEachBackend('profile rows and the working-profile cache', (backend) => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  const start = async (options: { env?: Record<string, string>; clock: Clock; store?: Awaited<ReturnType<typeof backend.open>> }) => {
    const app = await startTestApp(backend, options);
    apps.push(app);
    const ingest = async (events: unknown[]) => {
      const answer = await app.tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events } });
      expect(answer.json().quarantined, answer.body).toBe(0);
      await app.tessera.services.pipeline.drain();
    };
    const get = async (url: string) => {
      const answer = await app.tessera.http.inject({ method: 'GET', url, headers: bearer() });
      expect(answer.statusCode, answer.body).toBe(200);
      return answer.json();
    };
    const profileOf = async (msisdn: string) =>
      (await get(`/v1/profiles/lookup?type=msisdn&value=${encodeURIComponent(msisdn)}`)).profileId as string;
    return { app, ingest, get, profileOf };
  };

  it('reads a row written before migration 0005 unchanged, and rewrites it compactly when the person is next touched', async () => {
    const clock = manualClock('2026-11-20T12:00:00Z');
    const store = await backend.open();
    await migrateTo(store.storage, '0004-profiles');
    // A row as 0004 stored it: the state with whole lineage per trait, aggregate states as objects.
    const state = applyProfileEvent(EMPTY_STATE, {
      seq: 7,
      sourceId: 'billing',
      type: 'activation',
      eventId: 'act-1',
      at: '2026-11-01T10:00:00.000Z',
      properties: { tariffId: 'T-SMART', planType: 'prepaid' },
    });
    const usage = compileAggregate(DEFAULT_AGGREGATES.find((d) => d.id === 'data_usage_home') ?? DEFAULT_AGGREGATES[0]!);
    const aggregate = emptyState(usage);
    applyEvent(
      aggregate,
      usage,
      {
        sourceId: 'network',
        type: 'data_session',
        eventId: 's-1',
        occurredAt: '2026-11-20T09:00:00Z',
        properties: { datavolumeFBCUplink: 1000, datavolumeFBCDownlink: 0 },
      },
      { now: Date.parse('2026-11-20T12:00:00Z'), timeZone: 'Europe/Moscow' },
    );
    const db = store.storage.db;
    await sql`insert into profiles (id, created_at, updated_at, merged_into) values ('p_old', '2026-11-01T10:00:00.000Z', '2026-11-01T10:00:00.000Z', null)`.execute(
      db,
    );
    await sql`insert into profile_state (profile_id, state, aggregates, scores, time_zone, updated_at, next_change_at)
      values ('p_old', ${JSON.stringify(state)}, ${JSON.stringify({ data_usage_home: aggregate })}, null, 'Europe/Moscow',
        '2026-11-20T12:00:00.000Z', '2026-11-26T21:00:00.000Z')`.execute(db);

    const { app, get } = await start({ clock, store });
    const body = async () =>
      (await db.selectFrom('profile_state').select('body').where('profile_id', '=', 'p_old').executeTakeFirstOrThrow()).body;
    expect(await body()).toMatch(/^\{"v":1,/);
    const before = await get('/v1/profiles/p_old?explain=true');
    expect(before.traits).toMatchObject({ tariff: 'T-SMART', planType: 'prepaid', status: 'active' });
    expect(before.lineage.tariff).toEqual({
      source: 'billing',
      priority: 50,
      rule: 'billing/activation:tariff',
      event: { seq: 7, eventId: 'act-1', type: 'activation', at: '2026-11-01T10:00:00.000Z' },
    });
    expect(before.aggregates.data_usage_home.windows).toMatchObject({ '7d': 1000, '30d': 1000 });

    // Its 7-day window changes on 27 November: the scheduler rescores it and writes it again.
    clock.set('2026-11-27T12:00:00Z');
    expect(await app.tessera.services.pipeline.advanceTime()).toBe(1);
    expect(await body()).toMatch(/^\{"v":2,/);
    const after = await get('/v1/profiles/p_old?explain=true');
    expect(after.aggregates.data_usage_home.windows).toMatchObject({ '7d': 0, '30d': 1000 });
    expect({ ...after, aggregates: undefined, updatedAt: undefined }).toEqual({ ...before, aggregates: undefined, updatedAt: undefined });
  });

  it('gives the same profiles with the cache and without it, across batches and a merge', async () => {
    const run = async (env: Record<string, string>) => {
      const clock = manualClock('2026-11-20T12:00:00Z');
      const started = await start({ env, clock });
      const { get, profileOf } = started;
      // The same event ids in both runs: lineage names them.
      let n = 0;
      const ingest = (events: { eventId: string }[]) => started.ingest(events.map((e) => ({ ...e, eventId: `e-${++n}` })));
      const [a, b] = ['+79161110021', '+79161110022'];
      await ingest([
        event('billing', 'activation', '2026-11-18T10:00:00Z', { msisdn: a, imsi: '250010000000021' }, { tariffId: 'T-1' }),
        session(a, '2026-11-19T09:00:00Z', 1000),
      ]);
      await ingest([
        event('billing', 'activation', '2026-11-18T11:00:00Z', { msisdn: b, imsi: '250010000000022' }, { tariffId: 'T-2' }),
        session(a, '2026-11-19T10:00:00Z', 200),
        session(b, '2026-11-19T10:00:00Z', 30),
      ]);
      const [first, second] = [await profileOf(a), await profileOf(b)];
      expect(first).not.toBe(second);
      // One passport on both lines: one person, the older profile survives.
      await ingest([
        event('crm', 'customer_changed', '2026-11-19T11:00:00Z', { msisdn: a, passport: '4508123456' }, { homeRegion: 'RU-MOW' }),
        event('crm', 'customer_changed', '2026-11-19T11:00:01Z', { msisdn: b, passport: '4508123456' }),
      ]);
      await ingest([session(b, '2026-11-20T09:00:00Z', 4), session(a, '2026-11-20T09:30:00Z', 5)]);
      expect(await profileOf(b)).toBe(first);
      const survivor = await get(`/v1/profiles/${first}?explain=true`);
      expect(survivor.aggregates.data_usage_home.windows['7d']).toBe(1239);
      const absorbed = await get(`/v1/profiles/${second}?explain=true`);
      expect(absorbed.profileId).toBe(first);
      const ids = new Map([
        [first, 'first'],
        [second, 'second'],
      ]);
      // Profile ids are new in each run; everything else must be the same.
      return JSON.parse(JSON.stringify({ survivor, absorbed }).replace(/p_[0-9a-z]+/g, (id) => ids.get(id) ?? id));
    };
    const cached = await run({});
    const uncached = await run({ TESSERA_PROFILE_CACHE_MB: '0' });
    expect(cached).toEqual(uncached);
  });

  it('keeps nothing in memory of a batch that failed', async () => {
    const clock = manualClock('2026-11-20T12:00:00Z');
    const { app, ingest, get, profileOf } = await start({ clock });
    const msisdn = '+79161110031';
    await ingest([session(msisdn, '2026-11-20T09:00:00Z', 1000)]);
    const id = await profileOf(msisdn);
    const { identity, timeline, profiles } = app.tessera.services;
    // The profile stage does its work, then the batch fails before its commit.
    const failing = new Pipeline({
      db: app.tessera.storage.db,
      eventLog: app.tessera.eventLog,
      identity,
      timeline,
      clock,
      log: app.tessera.log,
      profiles: {
        process: async (trx, events, resolved) => {
          await profiles.process(trx, events, resolved);
          throw new Error('disk full');
        },
        advance: (trx) => profiles.advance(trx),
        forgetCache: () => profiles.forgetCache(),
      },
    });
    await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(),
      payload: { events: [session(msisdn, '2026-11-20T10:00:00Z', 500)] },
    });
    await expect(failing.step()).rejects.toThrow('disk full');
    // The same batch again, for real: counted once.
    await app.tessera.services.pipeline.drain();
    expect((await get(`/v1/profiles/${id}`)).aggregates.data_usage_home.windows['7d']).toBe(1500);
    expect(app.tessera.services.profiles.cached.profiles).toBe(1);
  });
});
