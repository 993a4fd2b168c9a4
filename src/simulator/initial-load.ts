import { TARIFFS } from './catalogue.js';
import { activation, churnEvents, consentChanged, customerChanged, organisationEvent } from './customer-events.js';
import { identify } from './digital-events.js';
import type { EventSink } from './event-sink.js';
import type { IdentifierKind, LineTruth, TruthSink } from './ground-truth.js';
import { deviceOf, iccidOf, imsiOf, msisdnOf, type Occupant } from './identifiers.js';
import { idsAt } from './line-ids.js';
import { lineProfile, type LineProfile } from './line-profile.js';
import { DAY_MS, type SimulationOptions } from './options.js';
import { personOf, type Account, type Person } from './population.js';
import { streamOf } from './prng.js';
import { iso } from './sim-event.js';
import type { ScenarioCounter } from './scenario-counter.js';

/**
 * The initial load of one account: what the operator's systems already knew when Tessera was
 * connected (reference data of its organisation, historic activations, CRM records, consents, the
 * app's identify calls), and the ground truth of its people, lines and identifiers.
 */
export const loadAccount = (options: SimulationOptions, account: Account, sink: EventSink, truth: TruthSink | undefined, count: ScenarioCounter): void => {
  const { seed, rates, start } = options;
  const end = start + options.days * DAY_MS;
  const rng = streamOf(seed, 301, account.firstLine);
  const profiles: LineProfile[] = [];
  for (let offset = 0; offset < account.size; offset++) profiles.push(lineProfile(options, account, offset));
  const people: Person[] = [];
  for (let m = 0; m < account.members; m++) people.push(personOf(seed, account, m, 0, rates));

  if (account.org) sink.push(organisationEvent(account.org, account.accountId, start - DAY_MS), start - DAY_MS, false);
  count.structure(account, profiles, people);

  for (const p of profiles) {
    const person = people[p.member] as Person;
    const first = idsAt(seed, p, 0, p.activatedAt);
    if (p.prior) loadPriorOwner(options, p, sink, truth);
    if (p.activation === 'existing') {
      activation(sink, p, first, account.accountId, p.tariff, p.activatedAt, 'ac', true);
      if (!p.isEsim) {
        consentChanged(sink, first.msisdn, account.accountId, p.activatedAt + 300_000, p.line, 0, rng, false);
        customerChanged(sink, person, account, first.msisdn, p.activatedAt + 600_000, p.line, true);
        identify(sink, person, first.msisdn, start - Math.floor(rng.next() * 60 * DAY_MS), p.line);
      } else {
        // Every SIM, an eSIM too, is registered to its holder's passport (KYC at the order).
        customerChanged(sink, person, account, first.msisdn, p.activatedAt + 600_000, p.line, false);
      }
    }
    count.line(p);
    if (!truth) continue;
    const lineTruth = truthOfLine(options, p, person, end);
    truth.line(lineTruth);
    lineIdentifiers(truth, options, p, person.personId, 0, p.activatedAt, p.churnAt, end);
    if (p.recycledAt !== Infinity) {
      const next = personOf(seed, undefined, 0, 1, rates, p.line);
      truth.person(personTruth(next, `A-R${p.line}`, null, null, false, [first.msisdn]));
      truth.account({ accountId: `A-R${p.line}`, kind: 'individual', holderPersonId: next.personId, personIds: [next.personId], msisdns: [first.msisdn], householdId: null, orgId: null });
      lineIdentifiers(truth, options, p, next.personId, 1, p.recycledAt, Infinity, end);
      personIdentifiers(truth, next, p.recycledAt, false);
    }
  }
  if (!truth) return;
  const msisdns = profiles.map((p) => msisdnOf(seed, p.line, p.activation === 'port_in'));
  const householdId = account.kind === 'family' ? `H-${account.firstLine}` : null;
  const orgId = account.org?.orgId ?? null;
  for (const person of people) {
    const lines = profiles.filter((p) => p.member === person.personKey - account.firstLine);
    const since = Math.min(...lines.map((p) => p.activatedAt));
    truth.person(personTruth(person, account.accountId, householdId, orgId, account.isTest, lines.map((p) => msisdns[p.offset] as string)));
    const sharedEmail = account.sharedEmail || (account.org?.sharedItEmail === true && person.role === undefined);
    personIdentifiers(truth, person, since, account.sharedEmail && person.personKey === account.firstLine);
    if (sharedEmail && person.crmEmail !== undefined && person.crmEmail !== person.emails[0]) {
      truth.identifier({ type: 'email', value: person.crmEmail, personId: person.personId, validFrom: iso(since), validTo: null, shared: true });
    }
  }
  truth.account({
    accountId: account.accountId,
    kind: account.isTest ? 'test' : account.kind,
    holderPersonId: (people[0] as Person).personId,
    personIds: people.map((p) => p.personId),
    msisdns,
    householdId,
    orgId,
  });
  if (account.org) {
    const org = account.org;
    truth.organisation({
      orgId: org.orgId,
      inn: org.inn,
      name: org.name,
      okved: org.okved,
      sizeBand: org.sizeBand,
      region: org.region.code,
      accountIds: [account.accountId],
      contacts: people.filter((p) => p.role !== undefined).map((p) => ({ personId: p.personId, role: p.role as string })),
      sharedEmail: org.sharedItEmail ? `it@${org.domain}` : null,
    });
  }
};

