/**
 * Accounts and organisations as entities of their own (issue 5): the pipeline folds every event
 * that names an account, and every organisation reference record, into their state. Pure: the
 * stage loads the rows a batch touches, folds, and writes them back in the batch's transaction.
 *
 * Accounts and organisations are relationships of persons, never merge keys (issue 4, rule 2); an
 * account's members are the identity stage's `profile_accounts` rows, read beside this state.
 */

export interface Money {
  readonly value: number;
  readonly unit: string;
}

/** Which event set a value: the same lineage a profile trait carries. */
export interface EventRef {
  readonly sourceId: string;
  readonly eventId: string;
  readonly seq: number;
  readonly at: string;
}

export interface AccountBill {
  readonly billNo: string;
  readonly billDate: string;
  readonly amountDue: Money;
  readonly paymentDueDate: string | null;
  /** Settled by a payment that names it, or by unallocated payments taken oldest bill first. */
  readonly paid: boolean;
  readonly event: EventRef;
}

export interface AccountState {
  readonly accountId: string;
  /** The organisation whose most recent reference record lists this account (B2B), else null. */
  readonly organisationId: string | null;
  readonly organisationEvent: EventRef | null;
  /** The most recent bills by bill date, newest first (at most `RECENT_BILLS`). */
  readonly bills: readonly AccountBill[];
  readonly billCount: number;
  readonly lastPayment: { readonly paymentId: string; readonly amount: Money; readonly at: string; readonly event: EventRef } | null;
  readonly paymentCount: number;
  /** Paid amounts not yet matched to a bill, per currency (a prepayment, or a payment before its bill arrived). */
  readonly credit: Readonly<Record<string, number>>;
  readonly firstEventAt: string;
  readonly lastEventAt: string;
}

export interface OrganisationState {
  /** The INN: the organisation's key in the Russian registry. */
  readonly organisationId: string;
  readonly firmographics: Readonly<Record<OrganisationField, string | null>>;
  /** Which reference record set each firmographic field (the newest record that had a value). */
  readonly lineage: Readonly<Partial<Record<OrganisationField, EventRef>>>;
  readonly accountIds: readonly string[];
  readonly lastEventAt: string;
}

export const ORGANISATION_FIELDS = ['inn', 'ogrn', 'name', 'tradingName', 'okved', 'sizeBand', 'region'] as const;
export type OrganisationField = (typeof ORGANISATION_FIELDS)[number];

export const RECENT_BILLS = 12;

export interface EntityEvent {
  readonly key: string;
  readonly accountId: string | undefined;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly ref: EventRef;
}

const newer = (a: EventRef, b: EventRef): boolean => a.at > b.at || (a.at === b.at && a.seq > b.seq);

const moneyOf = (value: unknown): Money | undefined => {
  const money = value as { value?: unknown; unit?: unknown } | null;
  return money && typeof money.value === 'number' && typeof money.unit === 'string' ? { value: money.value, unit: money.unit } : undefined;
};

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

export const blankAccount = (accountId: string, at: string): AccountState => ({
  accountId,
  organisationId: null,
  organisationEvent: null,
  bills: [],
  billCount: 0,
  lastPayment: null,
  paymentCount: 0,
  credit: {},
  firstEventAt: at,
  lastEventAt: at,
});

/** Folds one event naming the account (a bill, a payment, anything else only moves its times). */
export const foldAccountEvent = (state: AccountState, event: EntityEvent): AccountState => {
  const touched: AccountState = {
    ...state,
    firstEventAt: event.ref.at < state.firstEventAt ? event.ref.at : state.firstEventAt,
    lastEventAt: event.ref.at > state.lastEventAt ? event.ref.at : state.lastEventAt,
  };
  if (event.key === 'billing/bill_issued') return foldBill(touched, event);
  if (event.key === 'billing/payment') return foldPayment(touched, event);
  return touched;
};

const foldBill = (state: AccountState, event: EntityEvent): AccountState => {
  const p = event.properties;
  const billNo = text(p.billNo);
  const amountDue = moneyOf(p.amountDue);
  const billDate = text(p.billDate) ?? event.ref.at;
  if (!billNo || !amountDue || state.bills.some((b) => b.billNo === billNo)) return state;
  const bill: AccountBill = { billNo, billDate, amountDue, paymentDueDate: text(p.paymentDueDate), paid: false, event: event.ref };
  const bills = [...state.bills, bill]
    .sort((a, b) => (a.billDate < b.billDate ? 1 : a.billDate > b.billDate ? -1 : 0))
    .slice(0, RECENT_BILLS);
  return settle({ ...state, bills, billCount: state.billCount + 1 });
};

