import { DIURNAL, TARIFFS } from './catalogue.js';
import {
  activation,
  bill,
  caseEvent,
  churnEvents,
  consentChanged,
  customerChanged,
  payment,
  suspension,
  tariffChange,
  topup,
} from './customer-events.js';
import { appSession, domainVisit, webPage } from './digital-events.js';
import type { EventSink } from './event-sink.js';
import { browserIdOf, msisdnOf } from './identifiers.js';
import { idsAt } from './line-ids.js';
import { engagementAt, isRoamingAt, isSuspendedAt, occupantAt, type LineProfile } from './line-profile.js';
import { dataSession, locationUpdate, roamingEvent, simChange, voiceCall, type LineIds } from './network-events.js';
import { DAY_MS, HOUR_MS, type SimulationOptions } from './options.js';
import { personOf, type Person } from './population.js';
import { streamOf, type Prng } from './prng.js';

/**
 * Everything one line does in one time slice: the life events that fall in it and usage drawn from
 * Poisson counts scaled by the local hour's share of the day. Each (line, slice) has its own
 * stream, so a slice can be generated without any other.
 */

const SALT = { usage: 401, bill: 402 } as const;
/** Mean partial records per data session (exponential duration, mean 30 min, 15-min records). */
const PARTIALS_PER_SESSION = 2.54;
const TOPUPS_PER_DAY = 0.12;
const WEB_PAGES_PER_DAY = 0.05;

export interface SliceContext {
  readonly options: SimulationOptions;
  readonly sliceMs: number;
  readonly end: number;
  /** Lines in the population, to pick the other party of a call among them. */
  readonly lines: number;
}

const inSlice = (t: number, s0: number, s1: number): boolean => t >= s0 && t < s1;

export const lineSlice = (ctx: SliceContext, sink: EventSink, p: LineProfile, slot: number, s0: number): void => {
  const s1 = s0 + ctx.sliceMs;
  const { seed, rates } = ctx.options;
  if (s1 <= p.activatedAt) return;
  if (s0 > p.churnAt && s1 <= p.recycledAt) return;
  const people: (Person | undefined)[] = [undefined, undefined];
  const personAt = (occupant: 0 | 1): Person =>
    (people[occupant] ??= occupant === 0 ? personOf(seed, p.account, p.member, 0, rates) : personOf(seed, undefined, 0, 1, rates, p.line));

  lifecycle(ctx, sink, p, s0, s1, personAt);

  const occupant = occupantAt(p, s0) ?? occupantAt(p, s1 - 1);
  if (occupant === undefined) return;
  if (p.offset === 0 && occupant === 0 && !p.prepaid) accountBilling(ctx, sink, p, s0, s1);
  const rng = streamOf(seed, SALT.usage, p.line, slot);
  const hour = Math.floor(s0 / HOUR_MS + p.account.region.utcOffset) % 24;
  const frac = ((DIURNAL[hour] as number) * ctx.sliceMs) / HOUR_MS;
  const decay = occupant === 0 ? engagementAt(ctx.options, p, s0) : 1;
  const roaming = occupant === 0 && isRoamingAt(p, s0);
  // Independent Poisson counts per kind are drawn as one Poisson total split by kind: the same
  // distribution, and a line with nothing to do in the slice costs a single draw.
  const means = [
    (p.daily.data / PARTIALS_PER_SESSION) * frac * decay * (roaming ? 0.4 : 1),
    p.daily.voice * frac * decay,
    p.daily.loc * frac,
    roaming ? 0 : p.daily.web * frac * decay,
    p.daily.app * frac * decay * 0.6,
    WEB_PAGES_PER_DAY * frac * (p.isEsim ? 0 : 1),
    // A prepaid customer who uses the line less tops it up less.
    p.prepaid && occupant === 0 ? TOPUPS_PER_DAY * frac * decay : 0,
  ];
  let total = 0;
  for (const m of means) total += m;
  const n = rng.poisson(total);
  if (n > 0) usage(ctx, sink, p, occupant, slot, s0, rng, means, total, n, personAt);
};

