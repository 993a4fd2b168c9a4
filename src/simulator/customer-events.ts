import { PRODUCTS, TARIFFS } from './catalogue.js';
import type { EventSink } from './event-sink.js';
import { nationalDigits, nationalFormat } from './identifiers.js';
import type { CaseTimeline, LineProfile } from './line-profile.js';
import type { LineIds } from './network-events.js';
import type { Account, Organisation, Person } from './population.js';
import type { Prng } from './prng.js';
import { eventIdOf, iso, isoLocal, money, type SimEvent } from './sim-event.js';

/*
 * Billing, CRM and reference events. Amounts are TMF Money in roubles; CRM dates are written in the
 * customer's local offset, as a CRM would.
 */

const tariffId = (index: number): string => TARIFFS[index]?.id ?? 'T-PREPAID-BASE';

/** How a CRM writes the msisdn: E.164 usually, national digits in the property sometimes, or a formatted one in the envelope. */
const crmMsisdn = (sink: EventSink, msisdn: string): { props: Record<string, string>; identifiers?: Record<string, string> } => {
  if (!sink.nationalFormat()) return { props: { msisdn } };
  return msisdn.charCodeAt(5) % 2 === 0 ? { props: { msisdn: nationalDigits(msisdn) } } : { props: {}, identifiers: { msisdn: nationalFormat(msisdn) } };
};

const withIds = (event: Omit<SimEvent, 'identifiers'>, identifiers: Record<string, string> | undefined): SimEvent =>
  identifiers ? { ...event, identifiers } : event;

export const activation = (sink: EventSink, p: LineProfile, ids: LineIds, accountId: string, tariff: number, at: number, kind: 'ac' | 'pi', faults: boolean, slot = 0): void => {
  const placeholderImei = faults && sink.placeholder('imei');
  const props: Record<string, unknown> = {
    msisdn: ids.msisdn,
    imsi: ids.imsi,
    iccid: ids.iccid,
    accountId,
    imei: placeholderImei ? '000000000000000' : ids.device.imei,
  };
  if (kind === 'pi') {
    props.donorOperator = p.portOperator;
    props.tariffId = tariffId(tariff);
    props.portingRequestId = `MNP-${p.line.toString(36).toUpperCase()}`;
    props.portDate = iso(at);
  } else {
    props.productId = `PR-${p.line}-${slot}`;
    props.tariffId = tariffId(tariff);
    props.planType = TARIFFS[tariff]?.planType ?? 'prepaid';
    props.simType = p.isEsim ? 'esim' : 'physical';
  }
  if (kind === 'pi') delete props.imei;
  sink.push({ source: 'billing', type: kind === 'pi' ? 'port_in' : 'activation', eventId: eventIdOf(kind, p.line, slot, 0), occurredAt: iso(at), properties: props }, at, faults);
};

export const churnEvents = (sink: EventSink, p: LineProfile, ids: LineIds, accountId: string, at: number, slot = 0, faults = true): void => {
  if (p.churnKind === 'port_out' && slot === 0) {
    sink.push(
      {
        source: 'billing',
        type: 'port_out',
        eventId: eventIdOf('po', p.line, slot, 0),
        occurredAt: iso(at),
        properties: {
          msisdn: ids.msisdn,
          accountId,
          recipientOperator: p.portOperator,
          reason: p.risk.priceSensitivity > 0.6 ? 'price' : p.risk.brokenPromises > 0 ? 'service_quality' : 'unknown',
          portingRequestId: `MNP-O-${p.line.toString(36).toUpperCase()}`,
          portDate: iso(at),
        },
      },
      at,
      faults,
    );
  }
  const reason = slot !== 0 ? 'inactivity' : p.churnKind === 'port_out' ? 'port_out' : p.prepaid ? 'inactivity' : 'customer_request';
  sink.push(
    {
      source: 'billing',
      type: 'termination',
      eventId: eventIdOf('te', p.line, slot, 0),
      occurredAt: iso(at + 60_000),
      properties: { msisdn: ids.msisdn, imsi: ids.imsi, iccid: ids.iccid, accountId, reason },
    },
    at + 60_000,
    faults,
  );
};

export const tariffChange = (sink: EventSink, p: LineProfile, ids: LineIds, from: number, to: number, at: number): void => {
  sink.push(
    {
      source: 'billing',
      type: 'tariff_change',
      eventId: eventIdOf('tc', p.line, 0, 0),
      occurredAt: iso(at),
      properties: {
        msisdn: ids.msisdn,
        accountId: p.account.accountId,
        fromTariffId: tariffId(from),
        toTariffId: tariffId(to),
        planType: TARIFFS[to]?.planType ?? 'prepaid',
        effectiveDate: iso(at),
        initiatedBy: 'customer',
      },
    },
    at,
  );
};