const foldPayment = (state: AccountState, event: EntityEvent): AccountState => {
  const p = event.properties;
  const amount = moneyOf(p.totalAmount);
  const paymentId = text(p.paymentId);
  if (!amount || !paymentId) return state;
  const at = text(p.paymentDate) ?? event.ref.at;
  const lastPayment = !state.lastPayment || at >= state.lastPayment.at ? { paymentId, amount, at, event: event.ref } : state.lastPayment;
  const billNo = text(p.billNo);
  const named = billNo ? state.bills.find((b) => b.billNo === billNo && !b.paid) : undefined;
  const credit = { ...state.credit, [amount.unit]: (state.credit[amount.unit] ?? 0) + amount.value };
  const next = { ...state, lastPayment, paymentCount: state.paymentCount + 1, credit };
  // A payment naming its bill settles that bill first, whatever older bills are open.
  const covers = named !== undefined && (credit[named.amountDue.unit] ?? 0) + 1e-9 >= named.amountDue.value;
  return settle(covers ? payBill(next, named) : next);
};

/** Unallocated credit settles open bills, oldest first, while it covers them whole. */
const settle = (state: AccountState): AccountState => {
  let current = state;
  for (const bill of [...state.bills].reverse()) {
    if (bill.paid) continue;
    const available = current.credit[bill.amountDue.unit] ?? 0;
    if (available + 1e-9 < bill.amountDue.value) continue;
    current = payBill(current, bill);
  }
  return current;
};

const payBill = (state: AccountState, bill: AccountBill): AccountState => {
  const left = (state.credit[bill.amountDue.unit] ?? 0) - bill.amountDue.value;
  return {
    ...state,
    bills: state.bills.map((b) => (b.billNo === bill.billNo ? { ...b, paid: true } : b)),
    credit: { ...state.credit, [bill.amountDue.unit]: Math.round(left * 100) / 100 },
  };
};

/** Links the account to the organisation whose newer reference record lists it. */
export const linkAccountToOrganisation = (state: AccountState, organisationId: string, ref: EventRef): AccountState =>
  state.organisationEvent && !newer(ref, state.organisationEvent) ? state : { ...state, organisationId, organisationEvent: ref };

export const blankOrganisation = (organisationId: string, at: string): OrganisationState => ({
  organisationId,
  firmographics: Object.fromEntries(ORGANISATION_FIELDS.map((f) => [f, null])) as Record<OrganisationField, null>,
  lineage: {},
  accountIds: [],
  lastEventAt: at,
});

/** Folds a reference record: per field the newest record with a value wins; an empty value never overwrites. */
export const foldOrganisationEvent = (state: OrganisationState, event: EntityEvent): OrganisationState => {
  const firmographics: Record<string, string | null> = { ...state.firmographics };
  const lineage: Partial<Record<OrganisationField, EventRef>> = { ...state.lineage };
  for (const field of ORGANISATION_FIELDS) {
    const value = text(event.properties[field]);
    const current = lineage[field];
    if (value === null || (current && !newer(event.ref, current))) continue;
    firmographics[field] = value;
    lineage[field] = event.ref;
  }
  const listed = Array.isArray(event.properties.accountIds)
    ? event.properties.accountIds.filter((a): a is string => typeof a === 'string')
    : [];
  return {
    ...state,
    firmographics: firmographics as Record<OrganisationField, string | null>,
    lineage,
    accountIds: [...new Set([...state.accountIds, ...listed])].sort(),
    lastEventAt: event.ref.at > state.lastEventAt ? event.ref.at : state.lastEventAt,
  };
};

/** What a reader sees of an account at `now`: its state, plus whether its newest open bill is overdue. */
export const accountView = (state: AccountState, now: Date) => {
  const open = state.bills.filter((b) => !b.paid);
  const overdue = open.filter((b) => b.paymentDueDate !== null && Date.parse(b.paymentDueDate) < now.getTime());
  return {
    ...state,
    openBills: open.length,
    overdueBills: overdue.length,
    overdueAmount: overdue.reduce<Record<string, number>>(
      (sum, b) => ({ ...sum, [b.amountDue.unit]: (sum[b.amountDue.unit] ?? 0) + b.amountDue.value }),
      {},
    ),
  };
};
