import type { LoggedEvent } from '../bus/index.js';
import type { ContractRegistry } from '../contracts/index.js';
import { checkEvent, type CheckContext } from '../ingest/index.js';
import { observe, type IdentifierNormaliser, type IdentifierRegistry } from '../identity/index.js';
import { churnRowsOf, CHURN_LABEL_EVENTS, type ChurnRows } from '../profiles/churn-training.js';
import type { ProfileStage, WorkingProfile } from '../profiles/profile-stage.js';
import type { AccountTruth, IdentifierTruth, SimEvent } from '../simulator/index.js';
import type { EventCounts } from './simulated-world.js';

/*
 * The churn report's fast path: point-in-time feature rows built straight from a simulated event
 * history, without the event log and the pipeline's database round trips. Every event goes through
 * the same code the pipeline runs on it — the ingest check (contract, identifiers normalised,
 * placeholders dropped, broken events refused), duplicates dropped by (source, eventId) as the log
 * does, the identity observation, and the profile stage's `apply` — except the last step of
 * identity resolution: the person an event belongs to is looked up in the simulator's ground truth
 * (who held the event's strongest identifier at its time; an account-level event goes to the
 * account's bill-to person by the pipeline's rule). `tessera identity-report` measures how closely
 * the pipeline finds the true persons (precision 1.000, recall 0.999 on its default world), and
 * `churn-history.int.test.ts` checks that both paths give the same rows on a small world. No value
 * is blocked: the report's Tessera is new.
 */

const DAY_MS = 86_400_000;
/** Duplicates arrive within hours of the original; ids are remembered for two generations of this many events. */
const DEDUP_GENERATION = 500_000;

/** What the fast path needs of a Tessera: the contracts, the identifier rules and the profile stage. */
export interface HistoryDeps {
  readonly registry: ContractRegistry;
  readonly normaliser: IdentifierNormaliser;
  readonly identifierTypes: IdentifierRegistry;
  readonly profiles: ProfileStage;
  readonly partitions: number;
}

/** The ground truth the attribution reads: identifier periods and account holders. */
export interface AttributionTruth {
  readonly identifiers: readonly IdentifierTruth[];
  readonly accounts: readonly AccountTruth[];
}

