import { afterEach, beforeEach, expect, it } from 'vitest';
import { appRequests } from './app-requests.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { startTestApp, type TestApp } from './test-app.js';

const event = builtinEvent;

/*
 * Issue 4: when identity splits a profile, each person's profile holds what its own events say,
 * rebuilt from them — not the state of the profile it was split from.
 */
describeEachBackend('profiles after an identity split', (backend) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(backend, { clock: { now: () => new Date('2026-09-10T12:00:00Z') } });
  });
  afterEach(async () => {
    await app.close();
  });

  const { ingest, get, profileOf } = appRequests(() => app);

  it('rebuilds both persons from their own events when a late termination splits a recycled number', async () => {
    const msisdn = '+79163330001';
    const oldSim = '8970103000000000001';
    const newSim = '8970103000000000002';
    const session = (at: string, iccid: string, octets: number) =>
      event('network', 'data_session', at, { msisdn, iccid }, { datavolumeFBCUplink: octets, datavolumeFBCDownlink: 0 });
    // The termination of the first holder has not arrived: the number joins both holders' SIMs.
    await ingest([
      event('billing', 'activation', '2026-01-01T10:00:00Z', { msisdn, iccid: oldSim }, { tariffId: 'T-OLD', planType: 'prepaid' }),
      event('billing', 'topup', '2026-02-01T10:00:00Z', { msisdn }, { amount: { value: 100, unit: 'RUB' } }),
      session('2026-02-02T10:00:00Z', oldSim, 111),
    ]);
    await ingest([
      event('billing', 'activation', '2026-09-01T10:00:00Z', { msisdn, iccid: newSim }, { tariffId: 'T-NEW', planType: 'postpaid' }),
      event('billing', 'topup', '2026-09-02T10:00:00Z', { msisdn }, { amount: { value: 500, unit: 'RUB' } }),
      session('2026-09-05T10:00:00Z', newSim, 5000),
    ]);
    const joined = await profileOf('iccid', oldSim);
    expect(await profileOf('iccid', newSim)).toBe(joined);

    // It arrives late, dated before the number went to its next holder: identity splits the profile.
    await ingest([event('billing', 'termination', '2026-03-01T10:00:00Z', { msisdn, iccid: oldSim })]);
    const first = await profileOf('iccid', oldSim);
    const second = await profileOf('iccid', newSim);
    expect(second).not.toBe(first);
    expect(await profileOf('msisdn', msisdn, '2026-02-15T00:00:00Z')).toBe(first);
    const split = await app.tessera.storage.db.selectFrom('outbox').select('data').where('type', '=', 'profile.split').execute();
    expect(split.map((r) => JSON.parse(r.data))).toEqual([{ from: joined, into: [expect.any(String)] }]);

    const before = await get(`/v1/profiles/${first}`);
    expect(before.traits).toMatchObject({ tariff: 'T-OLD', planType: 'prepaid', status: 'terminated' });
    expect(before.activity).toEqual({ firstEventAt: '2026-01-01T10:00:00.000Z', lastEventAt: '2026-03-01T10:00:00.000Z', events: 4 });
    expect(before.aggregates.topup_amount.windows['30d']).toBe(0);
    expect(before.aggregates.data_usage_home.windows['30d']).toBe(0);

    const after = await get(`/v1/profiles/${second}`);
    expect(after.traits).toMatchObject({ tariff: 'T-NEW', planType: 'postpaid', status: 'active' });
    expect(after.activity).toEqual({ firstEventAt: '2026-09-01T10:00:00.000Z', lastEventAt: '2026-09-05T10:00:00.000Z', events: 3 });
    expect(after.aggregates.topup_amount.windows['30d']).toBe(500);
    expect(after.aggregates.data_usage_home.windows['30d']).toBe(5000);

    // The same as a rebuild from the log, which sees the termination before it could join anybody.
    const view = async (iccid: string) => {
      const {
        profileId: _,
        requestedId: __,
        createdAt: ___,
        updatedAt: ____,
        ...rest
      } = await get(`/v1/profiles/${await profileOf('iccid', iccid)}`);
      return rest;
    };
    const live = [await view(oldSim), await view(newSim)];
    await app.tessera.storage.db.transaction().execute((trx) => app.tessera.services.pipeline.reset(trx));
    await app.tessera.services.pipeline.drain();
    expect([await view(oldSim), await view(newSim)]).toEqual(live);
  });

  it('rebuilds the persons a shared mailbox had joined, once it stops being a merge key', async () => {
    const mailbox = 'office@corp.example';
    const line = (i: number) => `+7916444000${i}`;
    const customer = (i: number, at: string) =>
      event('crm', 'customer_changed', at, { msisdn: line(i), email: mailbox }, { name: `Employee ${i}` });
    const appOpen = (at: string) => event('app', 'app_open', at, { appUserId: 'u-office', email: mailbox });
    // A line holder and an app user filed with the same mailbox: one person, as far as anybody can tell yet.
    await ingest([
      event('billing', 'activation', '2026-09-01T10:00:00Z', { msisdn: line(1) }, { tariffId: 'T-ONE', planType: 'prepaid' }),
      customer(1, '2026-09-02T10:00:00Z'),
      appOpen('2026-09-06T10:00:00Z'),
      appOpen('2026-09-07T10:00:00Z'),
    ]);
    const joined = await profileOf('msisdn', line(1));
    expect(await profileOf('appUserId', 'u-office')).toBe(joined);
    expect((await get(`/v1/profiles/${joined}`)).aggregates.app_opens.windows['7d']).toBe(2);

    // Lines of more persons than a mailbox may have: it is auto-blocked, and the link it made goes.
    await ingest([3, 4, 5, 6].map((i) => customer(i, `2026-09-0${i}T12:00:00Z`)));
    const holder = await profileOf('msisdn', line(1));
    const appUser = await profileOf('appUserId', 'u-office');
    expect(appUser).not.toBe(holder);

    const one = await get(`/v1/profiles/${holder}`);
    expect(one.traits).toMatchObject({ tariff: 'T-ONE', planType: 'prepaid', name: 'Employee 1' });
    expect(one.activity.events).toBe(2);
    expect(one.lastInteraction.app).toBeUndefined();
    expect(one.aggregates.app_opens.windows['7d']).toBe(0);
    const two = await get(`/v1/profiles/${appUser}`);
    expect(two.traits.tariff).toBeUndefined();
    expect(two.activity.events).toBe(2);
    expect(two.lastInteraction.app).toBe('2026-09-07T10:00:00.000Z');
    expect(two.aggregates.app_opens.windows['7d']).toBe(2);
  });
});