/** `n` usage events of the line in the slice, each of a kind drawn in proportion to its mean. */
const usage = (
  ctx: SliceContext,
  sink: EventSink,
  p: LineProfile,
  occupant: 0 | 1,
  slot: number,
  s0: number,
  rng: Prng,
  means: readonly number[],
  total: number,
  n: number,
  personAt: (o: 0 | 1) => Person,
): void => {
  const { seed } = ctx.options;
  const live = (t: number): boolean => occupantAt(p, t) === occupant && !isSuspendedAt(p, t);
  // Identifiers only change at a SIM swap or a border crossing: compute them once per state.
  const cache: (LineIds | undefined)[] = [undefined, undefined, undefined, undefined];
  const idsFor = (t: number): LineIds => {
    const k = (occupant === 0 && t >= p.simSwapAt ? 1 : 0) + (occupant === 0 && isRoamingAt(p, t) ? 2 : 0);
    return (cache[k] ??= idsAt(seed, p, occupant, t));
  };
  // A session or call under way when its SIM stops serving — the owner's line ends, or the SIM
  // is swapped — is cut there, as the network tears it down.
  const until = (t: number): number => (occupant !== 0 ? Infinity : t < p.simSwapAt ? Math.min(p.simSwapAt, p.churnAt) : p.churnAt);
  const counts = [0, 0, 0, 0, 0, 0, 0];
  for (let e = 0; e < n; e++) {
    let r = rng.next() * total;
    let kind = 0;
    while (kind < means.length - 1 && r >= (means[kind] as number)) r -= means[kind++] as number;
    const i = counts[kind] as number;
    counts[kind] = i + 1;
    const t = s0 + Math.floor(rng.next() * ctx.sliceMs);
    if (!live(t)) continue;
    const ids = idsFor(t);
    switch (kind) {
      case 0:
        dataSession(sink, rng, p, ids, t, slot, i, until(t));
        break;
      case 1:
        voiceCall(sink, rng, p, ids, t, slot, i, msisdnOf(seed, rng.int(0, ctx.lines * 4), rng.chance(0.3)), until(t));
        break;
      case 2:
        locationUpdate(sink, rng, p, ids, t, slot, i);
        break;
      case 3:
        domainVisit(sink, rng, personAt(occupant), ids.msisdn, ids.imsi, t, p.line, slot, i);
        break;
      case 4:
        appSession(sink, rng, personAt(occupant), p.account, ids.device, ids.msisdn, t, p.line, slot, i);
        break;
      case 5: {
        const person = personAt(occupant);
        webPage(sink, rng, person, browserIdOf(seed, person.personKey, person.occupant), t, p.line, slot, i);
        break;
      }
      default:
        topup(sink, rng, p, ids, t, slot, i);
    }
  }
};

