import type { AccountTruth, IdentifierTruth, InjectedTruth, LineTruth, OrganisationTruth, PersonTruth, TruthSink } from './ground-truth.js';

/** Keeps the ground truth in memory: for tests and small worlds only. */
export class MemoryTruth implements TruthSink {
  readonly identifiers: IdentifierTruth[] = [];
  readonly persons: PersonTruth[] = [];
  readonly lines: LineTruth[] = [];
  readonly accounts: AccountTruth[] = [];
  readonly organisations: OrganisationTruth[] = [];
  readonly injectedRecords: InjectedTruth[] = [];

  identifier(record: IdentifierTruth): void { this.identifiers.push(record); }
  person(record: PersonTruth): void { this.persons.push(record); }
  line(record: LineTruth): void { this.lines.push(record); }
  account(record: AccountTruth): void { this.accounts.push(record); }
  organisation(record: OrganisationTruth): void { this.organisations.push(record); }
  injected(record: InjectedTruth): void { this.injectedRecords.push(record); }

  /** `source/eventId` of every event injected to fail its contract (broken or drifted). */
  contractBreakers(): Set<string> {
    return new Set(this.injectedRecords.filter((r) => r.kind === 'broken' || r.kind === 'drift').map((r) => `${r.source}/${r.eventId}`));
  }
}
