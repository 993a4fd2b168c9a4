import type { Db } from '../storage/index.js';
import type { ConsentEvent } from './consent-model.js';
import { consentStore } from './consent.store.js';

/*
 * Consent that lapses because time passes, with no new event: a grant's `expiresAt`, or an
 * `expire` event whose `validFrom` is later than when it was recorded. The ledger schedules each
 * when it records the event (`consent_lapses`, migration 0016), and the scheduler takes the due
 * ones (src/activation/consent-lapse-propagation.ts), each in the transaction that propagates it.
 * A deny or a withdrawal takes effect when recorded (consent-state.ts), so it is never scheduled.
 */

export interface ConsentLapse {
  /** The event that lapses: a grant that expires, or an expiry that takes effect. */
  readonly event: ConsentEvent;
  /** When it takes effect (ISO 8601 UTC). */
  readonly at: string;
}

/** When an event lapses with time, if it does. */
export const lapseTimeOf = (event: ConsentEvent): string | undefined => {
  if (event.action === 'grant') return event.expiresAt ?? undefined;
  if (event.action === 'expire' && event.validFrom > event.recordedAt) return event.validFrom;
  return undefined;
};

export const consentLapsesStore = {
  /** Schedules the events that lapse with time. */
  async schedule(db: Db, events: readonly ConsentEvent[]): Promise<void> {
    const rows = events.flatMap((event) => {
      const at = lapseTimeOf(event);
      return at === undefined
        ? []
        : [{ event_hash: event.hash, subject: event.subject, purpose: event.purpose, channel: event.channel, lapse_at: at }];
    });
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('consent_lapses')
        .values(rows.slice(i, i + 500))
        .onConflict((oc) => oc.column('event_hash').doNothing())
        .execute();
  },

  /**
   * Up to `limit` lapses due at `now`, earliest first, with their events; `hashes` names every
   * row read (one whose event is not in the ledger has no lapse, and is settled all the same).
   */
  async due(db: Db, now: string, limit: number): Promise<{ readonly lapses: ConsentLapse[]; readonly hashes: string[] }> {
    const rows = await db
      .selectFrom('consent_lapses')
      .select(['event_hash', 'subject', 'lapse_at'])
      .where('lapse_at', '<=', now)
      .orderBy('lapse_at')
      .orderBy('event_hash')
      .limit(limit)
      .execute();
    if (rows.length === 0) return { lapses: [], hashes: [] };
    const byHash = new Map((await consentStore.histories(db, [...new Set(rows.map((r) => r.subject))])).map((e) => [e.hash, e]));
    const lapses = rows.flatMap((r) => {
      const event = byHash.get(r.event_hash);
      return event ? [{ event, at: r.lapse_at }] : [];
    });
    return { lapses, hashes: rows.map((r) => r.event_hash) };
  },

  /** Forgets lapses once propagated. */
  async settle(db: Db, hashes: readonly string[]): Promise<void> {
    for (let i = 0; i < hashes.length; i += 500)
      await db
        .deleteFrom('consent_lapses')
        .where('event_hash', 'in', hashes.slice(i, i + 500))
        .execute();
  },
};