/** The life events of the line that fall in [s0, s1). */
const lifecycle = (ctx: SliceContext, sink: EventSink, p: LineProfile, s0: number, s1: number, personAt: (o: 0 | 1) => Person): void => {
  const { seed } = ctx.options;
  const accountId = p.account.accountId;
  if (p.activation !== 'existing' && inSlice(p.activatedAt, s0, s1)) {
    const ids = idsAt(seed, p, 0, p.activatedAt);
    activation(sink, p, ids, accountId, p.tariff, p.activatedAt, p.activation === 'port_in' ? 'pi' : 'ac', true);
    if (!p.isEsim) {
      customerChanged(sink, personAt(0), p.account, ids.msisdn, p.activatedAt + 600_000, p.line, true);
      consentChanged(sink, ids.msisdn, accountId, p.activatedAt + 300_000, p.line, 0, streamOf(seed, 403, p.line), true);
    }
  }
  if (p.churnKind !== undefined && inSlice(p.churnAt, s0, s1)) churnEvents(sink, p, idsAt(seed, p, 0, p.churnAt - 1), accountId, p.churnAt);
  if (inSlice(p.recycledAt, s0, s1)) {
    const ids = idsAt(seed, p, 1, p.recycledAt);
    const next = { ...p, isEsim: false, activation: 'new' as const };
    activation(sink, next, ids, `A-R${p.line}`, p.tariff, p.recycledAt, 'ac', true, 1);
    const account = { ...p.account, accountId: `A-R${p.line}`, kind: 'individual' as const, isTest: false };
    customerChanged(sink, personAt(1), account, ids.msisdn, p.recycledAt + 600_000, p.line, true);
  }
  if (inSlice(p.simSwapAt, s0, s1)) simChange(sink, p, idsAt(seed, p, 0, p.simSwapAt - 1), idsAt(seed, p, 0, p.simSwapAt));
  const trip = p.roaming;
  if (trip && inSlice(trip.start, s0, s1)) roamingEvent(sink, p, idsAt(seed, p, 0, trip.start), true);
  if (trip && trip.end < ctx.end && inSlice(trip.end, s0, s1)) roamingEvent(sink, p, idsAt(seed, p, 0, trip.end - 1), false);
  const tc = p.tariffChange;
  if (tc && inSlice(tc.at, s0, s1)) tariffChange(sink, p, idsAt(seed, p, 0, tc.at), p.tariff, tc.to, tc.at);
  const susp = p.suspension;
  if (susp && inSlice(susp.at, s0, s1)) suspension(sink, p, idsAt(seed, p, 0, susp.at), false);
  if (susp && inSlice(susp.resumeAt, s0, s1)) suspension(sink, p, idsAt(seed, p, 0, susp.resumeAt), true);
  if (inSlice(p.consentChangeAt, s0, s1)) {
    consentChanged(
      sink,
      idsAt(seed, p, 0, p.consentChangeAt).msisdn,
      accountId,
      p.consentChangeAt,
      p.line,
      1,
      streamOf(seed, 404, p.line),
      true,
    );
  }
  for (const c of p.cases) {
    if (c.openedAt >= p.churnAt) continue;
    const utc = p.account.region.utcOffset;
    const ids = idsAt(seed, p, 0, c.openedAt);
    if (inSlice(c.openedAt, s0, s1)) caseEvent(sink, p, ids, c, 'opened', utc);
    if (c.updatedAt < p.churnAt && inSlice(c.updatedAt, s0, s1)) caseEvent(sink, p, ids, c, 'updated', utc);
    if (c.resolvedAt < p.churnAt && inSlice(c.resolvedAt, s0, s1)) caseEvent(sink, p, ids, c, 'resolved', utc);
  }
};

/** Postpaid accounts are billed on their cycle day (local midnight) and pay 2–12 days later. */
const accountBilling = (ctx: SliceContext, sink: EventSink, p: LineProfile, s0: number, s1: number): void => {
  const account = p.account;
  const day = new Date(s0);
  for (let back = 0; back <= 1; back++) {
    const y = day.getUTCFullYear();
    const m = day.getUTCMonth() - back;
    const billAt = Date.UTC(y, m, account.billCycleDay) - account.region.utcOffset * HOUR_MS;
    const key = y * 12 + m;
    const rng: Prng = streamOf(ctx.options.seed, SALT.bill, account.firstLine, key);
    const fee = (TARIFFS[p.tariff]?.fee ?? 0) * account.size;
    const amount = fee * (1 + rng.next() * 0.25);
    const payAt = billAt + Math.floor((2 + rng.next() * 10) * DAY_MS);
    if (inSlice(billAt, s0, s1) && billAt >= ctx.options.start) bill(sink, account, amount, billAt, key);
    if (inSlice(payAt, s0, s1) && payAt < p.churnAt) {
      payment(
        sink,
        account,
        amount,
        payAt,
        key,
        account.kind === 'b2b' ? 'bankAccountTransfer' : rng.chance(0.6) ? 'bankCard' : 'digitalWallet',
      );
    }
  }
};
