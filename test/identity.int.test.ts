import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

const event = builtinEvent;

describeEachBackend('identity resolution pipeline', (backend) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(backend);
  });
  afterEach(async () => {
    await app.close();
  });

  const ingest = async (events: unknown[]) => {
    const answer = await app.tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events } });
    const body = answer.json();
    expect(body.quarantined, JSON.stringify(body.results.filter((r: { reasons?: unknown }) => r.reasons))).toBe(0);
    await app.tessera.services.pipeline.drain();
  };
  const lookup = async (type: string, value: string, at?: string) => {
    const answer = await app.tessera.http.inject({
      method: 'GET',
      url: `/v1/profiles/lookup?type=${type}&value=${encodeURIComponent(value)}${at ? `&at=${at}` : ''}`,
      headers: bearer(),
    });
    return answer.statusCode === 200 ? (answer.json().profileId as string) : undefined;
  };
  /** A rebuild from the event log: forget what identity derived, replay from the start. */
  const rebuild = async () => {
    await app.tessera.storage.db.transaction().execute((trx) => app.tessera.services.pipeline.reset(trx));
    await app.tessera.services.pipeline.drain();
  };
  const outbox = () => app.tessera.storage.db.selectFrom('outbox').selectAll().orderBy('id').execute();
  const partition = async () => {
    const rows = await app.tessera.storage.db.selectFrom('identity_nodes').select(['node_key', 'profile_id']).execute();
    const groups = new Map<string, string[]>();
    for (const r of rows) groups.set(r.profile_id, [...(groups.get(r.profile_id) ?? []), r.node_key].sort());
    return [...groups.values()].sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
  };

  it('keeps a recycled number apart and answers lookups as of a past time with the then-owner', async () => {
    await ingest([
      event('crm', 'customer_changed', '2026-01-01T00:00:00Z', { msisdn: '+79161234567', passport: '4508000001' }),
      event('billing', 'termination', '2026-03-01T00:00:00Z', { msisdn: '+79161234567' }),
      event('billing', 'activation', '2026-06-01T00:00:00Z', {
        msisdn: '+79161234567',
        imsi: '250010000000002',
        iccid: '8970100000000000002',
      }),
      event('crm', 'customer_changed', '2026-06-02T00:00:00Z', { msisdn: '+79161234567', passport: '4508000002' }),
    ]);
    // A late record dated before the recycle arrives after it.
    await ingest([event('network', 'location_update', '2026-02-15T00:00:00Z', { msisdn: '+79161234567', imsi: '250010000000001' })]);
    const before = await lookup('msisdn', '8 (916) 123-45-67', '2026-02-20T00:00:00Z');
    const after = await lookup('msisdn', '+79161234567', '2026-07-01T00:00:00Z');
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(before).not.toBe(after);
    expect(await lookup('passport', '4508000001')).toBe(before);
    expect(await lookup('imsi', '250010000000001')).toBe(before);
    expect(await lookup('msisdn', '+79161234567')).toBe(after);

    const graph = (await app.tessera.http.inject({ method: 'GET', url: `/v1/profiles/${before}/identity`, headers: bearer() })).json();
    expect(graph.identifiers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'msisdn', value: '+79161234567', epoch: 0, validFrom: null, validTo: '2026-03-01T00:00:00.000Z' }),
      ]),
    );
    expect(graph.identifiers.find((n: { type: string }) => n.type === 'imsi').reason).toMatchObject({
      rule: 'co-occurrence',
      event: { type: 'location_update' },
    });
  });

  it('merges two profiles when a person-unique identifier joins them, the older surviving, with profile.merged in the outbox', async () => {
    await ingest([
      event('billing', 'activation', '2026-01-01T00:00:00Z', { msisdn: '+79161111111', imsi: '250010000000011', accountId: 'A-1' }),
    ]);
    const first = await lookup('msisdn', '+79161111111');
    await ingest([
      event(
        'billing',
        'activation',
        '2026-01-05T00:00:00Z',
        { msisdn: '+79162222222', imsi: '250010000000022', accountId: 'A-1' },
        { simType: 'esim' },
      ),
    ]);
    const second = await lookup('msisdn', '+79162222222');
    expect(second).not.toBe(first);
    await ingest([
      event('crm', 'customer_changed', '2026-01-06T00:00:00Z', { msisdn: '+79161111111', passport: '4508123456' }),
      event('crm', 'customer_changed', '2026-01-06T00:00:01Z', { msisdn: '+79162222222', passport: '4508123456' }),
    ]);
    expect(await lookup('msisdn', '+79162222222')).toBe(first);
    const merged = (await outbox()).filter((o) => o.type === 'profile.merged');
    expect(merged.map((o) => JSON.parse(o.data))).toEqual([{ survivor: first, absorbed: [second] }]);
    const absorbed = (await app.tessera.http.inject({ method: 'GET', url: `/v1/profiles/${second}/identity`, headers: bearer() })).json();
    expect(absorbed).toMatchObject({ mergedInto: first, identifiers: [] });
    const survivor = (await app.tessera.http.inject({ method: 'GET', url: `/v1/profiles/${first}/identity`, headers: bearer() })).json();
    // Both lines' account relation now belongs to the survivor, spanning both activations.
    expect(survivor.accounts).toEqual([
      { accountId: 'A-1', role: 'user', firstAt: '2026-01-01T00:00:00.000Z', lastAt: '2026-01-05T00:00:00.000Z' },
    ]);
  });

  it('answers a known line from memory, and not where the same batch changes it (a merge, a termination)', async () => {
    const resolutionOf = async (eventId: string) => {
      const logged = await app.tessera.storage.db
        .selectFrom('event_log')
        .select('seq')
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow();
      const row = await app.tessera.storage.db
        .selectFrom('event_profiles')
        .select('profile_id')
        .where('seq', '=', logged.seq)
        .executeTakeFirstOrThrow();
      return row.profile_id;
    };
    const record = (at: string) => event('network', 'location_update', at, { msisdn: '+79164444444', imsi: '250010000000044' });
    await ingest([event('crm', 'customer_changed', '2025-12-01T00:00:00Z', { msisdn: '+79165555555', passport: '4508444444' })]);
    const older = await lookup('passport', '4508444444');
    await ingest([event('billing', 'activation', '2026-01-01T00:00:00Z', { msisdn: '+79164444444', imsi: '250010000000044' })]);
    const line = await lookup('msisdn', '+79164444444');
    // Two more records of the line: the second batch finds it held and answers from memory.
    const known = [record('2026-01-02T00:00:00Z'), record('2026-01-02T01:00:00Z')];
    await ingest([known[0]]);
    await ingest([known[1]]);
    expect(await resolutionOf(known[1]!.eventId)).toBe(line);

    // One batch: a record of the known line, then the passport that joins it to an older person.
    const beforeMerge = record('2026-01-03T00:00:00Z');
    await ingest([
      beforeMerge,
      event('crm', 'customer_changed', '2026-01-03T01:00:00Z', { msisdn: '+79164444444', passport: '4508444444' }),
    ]);
    expect(await lookup('msisdn', '+79164444444')).toBe(older);
    expect(await resolutionOf(beforeMerge.eventId)).toBe(older);

    // One batch: the number is terminated, then a record of it a day later, in the next holder's
    // epoch, which nothing has tied to a person yet: it is not the former holder's.
    await ingest([record('2026-01-04T00:00:00Z')]);
    const afterEnd = event('network', 'location_update', '2026-01-06T00:00:00Z', { msisdn: '+79164444444' });
    await ingest([event('billing', 'termination', '2026-01-05T00:00:00Z', { msisdn: '+79164444444' }), afterEnd]);
    expect(await resolutionOf(afterEnd.eventId)).toBeNull();
    expect(await lookup('msisdn', '+79164444444', '2026-01-06T00:00:00Z')).toBeUndefined();
    expect(await lookup('msisdn', '+79164444444', '2026-01-04T12:00:00Z')).toBe(older);
  });

  it('keeps a SIM swap on the same person and emits identity.sim_swap', async () => {
    await ingest([
      event('billing', 'activation', '2026-01-01T00:00:00Z', {
        msisdn: '+79163333333',
        imsi: '250010000000033',
        iccid: '8970100000000000033',
      }),
    ]);
    const person = await lookup('msisdn', '+79163333333');
    await ingest([
      event(
        'network',
        'sim_change',
        '2026-02-01T00:00:00Z',
        { msisdn: '+79163333333', imsi: '250010000000099', iccid: '8970100000000000099' },
        { oldIccid: '8970100000000000033', oldImsi: '250010000000033', newIccid: '8970100000000000099', newImsi: '250010000000099' },
      ),
    ]);
    expect(await lookup('iccid', '8970100000000000099')).toBe(person);
    const swap = (await outbox()).find((o) => o.type === 'identity.sim_swap');
    expect(swap?.subject).toBe(person);
    expect(JSON.parse(swap?.data ?? '{}')).toMatchObject({ oldIccid: '8970100000000000033', newIccid: '8970100000000000099' });
  });

  it('removes a bad link, restores the two persons, and keeps the removal through a rebuild', async () => {
    const world = [
      event('billing', 'activation', '2026-01-01T00:00:00Z', { msisdn: '+79164444444', imsi: '250010000000044' }),
      event('billing', 'activation', '2026-01-02T00:00:00Z', { msisdn: '+79165555555', imsi: '250010000000055' }),
      event('app', 'login', '2026-01-03T00:00:00Z', { msisdn: '+79164444444', appUserId: 'u-44', deviceId: 'd-44' }),
      // A wrong record: the first person's app account on the second line.
      event('app', 'login', '2026-01-04T00:00:00Z', { msisdn: '+79165555555', appUserId: 'u-44', deviceId: 'd-55' }),
    ];
    await ingest(world);
    const older = await lookup('msisdn', '+79164444444');
    expect(await lookup('msisdn', '+79165555555')).toBe(older);
    const removal = await app.tessera.http.inject({
      method: 'POST',
      url: '/v1/identity/links/remove',
      headers: bearer(),
      payload: {
        a: { type: 'msisdn', value: '+79165555555' },
        b: { type: 'appUserId', value: 'u-44' },
        reason: 'the app account was filed on the wrong line',
      },
    });
    expect(removal.statusCode, removal.body).toBe(200);
    expect(await lookup('msisdn', '+79164444444')).toBe(older);
    const younger = await lookup('msisdn', '+79165555555');
    expect(younger).not.toBe(older);
    expect((await outbox()).some((o) => o.type === 'profile.split' && JSON.parse(o.data).from === older)).toBe(true);
    // The pipeline notices the removal and rebuilds both persons from their own events.
    await app.tessera.services.pipeline.drain();
    const profileOf = async (id: string | undefined) =>
      (await app.tessera.http.inject({ method: 'GET', url: `/v1/profiles/${id ?? ''}`, headers: bearer() })).json() as {
        activity: { events: number };
      };
    // The wrong record's anchor is the app account, so it stays with the older person; the younger keeps its activation.
    expect((await profileOf(younger)).activity.events).toBe(1);
    expect((await profileOf(older)).activity.events).toBe(3);

    const incremental = await partition();
    await rebuild();
    expect(await partition()).toEqual(incremental);
  });

  it('gives the same partition whatever order the events arrive in, and a rebuild equals it', async () => {
    const world = [
      event('crm', 'customer_changed', '2026-01-01T00:00:00Z', { msisdn: '+79166666661', passport: '4508000061' }),
      event('billing', 'termination', '2026-03-01T00:00:00Z', { msisdn: '+79166666661' }),
      event('billing', 'activation', '2026-04-01T00:00:00Z', { msisdn: '+79166666661', imsi: '250010000000062' }),
      event('crm', 'customer_changed', '2026-04-02T00:00:00Z', { msisdn: '+79166666661', email: 'new.owner@example.ru' }),
      event('crm', 'customer_changed', '2026-04-03T00:00:00Z', { msisdn: '+79166666663', email: 'new.owner@example.ru' }),
      event('network', 'location_update', '2026-02-01T00:00:00Z', { msisdn: '+79166666661', imsi: '250010000000061' }),
    ];
    for (const e of [...world].reverse()) await ingest([e]);
    const reversed = await partition();
    await rebuild();
    expect(await partition()).toEqual(reversed);
    // The mailbox does not join the second line: both persons already hold a line.
    expect(reversed).toEqual([
      ['email:new.owner@example.ru', 'imsi:250010000000062#0', 'msisdn:+79166666661#1'],
      ['imsi:250010000000061#0', 'msisdn:+79166666661#0', 'passport:4508000061'],
      ['msisdn:+79166666663#0'],
    ]);
  });

  it('refuses a second passport on one person and reports the conflict', async () => {
    await ingest([
      event('crm', 'customer_changed', '2026-01-01T00:00:00Z', { msisdn: '+79167777777', passport: '4508000071' }),
      event('crm', 'customer_changed', '2026-01-02T00:00:00Z', { msisdn: '+79167777777', passport: '4508000072' }),
    ]);
    expect(await lookup('passport', '4508000072')).not.toBe(await lookup('passport', '4508000071'));
    const findings = (
      await app.tessera.http.inject({ method: 'GET', url: '/v1/identity/findings?kind=person-unique-conflict', headers: bearer() })
    ).json();
    expect(findings.items).toEqual([
      expect.objectContaining({ kind: 'person-unique-conflict', nodes: ['passport:4508000072', 'msisdn:+79167777777#0'] }),
    ]);
  });

  it('attaches shared-device events to whoever is logged in, never joining two people, and logout ends it', async () => {
    const seqOf = async (eventId: string) =>
      (await app.tessera.storage.db.selectFrom('event_log').select('seq').where('event_id', '=', eventId).executeTakeFirstOrThrow()).seq;
    const profileOfEvent = async (eventId: string) =>
      (
        await app.tessera.storage.db
          .selectFrom('event_profiles')
          .select('profile_id')
          .where('seq', '=', await seqOf(eventId))
          .executeTakeFirstOrThrow()
      ).profile_id;
    const open = (at: string) => event('app', 'app_open', at, { deviceId: 'family-tablet' });
    const openedByFirst = open('2026-01-01T10:05:00Z');
    const afterLogout = open('2026-01-01T11:00:00Z');
    const openedBySecond = open('2026-01-01T12:05:00Z');
    await ingest([
      event('app', 'login', '2026-01-01T10:00:00Z', { appUserId: 'u-mother', msisdn: '+79168888881', deviceId: 'family-tablet' }),
      openedByFirst,
      event('app', 'logout', '2026-01-01T10:30:00Z', { appUserId: 'u-mother', deviceId: 'family-tablet' }),
      afterLogout,
      event('app', 'login', '2026-01-01T12:00:00Z', { appUserId: 'u-son', msisdn: '+79168888882', deviceId: 'family-tablet' }),
      openedBySecond,
    ]);
    const mother = await lookup('appUserId', 'u-mother');
    const son = await lookup('appUserId', 'u-son');
    expect(mother).toBeDefined();
    expect(son).not.toBe(mother);
    expect(await profileOfEvent(openedByFirst.eventId)).toBe(mother);
    expect(await profileOfEvent(afterLogout.eventId)).toBeNull();
    expect(await profileOfEvent(openedBySecond.eventId)).toBe(son);
  });

  it('stops using a contact value seen on more than K persons as a merge key, and reports it', async () => {
    // Five employees, each with their own passport, all filed with the IT department's mailbox.
    await ingest(
      [1, 2, 3, 4, 5].map((i) =>
        event('crm', 'customer_changed', `2026-01-0${i}T00:00:00Z`, {
          msisdn: `+7916990000${i}`,
          passport: `450800009${i}`,
          email: 'it@corp.example',
        }),
      ),
    );
    const profiles = new Set(await Promise.all([1, 2, 3, 4, 5].map((i) => lookup('msisdn', `+7916990000${i}`))));
    expect(profiles.size).toBe(5);
    const findings = (
      await app.tessera.http.inject({ method: 'GET', url: '/v1/identity/findings?kind=blocked-value', headers: bearer() })
    ).json();
    expect(findings.items).toEqual([
      expect.objectContaining({ nodes: ['email:it@corp.example'], message: expect.stringContaining('auto-blocked') }),
    ]);
    // Blocked: the mailbox is no node of anybody's graph.
    expect(await lookup('email', 'it@corp.example')).toBeUndefined();
  });

  it('writes no outbox row twice: rebuilding from the log yields exactly the same rows', async () => {
    // One event a batch, live and in the rebuild, so that the rebuild takes every decision again.
    const oneByOne = await startTestApp(backend, { env: { TESSERA_PIPELINE_BATCH_EVENTS: '1' } });
    try {
      const send = async (events: unknown[]) => {
        const answer = await oneByOne.tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events } });
        expect(answer.json().quarantined).toBe(0);
        await oneByOne.tessera.services.pipeline.drain();
      };
      const rows = () => oneByOne.tessera.storage.db.selectFrom('outbox').selectAll().orderBy('id').execute();
      await send([
        event('billing', 'activation', '2026-01-01T00:00:00Z', {
          msisdn: '+79161010101',
          imsi: '250010000000101',
          iccid: '8970100000000000101',
        }),
        event('billing', 'activation', '2026-01-02T00:00:00Z', { msisdn: '+79161010102', imsi: '250010000000102' }),
        event('billing', 'activation', '2026-01-03T00:00:00Z', { msisdn: '+79161010103', imsi: '250010000000103' }),
        event('billing', 'activation', '2026-01-04T00:00:00Z', { msisdn: '+79161010104', imsi: '250010000000104' }),
        // A passport joins the first two lines' profiles (profile.merged) ...
        event('crm', 'customer_changed', '2026-01-05T00:00:00Z', { msisdn: '+79161010101', passport: '4508010101' }),
        event('crm', 'customer_changed', '2026-01-06T00:00:00Z', { msisdn: '+79161010102', passport: '4508010101' }),
        // ... an app account the other two (profile.merged, then profile.split when the link is removed).
        event('app', 'login', '2026-01-07T00:00:00Z', { msisdn: '+79161010103', appUserId: 'u-103', deviceId: 'd-103' }),
        event('app', 'login', '2026-01-08T00:00:00Z', { msisdn: '+79161010104', appUserId: 'u-103', deviceId: 'd-104' }),
        event(
          'network',
          'sim_change',
          '2026-02-01T00:00:00Z',
          { msisdn: '+79161010101', imsi: '250010000000199', iccid: '8970100000000000199' },
          { oldIccid: '8970100000000000101', oldImsi: '250010000000101', newIccid: '8970100000000000199', newImsi: '250010000000199' },
        ),
      ]);
      const removal = await oneByOne.tessera.http.inject({
        method: 'POST',
        url: '/v1/identity/links/remove',
        headers: bearer(),
        payload: { a: { type: 'msisdn', value: '+79161010104' }, b: { type: 'appUserId', value: 'u-103' }, reason: 'a filing error' },
      });
      expect(removal.statusCode, removal.body).toBe(200);
      const before = await rows();
      expect(before.map((r) => r.type).sort()).toEqual(['identity.sim_swap', 'profile.merged', 'profile.merged', 'profile.split']);
      expect(before.every((r) => /^ob_[0-9a-f]{32}$/.test(r.id))).toBe(true);

      for (const _ of [1, 2]) {
        await oneByOne.tessera.storage.db.transaction().execute((trx) => oneByOne.tessera.services.pipeline.reset(trx));
        const { batches } = await oneByOne.tessera.services.pipeline.drain();
        expect(batches).toBe(9);
        expect(await rows()).toEqual(before);
      }
    } finally {
      await oneByOne.close();
    }
  });

  describe('with the identifier type registry overridden in config', () => {
    let tuned: TestApp;
    beforeEach(async () => {
      // A web cookie as a weak merge key that expires 30 days after its last link was seen; emails unlimited.
      tuned = await startTestApp(backend, {
        env: { TESSERA_IDENTITY_TYPES: JSON.stringify({ deviceId: { class: 'contact', ttlDays: 30 }, email: { limit: null } }) },
      });
    });
    afterEach(async () => {
      await tuned.close();
    });
    const send = async (events: unknown[]) => {
      const answer = await tuned.tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events } });
      expect(answer.json().quarantined).toBe(0);
      await tuned.tessera.services.pipeline.drain();
    };
    const profileOf = async (type: string, value: string) => {
      const answer = await tuned.tessera.http.inject({
        method: 'GET',
        url: `/v1/profiles/lookup?type=${type}&value=${value}`,
        headers: bearer(),
      });
      return answer.statusCode === 200 ? (answer.json().profileId as string) : undefined;
    };
    const profileOfEvent = async (eventId: string) => {
      const { seq } = await tuned.tessera.storage.db
        .selectFrom('event_log')
        .select('seq')
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow();
      const row = await tuned.tessera.storage.db
        .selectFrom('event_profiles')
        .select('profile_id')
        .where('seq', '=', seq)
        .executeTakeFirstOrThrow();
      return row.profile_id;
    };
    const nodes = async () =>
      (await tuned.tessera.storage.db.selectFrom('identity_nodes').select(['node_key', 'profile_id']).orderBy('node_key').execute()).map(
        (r) => r.node_key,
      );

    it('splits a cookie at its TTL, keeps it alive while its link is seen, and a rebuild agrees', async () => {
      const page = (at: string, identifiers: Record<string, string>) => event('app', 'page', at, identifiers);
      // Cookie 1: seen with its first user, then nobody links it for 59 days: the next user is somebody else.
      await send([page('2026-01-01T00:00:00Z', { email: 'first@mail.ru', deviceId: 'cookie-1' })]);
      const alone = page('2026-01-20T00:00:00Z', { deviceId: 'cookie-1' });
      await send([alone]);
      await send([page('2026-03-01T00:00:00Z', { email: 'next@mail.ru', deviceId: 'cookie-1' })]);
      const lateAlone = page('2026-03-05T00:00:00Z', { deviceId: 'cookie-1' });
      const expired = page('2026-06-01T00:00:00Z', { deviceId: 'cookie-1' });
      await send([lateAlone, expired]);
      const first = await profileOf('email', 'first@mail.ru');
      const next = await profileOf('email', 'next@mail.ru');
      expect(first).toBeDefined();
      expect(next).not.toBe(first);
      expect(await profileOfEvent(alone.eventId)).toBe(first);
      expect(await profileOfEvent(lateAlone.eventId)).toBe(next);
      expect(await profileOfEvent(expired.eventId)).toBeNull();

      // Cookie 2: its link is seen again within the TTL (a later batch), so it lives on and joins its next user.
      await send([page('2026-01-01T00:00:00Z', { email: 'owner@mail.ru', deviceId: 'cookie-2' })]);
      await send([page('2026-01-25T00:00:00Z', { email: 'owner@mail.ru', deviceId: 'cookie-2' })]);
      await send([page('2026-02-20T00:00:00Z', { email: 'partner@mail.ru', deviceId: 'cookie-2' })]);
      expect(await profileOf('email', 'partner@mail.ru')).toBe(await profileOf('email', 'owner@mail.ru'));

      const incremental = await nodes();
      expect(incremental).toEqual(
        expect.arrayContaining(['deviceId:cookie-1#0', 'deviceId:cookie-1#1', 'deviceId:cookie-2#0', 'email:first@mail.ru']),
      );
      await tuned.tessera.storage.db.transaction().execute((trx) => tuned.tessera.services.pipeline.reset(trx));
      await tuned.tessera.services.pipeline.drain();
      expect(await nodes()).toEqual(incremental);
      expect(await profileOfEvent(expired.eventId)).toBeNull();
    });
  });

  it('attributes a device event to its logged-in user only within the device TTL (180 days by default)', async () => {
    const open = (at: string) => event('app', 'app_open', at, { deviceId: 'old-phone' });
    const soon = open('2026-02-01T00:00:00Z');
    const muchLater = open('2026-08-01T00:00:00Z');
    await ingest([
      event('app', 'login', '2026-01-01T00:00:00Z', { appUserId: 'u-phone', msisdn: '+79168888883', deviceId: 'old-phone' }),
      soon,
      muchLater,
    ]);
    const seqOf = async (eventId: string) =>
      (await app.tessera.storage.db.selectFrom('event_log').select('seq').where('event_id', '=', eventId).executeTakeFirstOrThrow()).seq;
    const profileOfEvent = async (eventId: string) =>
      (
        await app.tessera.storage.db
          .selectFrom('event_profiles')
          .select('profile_id')
          .where('seq', '=', await seqOf(eventId))
          .executeTakeFirstOrThrow()
      ).profile_id;
    expect(await profileOfEvent(soon.eventId)).toBe(await lookup('appUserId', 'u-phone'));
    expect(await profileOfEvent(muchLater.eventId)).toBeNull();
  });
});