export const suspension = (sink: EventSink, p: LineProfile, ids: LineIds, resumed: boolean): void => {
  const s = p.suspension;
  if (!s) return;
  const at = resumed ? s.resumeAt : s.at;
  const props = resumed
    ? { msisdn: ids.msisdn, accountId: p.account.accountId, reason: p.prepaid ? 'payment_received' : 'customer_request' }
    : { msisdn: ids.msisdn, accountId: p.account.accountId, reason: p.prepaid ? 'non_payment' : 'customer_request' };
  sink.push({ source: 'billing', type: resumed ? 'resumption' : 'suspension', eventId: eventIdOf(resumed ? 'rm' : 'su', p.line, 0, 0), occurredAt: iso(at), properties: props }, at);
};

export const topup = (sink: EventSink, rng: Prng, p: LineProfile, ids: LineIds, at: number, slot: number, n: number): void => {
  const amount = rng.pick([100, 150, 200, 300, 300, 500, 500, 1000]);
  const auto = rng.chance(0.15);
  sink.push(
    {
      source: 'billing',
      type: 'topup',
      eventId: eventIdOf('tu', p.line, slot, n),
      occurredAt: iso(at),
      properties: {
        topupId: `TU-${p.line.toString(36)}-${slot.toString(36)}-${n}`,
        msisdn: ids.msisdn,
        amount: money(amount),
        paymentMethod: auto ? 'bankCard' : rng.pick(['bankCard', 'digitalWallet', 'cash', 'tokenizedCard'] as const),
        channel: auto ? 'autopay' : rng.pick(['app', 'terminal', 'web', 'retail', 'ussd']),
        isAutoTopup: auto,
      },
    },
    at,
  );
  const balance = rng.next() * 400 + amount;
  sink.push(
    {
      source: 'billing',
      type: 'balance_changed',
      eventId: eventIdOf('bc', p.line, slot, n),
      occurredAt: iso(at + 2000),
      properties: { msisdn: ids.msisdn, balance: money(balance), delta: money(amount), reason: 'topup' },
    },
    at + 2000,
  );
};

export const bill = (sink: EventSink, account: Account, amount: number, billAt: number, key: number): void => {
  const off = account.region.utcOffset;
  const periodStart = billAt - 30 * 86_400_000;
  sink.push(
    {
      source: 'billing',
      type: 'bill_issued',
      eventId: eventIdOf('bi', account.firstLine, key, 0),
      occurredAt: iso(billAt),
      properties: {
        billNo: `B-${key}-${account.accountId}`,
        accountId: account.accountId,
        billDate: iso(billAt),
        billingPeriod: { startDateTime: isoLocal(periodStart, off), endDateTime: isoLocal(billAt, off) },
        amountDue: money(amount),
        taxIncludedAmount: money(amount),
        taxExcludedAmount: money(amount / 1.2),
        paymentDueDate: iso(billAt + 20 * 86_400_000),
      },
    },
    billAt,
  );
};

export const payment = (sink: EventSink, account: Account, amount: number, at: number, key: number, method: 'bankCard' | 'bankAccountTransfer' | 'digitalWallet'): void => {
  sink.push(
    {
      source: 'billing',
      type: 'payment',
      eventId: eventIdOf('pm', account.firstLine, key, 0),
      occurredAt: iso(at),
      properties: {
        paymentId: `PAY-${key}-${account.accountId}`,
        accountId: account.accountId,
        totalAmount: money(amount),
        paymentMethod: method,
        paymentDate: iso(at),
        channel: method === 'bankAccountTransfer' ? 'bank' : method === 'digitalWallet' ? 'app' : 'autopay',
        billNo: `B-${key}-${account.accountId}`,
      },
    },
    at,
  );
};

const CASE_CODES = { opened: 'co', updated: 'cu', resolved: 'cr' } as const;

export const caseEvent = (sink: EventSink, p: LineProfile, ids: LineIds, c: CaseTimeline, stage: keyof typeof CASE_CODES, utcOffset: number): void => {
  const at = stage === 'opened' ? c.openedAt : stage === 'updated' ? c.updatedAt : c.resolvedAt;
  const m = crmMsisdn(sink, ids.msisdn);
  const props: Record<string, unknown> = {
    caseId: `CASE-${p.line.toString(36).toUpperCase()}-${c.n}`,
    ...m.props,
    accountId: p.account.accountId,
    category: c.category,
    subcategory: c.subcategory,
    channel: c.channel,
    severity: c.severity,
    expectedResolutionDate: isoLocal(c.expectedAt, utcOffset),
    status: stage === 'opened' ? 'acknowledged' : stage === 'updated' ? 'inProgress' : 'resolved',
  };
  if (stage === 'resolved') {
    props.resolutionDate = isoLocal(c.resolvedAt, utcOffset);
    props.resolutionCode = c.broken ? 'compensated' : c.category === 'billing' ? 'explained' : 'fixed';
  }
  sink.push(withIds({ source: 'crm', type: `case_${stage}`, eventId: eventIdOf(CASE_CODES[stage], p.line, c.n, 0), occurredAt: iso(at), properties: props }, m.identifiers), at);
};

