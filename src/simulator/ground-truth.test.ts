import { describe, expect, it } from 'vitest';
import type { IdentifierTruth } from './ground-truth.js';
import { MemoryTruth } from './memory-truth.js';
import { DEMO_VOLUMES, resolveOptions } from './options.js';
import type { SimEvent } from './sim-event.js';
import { createWorld } from './world.js';

/** A world with scenarios made frequent, so every consistency rule is exercised many times. */
const truth = new MemoryTruth();
const events: SimEvent[] = [];
for (const batch of createWorld(
  resolveOptions({
    seed: 99,
    subscribers: 4000,
    days: 8,
    volumes: DEMO_VOLUMES,
    rates: { baseChurnPerDay: 0.01, simSwapPerDay: 0.01, newLinePerDay: 0.005 },
  }),
).batches(truth)) {
  events.push(...batch);
}

const byValue = new Map<string, IdentifierTruth[]>();
for (const r of truth.identifiers) {
  const key = `${r.type}:${r.value}`;
  byValue.set(key, [...(byValue.get(key) ?? []), r]);
}
const eventsOf = (type: string) => events.filter((e) => e.type === type);
const disjoint = (a: IdentifierTruth, b: IdentifierTruth): boolean =>
  (a.validTo !== null && a.validTo <= b.validFrom) || (b.validTo !== null && b.validTo <= a.validFrom);

describe('ground truth is consistent with the events', () => {
  it('every recycled number has two owners in disjoint periods, and both were activated in the events', () => {
    const recycled = truth.lines.filter((l) => l.recycledTo !== null || l.previousOwner !== null);
    expect(recycled.filter((l) => l.recycledTo).length).toBeGreaterThan(5);
    expect(recycled.filter((l) => l.previousOwner).length).toBeGreaterThan(20);
    const activations = eventsOf('activation');
    for (const line of recycled) {
      const owners = byValue.get(`msisdn:${line.msisdn}`) ?? [];
      const expected = 1 + (line.recycledTo ? 1 : 0) + (line.previousOwner ? 1 : 0);
      expect(owners.length, line.msisdn).toBe(expected);
      expect(new Set(owners.map((o) => o.personId)).size).toBe(expected);
      for (const a of owners) for (const b of owners) if (a !== b) expect(disjoint(a, b), `${line.msisdn} ${JSON.stringify(owners)}`).toBe(true);
      const accounts = new Set(activations.filter((e) => e.properties.msisdn === line.msisdn).map((e) => e.properties.accountId));
      expect(accounts.size, line.msisdn).toBe(expected);
    }
  });

  it('every family account has distinct people on its lines, each with their own passport in the CRM', () => {
    const families = truth.accounts.filter((a) => a.kind === 'family');
    expect(families.length).toBeGreaterThan(100);
    const passportsByAccount = new Map<string, Set<unknown>>();
    for (const e of eventsOf('customer_changed')) {
      const set = passportsByAccount.get(e.properties.accountId as string) ?? new Set();
      set.add(e.properties.passport);
      passportsByAccount.set(e.properties.accountId as string, set);
    }
    for (const family of families) {
      expect(new Set(family.personIds).size).toBe(family.personIds.length);
      if (family.personIds.length < 2) continue;
      const lineOwners = truth.lines.filter((l) => l.accountId === family.accountId && l.simType === 'physical').map((l) => l.personId);
      expect(new Set(lineOwners).size).toBe(lineOwners.length);
      expect(passportsByAccount.get(family.accountId)?.size ?? 0).toBeGreaterThanOrEqual(Math.min(2, lineOwners.length));
    }
  });

  it('a SIM swap keeps the person: old and new SIM belong to the same person, and the swap is in the events', () => {
    const swapped = truth.lines.filter((l) => l.simSwapAt !== null);
    expect(swapped.length).toBeGreaterThan(50);
    const breakers = truth.contractBreakers();
    const swapEvents = eventsOf('sim_change');
    const swaps = new Map(swapEvents.map((e) => [e.properties.msisdn, e.properties]));
    const broken = new Set(swapEvents.filter((e) => breakers.has(`network/${e.eventId}`)).map((e) => e.properties.msisdn));
    for (const line of swapped) {
      const event = swaps.get(line.msisdn);
      expect(event, line.msisdn).toBeDefined();
      // A swap event broken on purpose (e.g. its oldIccid removed) is quarantined, not checked here.
      if (broken.has(line.msisdn)) continue;
      const oldOwner = byValue.get(`iccid:${event?.oldIccid as string}`)?.[0];
      const newOwner = byValue.get(`iccid:${event?.newIccid as string}`)?.[0];
      expect(oldOwner?.personId).toBe(line.personId);
      expect(newOwner?.personId).toBe(line.personId);
      expect(oldOwner?.validTo).toBe(newOwner?.validFrom);
    }
  });

  it('an eSIM beside a physical SIM belongs to the same person', () => {
    const esims = truth.lines.filter((l) => l.simType === 'esim');
    expect(esims.length).toBeGreaterThan(50);
    const esimActivations = new Set(eventsOf('activation').filter((e) => e.properties.simType === 'esim').map((e) => e.properties.msisdn));
    for (const esim of esims) {
      const physical = truth.lines.filter((l) => l.personId === esim.personId && l.simType === 'physical');
      expect(physical.length, esim.personId).toBe(1);
      expect(physical[0]?.accountId).toBe(esim.accountId);
      if (esim.activation === 'existing') expect(esimActivations.has(esim.msisdn)).toBe(true);
    }
  });

  it('true churn dates match the termination and port-out events', () => {
    const churned = truth.lines.filter((l) => l.churnAt !== null);
    expect(churned.length).toBeGreaterThan(100);
    const terminations = new Map(eventsOf('termination').filter((e) => e.properties.accountId === e.properties.accountId).map((e) => [`${e.properties.msisdn}/${e.properties.accountId}`, e]));
    const portOuts = new Set(eventsOf('port_out').map((e) => e.properties.msisdn));
    for (const line of churned) {
      const termination = terminations.get(`${line.msisdn}/${line.accountId}`);
      expect(termination, line.msisdn).toBeDefined();
      expect(Date.parse(termination?.occurredAt ?? '') - Date.parse(line.churnAt as string)).toBe(60_000);
      expect(portOuts.has(line.msisdn)).toBe(line.churnKind === 'port_out');
    }
  });

  it('shared identifiers are marked: family tablets and it@ addresses have several owners, all flagged shared', () => {
    const shared = [...byValue.values()].filter((owners) => new Set(owners.map((o) => o.personId)).size > 1 && owners[0]?.type !== 'msisdn');
    expect(shared.length).toBeGreaterThan(10);
    for (const owners of shared) expect(owners.every((o) => o.shared === true), JSON.stringify(owners[0])).toBe(true);
    expect(shared.some((o) => o[0]?.value.startsWith('it@'))).toBe(true);
    expect(shared.some((o) => o[0]?.type === 'deviceId')).toBe(true);
  });

  it('every identifier in a network event belongs to a person in the truth at the time it occurred', () => {
    const sample = events.filter((e) => e.source === 'network' && e.type !== 'sim_change').filter((_, i) => i % 50 === 0);
    expect(sample.length).toBeGreaterThan(100);
    for (const e of sample) {
      const imsi = e.properties.servedIMSI as string;
      const owners = (byValue.get(`imsi:${imsi}`) ?? []).filter((r) => r.validFrom <= e.occurredAt && (r.validTo === null || e.occurredAt < r.validTo));
      expect(owners.length, `${e.eventId} ${imsi} at ${e.occurredAt}`).toBe(1);
    }
  });
});
