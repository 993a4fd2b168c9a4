import type { Clock } from '../core/clock.js';
import { decideConsent, subjectsOfProfiles, type ConsentService, type PurposeChange } from '../consent/index.js';
import type { Db } from '../storage/index.js';
import { profilesOfSubject, writeRemoveOperation } from './remove-operations.js';

/*
 * A purpose's new version can end bases (issue 7.7): decisions are made under the purpose's
 * current rules, so a purpose made `advertising` needs an advertising consent on SMS and calls
 * (38-FZ Art. 18), and a TCF purpose id makes a grant's TC string count. Every person who had a
 * valid basis for the purpose on a channel under the previous version and has none under the new
 * one gets a remove operation, in the transaction that stores the version. Ids name the grant, the
 * person and the version, so the same change never writes twice.
 */

type Ledger = Pick<ConsentService, 'eventsOfPurpose' | 'statesOf'>;

/** The consent ledger's `onPurposeChanged` hook. Every query goes through `trx`. */
export const purposeChangePropagation =
  (deps: { readonly clock: Clock }) =>
  async (trx: Db, change: PurposeChange, ledger: Ledger): Promise<void> => {
    const { previous, current } = change;
    const events = await ledger.eventsOfPurpose(trx, current.code);
    if (events.length === 0) return;
    const now = deps.clock.now();
    const channels = [...new Set(events.map((e) => e.channel))].sort();
    // Each person once, over every subject they are known under; a subject no profile holds, alone.
    const persons = new Map<string, string[]>();
    for (const subject of [...new Set(events.map((e) => e.subject))].sort()) {
      const profiles = await profilesOfSubject(trx, subject);
      if (profiles.length === 0) persons.set(`\u0000${subject}`, [subject]);
      for (const [id, subjects] of await subjectsOfProfiles(
        trx,
        profiles.filter((p) => !persons.has(p)),
      ))
        persons.set(id, subjects);
    }
    const before = await ledger.statesOf(persons, trx, previous);
    const after = await ledger.statesOf(persons, trx);
    for (const [key, state] of after) {
      const earlier = before.get(key);
      if (!earlier) continue;
      for (const channel of channels) {
        const was = decideConsent(earlier, current.code, channel, now);
        if (!was.valid || !was.event || decideConsent(state, current.code, channel, now).valid) continue;
        const profileId = key.startsWith('\u0000') ? null : key;
        await writeRemoveOperation(
          trx,
          { event: was.event, action: 'purpose_change', lostAt: current.createdAt, purposeVersion: current.version },
          profileId,
          now.toISOString(),
        );
      }
    }
  };