/** The CRM master record of a person on one of their lines; may carry a placeholder e-mail or passport. */
export const customerChanged = (sink: EventSink, person: Person, account: Account, msisdn: string, at: number, line: number, faults: boolean): void => {
  const m = crmMsisdn(sink, msisdn);
  const placeholderEmail = faults && person.crmEmail !== undefined && sink.placeholder('email');
  const placeholderPassport = faults && !placeholderEmail && sink.placeholder('passport');
  const email = placeholderEmail ? 'noemail@noemail.com' : person.crmEmail;
  const props: Record<string, unknown> = {
    ...m.props,
    accountId: account.accountId,
    name: account.isTest ? 'Тестовый Абонент' : `${person.firstName} ${person.lastName}`,
    birthYear: person.birthYear,
    ...(email !== undefined ? { email } : {}),
    passport: placeholderPassport ? '0000000000' : person.passport,
    homeRegion: person.region.code,
    language: 'ru',
    customerType: account.kind === 'b2b' ? 'business' : 'individual',
  };
  sink.push(withIds({ source: 'crm', type: 'customer_changed', eventId: eventIdOf('cc', line, person.occupant, 0), occurredAt: iso(at), properties: props }, m.identifiers), at, faults);
};

export const consentChanged = (sink: EventSink, msisdn: string, accountId: string, at: number, line: number, n: number, rng: Prng, faults: boolean): void => {
  const purpose = rng.pick(['marketing', 'marketing', 'profiling', 'third_party_ads']);
  const grant = rng.chance(purpose === 'third_party_ads' ? 0.3 : 0.65);
  sink.push(
    {
      source: 'crm',
      type: 'consent_changed',
      eventId: eventIdOf('cn', line, n, 0),
      occurredAt: iso(at),
      properties: {
        msisdn,
        accountId,
        purpose,
        channel: purpose === 'marketing' ? rng.pick(['sms', 'email', 'push', 'all']) : 'all',
        action: grant ? 'grant' : n === 0 ? 'deny' : 'withdraw',
        legalBasis: 'consent',
        noticeVersion: '2025-09',
        collectedVia: rng.pick(['app', 'retail', 'call_centre', 'web']),
        evidenceRef: `EV-${line.toString(36).toUpperCase()}-${n}`,
      },
    },
    at,
    faults,
  );
};

export const referenceEvents = (start: number): SimEvent[] => {
  const at = iso(start - 86_400_000);
  const tariffs: SimEvent[] = TARIFFS.map((t) => ({
    source: 'reference',
    type: 'tariff',
    eventId: `tariff-${t.id}`,
    occurredAt: at,
    properties: {
      tariffId: t.id,
      name: t.name,
      planType: t.planType,
      segment: t.segment,
      monthlyFee: money(t.fee),
      ...(t.dataMb === undefined ? { unlimitedData: true } : { dataAllowanceMb: t.dataMb, unlimitedData: false }),
      voiceMinutes: t.minutes,
      validFrom: '2024-01-15T00:00:00+03:00',
    },
  }));
  const products: SimEvent[] = PRODUCTS.map((p) => ({
    source: 'reference',
    type: 'product',
    eventId: `product-${p.id}`,
    occurredAt: at,
    properties: {
      productOfferingId: p.id,
      name: p.name,
      category: p.category,
      productType: p.type,
      isBundle: p.type === 'bundle',
      priceType: p.priceType,
      price: money(p.price),
      lifecycleStatus: 'launched',
      validFor: { startDateTime: '2025-01-01T00:00:00+03:00' },
    },
  }));
  return [...tariffs, ...products];
};

export const organisationEvent = (org: Organisation, accountId: string, at: number): SimEvent => ({
  source: 'reference',
  type: 'organisation',
  eventId: `org-${org.inn}`,
  occurredAt: iso(at),
  properties: {
    inn: org.inn,
    ogrn: org.ogrn,
    name: org.name,
    tradingName: org.tradingName,
    okved: org.okved,
    sizeBand: org.sizeBand,
    region: org.region.code,
    accountIds: [accountId],
  },
});
