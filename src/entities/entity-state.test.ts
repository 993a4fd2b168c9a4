import { describe, expect, it } from 'vitest';
import {
  accountView,
  blankAccount,
  blankOrganisation,
  foldAccountEvent,
  foldOrganisationEvent,
  linkAccountToOrganisation,
  type EntityEvent,
} from './entity-state.js';

let seq = 0;
const event = (key: string, at: string, properties: Record<string, unknown>): EntityEvent => ({
  key,
  accountId: 'A-1',
  properties,
  ref: { sourceId: key.split('/')[0] as string, eventId: `e-${++seq}`, seq, at },
});
const rub = (value: number) => ({ value, unit: 'RUB' });
const bill = (billNo: string, billDate: string, amount: number) =>
  event('billing/bill_issued', billDate, {
    billNo,
    billDate,
    amountDue: rub(amount),
    paymentDueDate: `${billDate.slice(0, 8)}20T21:00:00Z`,
  });
const payment = (paymentId: string, at: string, amount: number, billNo?: string) =>
  event('billing/payment', at, {
    paymentId,
    paymentDate: at,
    totalAmount: rub(amount),
    paymentMethod: 'bankCard',
    ...(billNo ? { billNo } : {}),
  });

describe('account state', () => {
  it('keeps bills newest first and settles the bill a payment names', () => {
    let account = blankAccount('A-1', '2026-09-01T00:00:00Z');
    for (const e of [
      bill('B-9', '2026-09-01T00:00:00Z', 650),
      bill('B-10', '2026-10-01T00:00:00Z', 700),
      payment('P-1', '2026-10-03T09:00:00Z', 700, 'B-10'),
    ])
      account = foldAccountEvent(account, e);
    expect(account.bills.map((b) => [b.billNo, b.paid])).toEqual([
      ['B-10', true],
      ['B-9', false],
    ]);
    expect(account.lastPayment?.paymentId).toBe('P-1');
    expect(accountView(account, new Date('2026-10-25T00:00:00Z'))).toMatchObject({
      openBills: 1,
      overdueBills: 1,
      overdueAmount: { RUB: 650 },
    });
  });

  it('applies a payment that names no bill to the oldest open bills it covers, and keeps the rest as credit', () => {
    let account = blankAccount('A-1', '2026-09-01T00:00:00Z');
    for (const e of [
      bill('B-9', '2026-09-01T00:00:00Z', 650),
      bill('B-10', '2026-10-01T00:00:00Z', 700),
      payment('P-1', '2026-10-03T09:00:00Z', 1000),
    ])
      account = foldAccountEvent(account, e);
    expect(account.bills.find((b) => b.billNo === 'B-9')?.paid).toBe(true);
    expect(account.bills.find((b) => b.billNo === 'B-10')?.paid).toBe(false);
    expect(account.credit.RUB).toBe(350);
  });

  it('settles a bill that arrives after the payment for it', () => {
    let account = blankAccount('A-1', '2026-10-03T09:00:00Z');
    for (const e of [payment('P-1', '2026-10-03T09:00:00Z', 700), bill('B-10', '2026-10-01T00:00:00Z', 700)])
      account = foldAccountEvent(account, e);
    expect(account.bills[0]?.paid).toBe(true);
    expect(account.credit.RUB).toBe(0);
    expect(account.firstEventAt).toBe('2026-10-01T00:00:00Z');
  });

  it('counts a bill once however often it is folded', () => {
    const b = bill('B-9', '2026-09-01T00:00:00Z', 650);
    const account = foldAccountEvent(foldAccountEvent(blankAccount('A-1', b.ref.at), b), b);
    expect(account.billCount).toBe(1);
  });

  it('follows the organisation whose newer record lists the account', () => {
    const older = { sourceId: 'reference', eventId: 'o1', seq: 1, at: '2026-01-01T00:00:00Z' };
    const newerRef = { sourceId: 'reference', eventId: 'o2', seq: 2, at: '2026-06-01T00:00:00Z' };
    const account = linkAccountToOrganisation(
      linkAccountToOrganisation(blankAccount('A-1', older.at), '7701234567', newerRef),
      '5001007322',
      older,
    );
    expect(account.organisationId).toBe('7701234567');
  });
});

describe('organisation state', () => {
  it('takes each field from the newest record that has it and never lets an empty value overwrite', () => {
    const first = event('reference/organisation', '2026-01-01T00:00:00Z', {
      inn: '7701234567',
      name: 'ПАО «Ромашка»',
      okved: '47.11',
      accountIds: ['A-1'],
    });
    const second = event('reference/organisation', '2026-06-01T00:00:00Z', {
      inn: '7701234567',
      name: 'ПАО «Ромашка Плюс»',
      okved: '',
      accountIds: ['A-2'],
    });
    const late = event('reference/organisation', '2025-12-01T00:00:00Z', { inn: '7701234567', name: 'ЗАО «Ромашка»', sizeBand: 'large' });
    let org = blankOrganisation('7701234567', first.ref.at);
    for (const e of [first, second, late]) org = foldOrganisationEvent(org, e);
    expect(org.firmographics).toMatchObject({ name: 'ПАО «Ромашка Плюс»', okved: '47.11', sizeBand: 'large' });
    expect(org.lineage.name?.eventId).toBe(second.ref.eventId);
    expect(org.accountIds).toEqual(['A-1', 'A-2']);
  });
});
