import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Clock } from '../src/core/clock.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

const event = builtinEvent;

/** A clock the test moves. */
const manualClock = (start: string): Clock & { set(iso: string): void } => {
  let now = new Date(start);
  return { now: () => now, set: (iso) => (now = new Date(iso)) };
};

describeEachBackend('unified profiles', (backend) => {
  let app: TestApp;
  const clock = manualClock('2026-11-20T12:00:00Z');
  beforeEach(async () => {
    clock.set('2026-11-20T12:00:00Z');
    app = await startTestApp(backend, { clock });
  });
  afterEach(async () => {
    await app.close();
  });

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
  const profileOf = async (msisdn: string, at?: string) =>
    (await get(`/v1/profiles/lookup?type=msisdn&value=${encodeURIComponent(msisdn)}${at ? `&at=${at}` : ''}`)).profileId as string;

  it('keeps current state with survivorship: billing wins over the app, an empty value never overwrites', async () => {
    const msisdn = '+79161110001';
    await ingest([
      event('billing', 'activation', '2026-11-01T10:00:00Z', { msisdn, accountId: 'A-100' }, { tariffId: 'T-SMART', planType: 'prepaid' }),
      event(
        'crm',
        'customer_changed',
        '2026-11-02T10:00:00Z',
        { msisdn },
        { name: 'Anna Petrova', homeRegion: 'RU-PRI', email: 'anna@example.org' },
      ),
      event('app', 'login', '2026-11-03T10:00:00Z', { msisdn, appUserId: 'u-1', deviceId: 'd-1' }),
      // The app says another name later: CRM (higher priority) keeps its value.
      event('app', 'identify', '2026-11-04T10:00:00Z', { appUserId: 'u-1' }, { traits: { name: 'Anya', email: 'anya@example.org' } }),
      event('billing', 'balance_changed', '2026-11-05T10:00:00Z', { msisdn }, { balance: { value: 120.5, unit: 'RUB' } }),
    ]);
    const id = await profileOf(msisdn);
    const profile = await get(`/v1/profiles/${id}?explain=true`);
    expect(profile.traits).toMatchObject({
      tariff: 'T-SMART',
      planType: 'prepaid',
      status: 'active',
      name: 'Anna Petrova',
      homeRegion: 'RU-PRI',
    });
    expect(profile.traits.balance).toEqual({ value: 120.5, unit: 'RUB' });
    expect(profile.timeZone).toBe('Asia/Vladivostok');
    expect(profile.lineage.name).toMatchObject({ source: 'crm', rule: 'crm/customer_changed:name' });
    expect(profile.lineage.tariff.event.type).toBe('activation');
    expect(profile.lastInteraction.app).toBe('2026-11-04T10:00:00.000Z');
    expect(profile.accounts.map((a: { accountId: string }) => a.accountId)).toContain('A-100');
  });

  it('counts a late data session inside the horizon in the right day, and refuses one beyond it', async () => {
    const msisdn = '+79161110002';
    const session = (at: string, octets: number) =>
      event('network', 'data_session', at, { msisdn }, { datavolumeFBCUplink: octets, datavolumeFBCDownlink: 0 });
    await ingest([session('2026-11-20T09:00:00Z', 1000)]);
    const id = await profileOf(msisdn);
    const windows = async () => (await get(`/v1/profiles/${id}`)).aggregates.data_usage_home.windows;
    expect(await windows()).toMatchObject({ '7d': 1000, '30d': 1000 });
    // Six days late, inside the 7-day horizon: counted on its own day (14 November, Moscow time).
    await ingest([session('2026-11-14T09:00:00Z', 500)]);
    expect(await windows()).toMatchObject({ '7d': 1500, '30d': 1500 });
    // Ten days late, beyond the horizon: refused.
    await ingest([session('2026-11-10T09:00:00Z', 700)]);
    expect(await windows()).toMatchObject({ '7d': 1500, '30d': 1500 });
    // A day later the 7-day window no longer holds 14 November: the late session was on that day.
    clock.set('2026-11-21T12:00:00Z');
    expect(await windows()).toMatchObject({ '7d': 1000, '30d': 1500 });
  });

  it('drops an old top-up from the 30-day window when time passes with no new event', async () => {
    const msisdn = '+79161110003';
    await ingest([event('billing', 'topup', '2026-11-19T10:00:00Z', { msisdn }, { amount: { value: 300, unit: 'RUB' } })]);
    const id = await profileOf(msisdn);
    const topups = (await get(`/v1/profiles/${id}`)).aggregates.topup_amount;
    expect(topups.windows['30d']).toBe(300);
    // Day by day for the card's sparkline: 30 local days up to today, the top-up on its day.
    expect(topups.daily).toHaveLength(30);
    expect(topups.daily.filter((p: { v: number }) => p.v !== 0)).toEqual([{ d: '2026-11-19', v: 300 }]);
    const stored = await app.tessera.storage.db
      .selectFrom('profile_state')
      .select('next_change_at')
      .where('profile_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.next_change_at).not.toBeNull();
    // 31 days later the scheduler wakes the profile at the change, with no event in between.
    clock.set('2026-12-21T00:00:00Z');
    expect(await app.tessera.services.pipeline.advanceTime()).toBeGreaterThan(0);
    expect((await get(`/v1/profiles/${id}`)).aggregates.topup_amount.windows['30d']).toBe(0);
  });

  it('tracks care cases and broken promises, and pages the timeline', async () => {
    const msisdn = '+79161110004';
    await ingest([
      event('crm', 'case_opened', '2026-11-10T10:00:00Z', { msisdn }, { caseId: 'C-1', expectedResolutionDate: '2026-11-12T18:00:00Z' }),
      event('crm', 'case_opened', '2026-11-18T10:00:00Z', { msisdn }, { caseId: 'C-2', expectedResolutionDate: '2026-11-25T18:00:00Z' }),
      ...Array.from({ length: 5 }, (_, i) => event('network', 'voice_call', `2026-11-19T1${i}:00:00Z`, { msisdn })),
    ]);
    const id = await profileOf(msisdn);
    const profile = await get(`/v1/profiles/${id}`);
    expect(profile.openCases.map((c: { caseId: string }) => c.caseId).sort()).toEqual(['C-1', 'C-2']);
    expect(profile.brokenPromises).toBe(1);
    const first = await get(`/v1/profiles/${id}/timeline?limit=4`);
    expect(first.events).toHaveLength(4);
    const second = await get(`/v1/profiles/${id}/timeline?limit=4&before=${first.next}`);
    expect(second.events).toHaveLength(3);
    expect(second.next).toBeNull();
    const cases = await get(`/v1/profiles/${id}/timeline?types=crm/case_opened`);
    expect(cases.events.map((e: { type: string }) => e.type)).toEqual(['case_opened', 'case_opened']);
  });

  it('answers the then-owner of a recycled number, each with their own timeline', async () => {
    const msisdn = '+79161110005';
    await ingest([
      event('billing', 'activation', '2026-01-01T10:00:00Z', { msisdn, iccid: '8970101000000000001' }, { tariffId: 'T-OLD' }),
      event('billing', 'termination', '2026-03-01T10:00:00Z', { msisdn, iccid: '8970101000000000001' }),
      event('billing', 'activation', '2026-09-01T10:00:00Z', { msisdn, iccid: '8970101000000000002' }, { tariffId: 'T-NEW' }),
    ]);
    const old = await profileOf(msisdn, '2026-02-01T00:00:00Z');
    const current = await profileOf(msisdn);
    expect(old).not.toBe(current);
    expect((await get(`/v1/profiles/${old}`)).traits).toMatchObject({ tariff: 'T-OLD', status: 'terminated' });
    expect((await get(`/v1/profiles/${current}`)).traits).toMatchObject({ tariff: 'T-NEW', status: 'active' });
    expect((await get(`/v1/profiles/${old}/timeline`)).events.map((e: { type: string }) => e.type)).toEqual(['termination', 'activation']);
  });

  it("counts an account's bills for its payer, never merging the family on the account", async () => {
    const payer = '+79161110006';
    const child = '+79161110007';
    await ingest([
      event('billing', 'activation', '2026-11-01T10:00:00Z', { msisdn: payer, accountId: 'A-FAM' }),
      event('billing', 'activation', '2026-11-01T10:05:00Z', { msisdn: child, accountId: 'A-FAM' }),
      event('crm', 'customer_changed', '2026-11-01T11:00:00Z', { msisdn: payer, accountId: 'A-FAM' }, { name: 'Oleg' }),
      ...[900, 1000, 1100].map((value, i) =>
        event('billing', 'bill_issued', `2026-11-1${i}T00:00:00Z`, { accountId: 'A-FAM' }, { amountDue: { value, unit: 'RUB' } }),
      ),
    ]);
    const [payerId, childId] = [await profileOf(payer), await profileOf(child)];
    expect(payerId).not.toBe(childId);
    expect((await get(`/v1/profiles/${payerId}`)).aggregates.arpu.windows.last_3).toBe(1000);
    expect((await get(`/v1/profiles/${childId}`)).aggregates.arpu.windows.last_3 ?? null).toBeNull();
  });

  it('answers 404 for an unknown profile', async () => {
    const answer = await app.tessera.http.inject({ method: 'GET', url: '/v1/profiles/p_nobody', headers: bearer() });
    expect(answer.statusCode).toBe(404);
  });
});
