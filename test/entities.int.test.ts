import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from './backends.js';
import { builtinEvent as event } from './builtin-event.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

describeEachBackend('accounts and organisations', (backend) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(backend, { clock: { now: () => new Date('2026-11-25T12:00:00Z') } });
  });
  afterEach(async () => {
    await app.close();
  });

  const ingest = async (events: unknown[]) => {
    const answer = await app.tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events } });
    expect(answer.json().quarantined, answer.body).toBe(0);
    await app.tessera.services.pipeline.drain();
  };
  const get = async (url: string, status = 200) => {
    const answer = await app.tessera.http.inject({ method: 'GET', url, headers: bearer() });
    expect(answer.statusCode, answer.body).toBe(status);
    return answer.json();
  };

  it('folds bills and payments into the account, links it to its organisation, and shows both on the profile', async () => {
    const rub = (value: number) => ({ value, unit: 'RUB' });
    await ingest([
      event(
        'reference',
        'organisation',
        '2026-10-01T00:00:00Z',
        {},
        { inn: '7701234567', name: 'ПАО «Ромашка»', accountIds: ['A-900001'] },
      ),
      event('billing', 'activation', '2026-10-02T10:00:00Z', { msisdn: '+79163330001', accountId: 'A-900001' }, { planType: 'postpaid' }),
      event('billing', 'activation', '2026-10-02T10:05:00Z', { msisdn: '+79163330002', accountId: 'A-900001' }, { planType: 'postpaid' }),
      event(
        'billing',
        'bill_issued',
        '2026-11-01T00:00:00Z',
        { accountId: 'A-900001' },
        {
          billNo: 'B-10',
          billDate: '2026-11-01T00:00:00Z',
          amountDue: rub(1300),
          paymentDueDate: '2026-11-20T21:00:00Z',
        },
      ),
      event(
        'billing',
        'bill_issued',
        '2026-10-01T00:00:00Z',
        { accountId: 'A-900001' },
        {
          billNo: 'B-9',
          billDate: '2026-10-01T00:00:00Z',
          amountDue: rub(650),
          paymentDueDate: '2026-10-20T21:00:00Z',
        },
      ),
      event(
        'billing',
        'payment',
        '2026-10-15T09:00:00Z',
        { accountId: 'A-900001' },
        { paymentId: 'P-1', totalAmount: rub(650), billNo: 'B-9' },
      ),
    ]);

    const account = await get('/v1/accounts/A-900001');
    expect(account.organisation).toEqual({ organisationId: '7701234567', name: 'ПАО «Ромашка»' });
    // Members are (person, role) relations: two persons, one of them also the payer.
    expect(new Set(account.members.map((m: { profileId: string }) => m.profileId)).size).toBe(2);
    expect(account.state.bills.map((b: { billNo: string; paid: boolean }) => [b.billNo, b.paid])).toEqual([
      ['B-10', false],
      ['B-9', true],
    ]);
    expect(account.state).toMatchObject({ billCount: 2, paymentCount: 1, overdueBills: 1, overdueAmount: { RUB: 1300 } });

    const organisation = await get('/v1/organisations/7701234567');
    expect(organisation.firmographics.name).toBe('ПАО «Ромашка»');
    expect(organisation.lineage.name.eventId).toMatch(/^organisation-/);
    expect(organisation.accounts).toEqual([{ accountId: 'A-900001', members: expect.any(Array) }]);
    expect(organisation.persons).toBe(2);

    // A corporate account relates its persons; it never merges them.
    const first = (await get('/v1/profiles/lookup?type=msisdn&value=%2B79163330001')).profileId;
    const second = (await get('/v1/profiles/lookup?type=msisdn&value=%2B79163330002')).profileId;
    expect(first).not.toBe(second);
    const profile = await get(`/v1/profiles/${first}`);
    expect(profile.accounts).toEqual([
      expect.objectContaining({ accountId: 'A-900001', organisation: { organisationId: '7701234567', name: 'ПАО «Ромашка»' } }),
    ]);

    await get('/v1/accounts/A-404', 404);
    await get('/v1/organisations/0000000000', 404);
  });

  it('forgets accounts and organisations on a rebuild and derives them again from the log', async () => {
    await ingest([
      event('reference', 'organisation', '2026-10-01T00:00:00Z', {}, { inn: '7701234567', name: 'ПАО «Ромашка»', accountIds: ['A-1'] }),
    ]);
    const { db } = app.tessera.storage;
    const { pipeline } = app.tessera.services;
    await db.transaction().execute((trx) => pipeline.reset(trx));
    expect(await db.selectFrom('organisation_state').selectAll().execute()).toHaveLength(0);
    await pipeline.drain();
    expect((await get('/v1/organisations/7701234567')).accounts).toEqual([{ accountId: 'A-1', members: [] }]);
  });
});