/** The earlier owner of a recycled number: activated, known to the CRM, terminated, all before the window. */
const loadPriorOwner = (options: SimulationOptions, p: LineProfile, sink: EventSink, truth: TruthSink | undefined): void => {
  const prior = p.prior;
  if (!prior) return;
  const { seed, rates } = options;
  const owner = personOf(seed, undefined, 0, 2, rates, p.line);
  const accountId = `A-H${p.line}`;
  const ids = { ...idsAt(seed, p, 0, prior.from), imsi: imsiOf(seed, p.line, 2, 0), iccid: iccidOf(seed, p.line, 2, 0), device: deviceOf(seed, p.line, 2) };
  const old = { ...p, isEsim: false, churnKind: 'termination' as const };
  activation(sink, old, ids, accountId, p.tariff, prior.from, 'ac', false, 2);
  customerChanged(sink, owner, { ...p.account, accountId, kind: 'individual', isTest: false }, ids.msisdn, prior.from + 600_000, p.line, false);
  churnEvents(sink, old, ids, accountId, prior.to, 2, false);
  if (!truth) return;
  truth.person(personTruth(owner, accountId, null, null, false, [ids.msisdn]));
  truth.account({ accountId, kind: 'individual', holderPersonId: owner.personId, personIds: [owner.personId], msisdns: [ids.msisdn], householdId: null, orgId: null });
  const add = (type: IdentifierKind, value: string, to: number): void =>
    truth.identifier({ type, value, personId: owner.personId, validFrom: iso(prior.from), validTo: iso(to) });
  add('msisdn', ids.msisdn, prior.to + 60_000);
  add('imsi', ids.imsi, prior.to + 60_000);
  add('iccid', ids.iccid, prior.to + 60_000);
  add('imei', ids.device.imei, prior.to + 60_000);
  add('passport', owner.passport, prior.to + 60_000);
};

