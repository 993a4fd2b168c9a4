import type { LineProfile } from './line-profile.js';
import type { Account, Person } from './population.js';

/** Counts of every scenario present in the world, written to truth/scenarios.json. */
export class ScenarioCounter {
  readonly counts: Record<string, number> = {};
  readonly #events = new Map<string, Map<string, number>>();

  add(key: string, n = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + n;
  }

  event(source: string, type: string): void {
    let types = this.#events.get(source);
    if (!types) this.#events.set(source, (types = new Map()));
    types.set(type, (types.get(type) ?? 0) + 1);
  }

  /** Events delivered, by `source/type`. */
  get events(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [source, types] of this.#events) for (const [type, n] of types) out[`${source}/${type}`] = n;
    return out;
  }

  structure(account: Account, profiles: readonly LineProfile[], people: readonly Person[]): void {
    this.add('accounts');
    this.add(`accounts.${account.isTest ? 'test' : account.kind}`);
    this.add('persons', people.length);
    if (account.org) this.add('organisations');
    if (account.esimOffset >= 0) this.add('esimBesideSim');
    if (account.sharedDevice) this.add('sharedDevices');
    if (account.sharedEmail) this.add('sharedFamilyEmails');
    if (account.org?.sharedItEmail) {
      this.add('sharedCorporateEmails');
      this.add('linesWithCorporateItEmail', people.filter((p) => p.role === undefined).length);
    }
    if (account.isTest) this.add('testLines', profiles.length);
  }

  /** Life events scheduled for a line in the window (the sweep emits exactly these). */
  line(p: LineProfile): void {
    this.add('lines');
    if (p.prepaid) this.add('prepaidLines');
    if (p.prior) this.add('recycledHistory');
    if (p.activation === 'new') this.add('newLines');
    if (p.activation === 'port_in') this.add('portIns');
    if (p.churnKind !== undefined) {
      this.add('churned');
      this.add(p.churnKind === 'port_out' ? 'portOuts' : 'terminations');
      if (p.churnKind === 'termination' && p.activation !== 'port_in') this.add('recyclableTerminations');
    }
    if (p.recycledAt !== Infinity) this.add('recycledInWindow');
    if (p.simSwapAt !== Infinity) this.add('simSwaps');
    if (p.roaming) this.add('roamingTrips');
    if (p.tariffChange) this.add('tariffChanges');
    if (p.suspension) this.add('suspensions');
    if (p.consentChangeAt !== Infinity) this.add('consentChanges');
    const cases = p.cases.filter((c) => c.openedAt < p.churnAt);
    if (cases.length > 0) this.add('cases', cases.length);
    const broken = cases.filter((c) => c.broken).length;
    if (broken > 0) this.add('brokenPromises', broken);
  }
}