interface Period {
  readonly personId: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Who an event belongs to. An event with a merge key: the true holder of its strongest key the
 * truth knows, at the event's time (a line-ending event falls on the end of its identifiers'
 * period, so an end equal to the time counts). An account-level event (a bill, a payment): the
 * account's bill-to person by the pipeline's rule (`billToProfiles`: its payer, else the person most
 * recently related to it; relations come from the events attributed so far), else the account's
 * holder in the truth. Null otherwise. The truth may grow while events are read (the simulator
 * writes an account's truth just before its events): new records are indexed on the next call.
 */
export const truthAttribution = (truth: AttributionTruth): ((event: LoggedEvent, registry: IdentifierRegistry) => string | null) => {
  const periods = new Map<string, Period[]>();
  const holders = new Map<string, string>();
  /** Per account, per person: the latest time (ISO text, as the pipeline compares it) of a payer and of a user relation. */
  const relations = new Map<string, Map<string, { payer: string; user: string }>>();
  let identifiersRead = 0;
  let accountsRead = 0;
  const catchUp = (): void => {
    for (; identifiersRead < truth.identifiers.length; identifiersRead++) {
      const r = truth.identifiers[identifiersRead]!;
      // A shared value (a family mailbox, a shared tablet) names nobody in particular.
      if (r.shared) continue;
      const key = `${r.type}:${r.value}`;
      let list = periods.get(key);
      if (!list) periods.set(key, (list = []));
      list.push({ personId: r.personId, from: Date.parse(r.validFrom), to: r.validTo === null ? Infinity : Date.parse(r.validTo) });
    }
    for (; accountsRead < truth.accounts.length; accountsRead++) {
      const a = truth.accounts[accountsRead]!;
      holders.set(a.accountId, a.holderPersonId);
    }
  };
  const holderAt = (key: string, at: number): string | null => {
    const list = periods.get(key);
    if (!list) return null;
    let ending: string | null = null;
    for (const p of list) {
      if (p.from <= at && at < p.to) return p.personId;
      if (at === p.to) ending = p.personId;
    }
    return ending;
  };
  const billTo = (accountId: string): string | null => {
    let best: string | null = null;
    let bestRank = '';
    for (const [personId, r] of relations.get(accountId) ?? []) {
      const rank = r.payer !== '' ? `1${r.payer}` : `0${r.user}`;
      if (rank > bestRank) [best, bestRank] = [personId, rank];
    }
    return best ?? holders.get(accountId) ?? null;
  };
  return (event, registry) => {
    catchUp();
    const observation = observe(event, registry);
    if (observation.keys.length === 0) return observation.accounts.length > 0 ? billTo(observation.accounts[0]!.accountId) : null;
    const at = Date.parse(event.occurredAt);
    let person: string | null = null;
    for (const id of observation.keys) if ((person = holderAt(`${id.type}:${id.value}`, at)) !== null) break;
    if (person === null) return null;
    for (const account of observation.accounts) {
      let byPerson = relations.get(account.accountId);
      if (!byPerson) relations.set(account.accountId, (byPerson = new Map()));
      const known = byPerson.get(person) ?? { payer: '', user: '' };
      const at = observation.event.at;
      if (account.role === 'payer' && at > known.payer) known.payer = at;
      if (account.role !== 'payer' && at > known.user) known.user = at;
      byPerson.set(person, known);
    }
    return person;
  };
};

export interface HistoryRowsResult extends ChurnRows {
  readonly events: EventCounts;
  /** Accepted events no person was found for (they feed no profile, as an unresolved event in the pipeline). */
  readonly unattributed: number;
}

/**
 * Reads a history in delivery order and builds the churn rows as of `cutoff`: events up to the
 * cutoff update their person's working profile, a termination or port-out in the `horizonDays`
 * after it labels the person a churner. `onEvent` is told, per accepted event, whom it was given
 * to (the test compares that with the pipeline's resolution).
 */
export const churnRowsFromHistory = (
  batches: Iterable<readonly SimEvent[]>,
  deps: HistoryDeps,
  attribute: (event: LoggedEvent, registry: IdentifierRegistry) => string | null,
  options: {
    readonly cutoff: number;
    readonly horizonDays: number;
    readonly onEvent?: (event: LoggedEvent, personId: string | null) => void;
  },
): HistoryRowsResult => {
  const horizonMs = options.horizonDays * DAY_MS;
  // A history is all in the past: received at the end of time, no event is refused as in the future.
  const receivedAt = new Date(8.64e15);
  const context: CheckContext = {
    receivedAt,
    receivedAtIso: receivedAt.toISOString(),
    partitions: deps.partitions,
    channel: 'native',
    hasSource: (id) => deps.registry.getSource(id) !== undefined,
    resolveContract: (sourceId, type, version) => deps.registry.resolve(sourceId, type, version),
    normalise: (type, raw) => deps.normaliser.normalise(type, raw),
    isBlocked: () => false,
  };
  const events = { generated: 0, accepted: 0, duplicate: 0, quarantined: 0 };
  let seen = new Set<string>();
  let older = new Set<string>();
  const working = new Map<string, WorkingProfile>();
  const churned = new Set<string>();
  let unattributed = 0;
  for (const batch of batches) {
    for (const raw of batch) {
      events.generated++;
      const checked = checkEvent(raw, context);
      if (!checked.ok) {
        events.quarantined++;
        continue;
      }
      const key = `${checked.record.sourceId}\u0000${checked.record.eventId}`;
      if (seen.has(key) || older.has(key)) {
        events.duplicate++;
        continue;
      }
      seen.add(key);
      if (seen.size >= DEDUP_GENERATION) {
        older = seen;
        seen = new Set();
      }
      events.accepted++;
      const event: LoggedEvent = { ...checked.record, seq: events.accepted };
      const personId = attribute(event, deps.identifierTypes);
      options.onEvent?.(event, personId);
      if (personId === null) {
        unattributed++;
        continue;
      }
      const at = Date.parse(event.occurredAt);
      if (at <= options.cutoff) {
        let profile = working.get(personId);
        if (!profile) working.set(personId, (profile = deps.profiles.blank(personId)));
        deps.profiles.apply(profile, event);
      } else if (at <= options.cutoff + horizonMs && CHURN_LABEL_EVENTS.has(`${event.sourceId}/${event.type}`)) churned.add(personId);
    }
  }
  return { ...churnRowsOf(working.values(), churned, deps.profiles, options.cutoff), events, unattributed };
};