const truthOfLine = (options: SimulationOptions, p: LineProfile, person: Person, end: number): LineTruth => {
  const { seed, rates } = options;
  const at = (ms: number): string | null => (ms === Infinity ? null : iso(ms));
  const next = p.recycledAt === Infinity ? undefined : personOf(seed, undefined, 0, 1, rates, p.line);
  const prevOwner = p.prior ? personOf(seed, undefined, 0, 2, rates, p.line) : undefined;
  return {
    line: p.line,
    msisdn: msisdnOf(seed, p.line, p.activation === 'port_in'),
    personId: person.personId,
    accountId: p.account.accountId,
    simType: p.isEsim ? 'esim' : 'physical',
    planType: TARIFFS[p.tariff]?.planType ?? 'prepaid',
    activation: p.activation,
    activatedAt: iso(p.activatedAt),
    churnAt: p.churnKind === undefined ? null : iso(p.churnAt),
    churnKind: p.churnKind ?? null,
    riskScore: Math.round(p.riskScore * 1000) / 1000,
    risk: { ...p.risk, complaintLevel: Math.round(p.risk.complaintLevel * 1000) / 1000, priceSensitivity: Math.round(p.risk.priceSensitivity * 1000) / 1000 },
    simSwapAt: at(p.simSwapAt),
    recycledTo: next ? { personId: next.personId, accountId: `A-R${p.line}`, from: iso(p.recycledAt) } : null,
    previousOwner: prevOwner && p.prior ? { personId: prevOwner.personId, accountId: `A-H${p.line}`, from: iso(p.prior.from), to: iso(p.prior.to + 60_000) } : null,
    roaming: p.roaming ? { country: p.roaming.country, start: iso(p.roaming.start), end: iso(Math.min(p.roaming.end, end)) } : null,
    cases: p.cases.filter((c) => c.openedAt < p.churnAt).length,
    brokenPromises: p.risk.brokenPromises,
  };
};

/** Line identifiers (msisdn, SIMs, handset) of one occupant over [from, to). */
const lineIdentifiers = (truth: TruthSink, options: SimulationOptions, p: LineProfile, personId: string, occupant: Occupant, from: number, to: number, end: number): void => {
  const { seed } = options;
  const ids = idsAt(seed, p, occupant, from);
  const close = (ms: number): string | null => (ms === Infinity || ms >= end ? null : iso(ms));
  const churnEnd = to === Infinity ? Infinity : to + 60_000;
  const add = (type: IdentifierKind, value: string, a: number, b: number): void =>
    truth.identifier({ type, value, personId, validFrom: iso(a), validTo: close(b) });
  add('msisdn', ids.msisdn, from, churnEnd);
  const swap = occupant === 0 ? p.simSwapAt : Infinity;
  add('imsi', ids.imsi, from, Math.min(swap, churnEnd));
  add('iccid', ids.iccid, from, Math.min(swap, churnEnd));
  if (swap !== Infinity) {
    add('imsi', imsiOf(seed, p.line, 0, 1), swap, churnEnd);
    add('iccid', iccidOf(seed, p.line, 0, 1), swap, churnEnd);
  }
  add('imei', ids.device.imei, from, churnEnd);
  add('imei', ids.device.imeisv, from, churnEnd);
};

/** Person-level identifiers: passport, e-mails, app account and devices. */
const personIdentifiers = (truth: TruthSink, person: Person, since: number, firstEmailShared: boolean): void => {
  const add = (type: IdentifierKind, value: string, shared = false): void =>
    truth.identifier({ type, value, personId: person.personId, validFrom: iso(since), validTo: null, ...(shared ? { shared: true as const } : {}) });
  add('passport', person.passport);
  person.emails.forEach((email, i) => add('email', email, i === 0 && firstEmailShared));
  if (person.appUserId !== undefined) add('appUserId', person.appUserId);
  if (person.deviceId !== undefined) add('deviceId', person.deviceId);
  if (person.sharedDeviceId !== undefined) add('deviceId', person.sharedDeviceId, true);
};

const personTruth = (p: Person, accountId: string, householdId: string | null, orgId: string | null, isTest: boolean, lines: string[]) => ({
  personId: p.personId,
  name: `${p.firstName} ${p.lastName}`,
  gender: p.gender,
  birthYear: p.birthYear,
  region: p.region.code,
  utcOffset: p.region.utcOffset,
  accountId,
  householdId,
  orgId,
  role: p.role ?? null,
  interests: p.interests,
  isTest,
  lines,
});
