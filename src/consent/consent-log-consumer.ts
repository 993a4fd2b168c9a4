import type { EventLog, LoggedEvent } from '../bus/index.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../storage/index.js';
import type { ConsentEventInput } from './consent-input.js';
import type { ConsentService } from './consent.service.js';
import { consentStore } from './consent.store.js';
import { consentInputsFromCrm, isCrmConsentChange } from './crm-consent.js';
import { consentInputsFromSegmentTcf, decisionKey, isSegmentTcfEvent, segmentSubjectOf, type LatestDecisions } from './segment-tcf.js';

/*
 * CRM `consent_changed` events reach the ledger through the event log: a consumer of its own
 * (checkpoint `consent`), so the pipeline needs no change and a replay of the log records nothing
 * twice (each consent event id is derived from the source event id, and recording is idempotent).
 * A batch's consent events and the checkpoint commit in one transaction. An event the ledger
 * cannot take (an unregistered purpose, a channel it has no counterpart for) is logged with its
 * reasons and passed; it stays in the log and in the profile's timeline.
 *
 * TC strings in the context of Segment-compatible calls take the same road (segment-tcf.ts): the
 * ingest path, which runs in its own thread in `tessera start`, is left as it is.
 */

export const CONSENT_CONSUMER = 'consent';

export interface ConsentLogConsumerDeps {
  readonly db: Db;
  readonly eventLog: EventLog;
  readonly consent: ConsentService;
  readonly log: Logger;
  /** Where CRM decisions are made: TESSERA_DEFAULT_REGION (RU by default). */
  readonly jurisdiction: string;
  readonly batchSize?: number;
}

export interface ConsentDrainStats {
  readonly read: number;
  readonly recorded: number;
  readonly duplicates: number;
  readonly refused: number;
}

export class ConsentLogConsumer {
  readonly #deps: ConsentLogConsumerDeps;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(deps: ConsentLogConsumerDeps) {
    this.#deps = deps;
  }

  /** One batch after the checkpoint; returns what it did (`read` 0: caught up). */
  async step(): Promise<ConsentDrainStats> {
    const { db, eventLog, consent, log } = this.#deps;
    // Read before the transaction: a caught-up poll then never takes SQLite's write lock. Safe
    // because one consumer instance runs per store (the background worker's).
    const events = await eventLog.read(db, CONSENT_CONSUMER, 'all', this.#deps.batchSize ?? 5000);
    const last = events.at(-1);
    if (!last) return { read: 0, recorded: 0, duplicates: 0, refused: 0 };
    return db.transaction().execute(async (trx) => {
      const changes = events.filter(isCrmConsentChange);
      let recorded = 0;
      let duplicates = 0;
      let refused = 0;
      if (changes.length > 0) {
        const advertising = new Set((await consentStore.currentPurposes(trx)).filter((p) => p.advertising).map((p) => p.code));
        const inputs: ConsentEventInput[] = [];
        for (const event of changes) {
          const mapped = consentInputsFromCrm(
            { ...event, identifiers: event.payload.identifiers, properties: event.payload.properties },
            { jurisdiction: this.#deps.jurisdiction, isAdvertising: (code) => advertising.has(code) },
          );
          if (mapped.ok) inputs.push(...mapped.inputs);
          else {
            refused++;
            log.warn(
              { sourceId: event.sourceId, eventId: event.eventId, code: mapped.code, reason: mapped.message },
              'consent event not recorded',
            );
          }
        }
        for (const outcome of inputs.length > 0 ? await consent.recordLenient(trx, inputs, 'consent-log-consumer') : []) {
          if ('issues' in outcome) {
            refused++;
            log.warn({ eventId: outcome.eventId, issues: outcome.issues }, 'consent event not recorded');
          } else if (outcome.status === 'recorded') recorded++;
          else duplicates++;
        }
      }
      const tcf = await this.#recordSegmentTcf(trx, events);
      await eventLog.commit(trx, CONSENT_CONSUMER, 'all', last.seq);
      return {
        read: events.length,
        recorded: recorded + tcf.recorded,
        duplicates: duplicates + tcf.duplicates,
        refused: refused + tcf.refused,
      };
    });
  }

  /** TC strings of Segment calls: only changes against each subject's latest decisions are recorded. */
  async #recordSegmentTcf(trx: Db, events: readonly LoggedEvent[]): Promise<Omit<ConsentDrainStats, 'read'>> {
    const calls = events.filter(isSegmentTcfEvent);
    const stats = { recorded: 0, duplicates: 0, refused: 0 };
    if (calls.length === 0) return stats;
    const purposes = (await consentStore.currentPurposes(trx)).filter((p) => p.tcfPurposeId !== null);
    if (purposes.length === 0) return stats;
    const latestOf = new Map<string, LatestDecisions>();
    const inputs: ConsentEventInput[] = [];
    for (const event of calls) {
      const subject = segmentSubjectOf(event.payload.identifiers);
      let latest = subject === undefined ? new Map() : latestOf.get(subject);
      if (subject !== undefined && latest === undefined) {
        latest = new Map();
        for (const e of await consentStore.history(trx, subject)) latest.set(decisionKey(e.purpose, e.channel), e);
        latestOf.set(subject, latest);
      }
      const mapped = consentInputsFromSegmentTcf(event, purposes, latest as LatestDecisions);
      if (mapped.ok) inputs.push(...mapped.inputs);
      else if (mapped.code === 'NO_SUBJECT')
        // An anonymous visitor's string (most page views of a site with a CMP) is not a subject's decision.
        this.#deps.log.debug({ sourceId: event.sourceId, eventId: event.eventId }, 'TC string of an anonymous call not recorded');
      else {
        stats.refused++;
        this.#deps.log.warn(
          { sourceId: event.sourceId, eventId: event.eventId, code: mapped.code, reason: mapped.message },
          'TC string not recorded',
        );
      }
    }
    for (const outcome of inputs.length > 0 ? await this.#deps.consent.recordLenient(trx, inputs, 'segment-tcf') : []) {
      if ('issues' in outcome) {
        stats.refused++;
        this.#deps.log.warn({ eventId: outcome.eventId, issues: outcome.issues }, 'TC string consent event not recorded');
      } else if (outcome.status === 'recorded') stats.recorded++;
      else stats.duplicates++;
    }
    return stats;
  }

  /** Runs until the log is caught up (tests, the demo, a rebuild). */
  async drain(): Promise<ConsentDrainStats> {
    const total = { read: 0, recorded: 0, duplicates: 0, refused: 0 };
    for (;;) {
      const step = await this.step();
      if (step.read === 0) return total;
      total.read += step.read;
      total.recorded += step.recorded;
      total.duplicates += step.duplicates;
      total.refused += step.refused;
    }
  }

  /** Follows the log in the background: drains, then polls every `idleMs` while caught up. */
  start(idleMs = 1000): void {
    this.#stopped = false;
    const loop = async (): Promise<void> => {
      try {
        while (!this.#stopped && (await this.step()).read > 0);
      } catch (err) {
        this.#deps.log.error({ err }, 'consent log consumer batch failed; it will be retried');
      }
      if (!this.#stopped) this.#timer = setTimeout(() => void (this.#running = loop()), idleMs);
    };
    this.#running = loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
