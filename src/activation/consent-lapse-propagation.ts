import type { Clock } from '../core/clock.js';
import { decideConsent, subjectsOfProfiles, type ConsentLapse, type ConsentService, type ConsentState } from '../consent/index.js';
import type { Db } from '../storage/index.js';
import { profilesOfSubject, writeRemoveOperation } from './remove-operations.js';

/*
 * Consent lost because time passed (issue 7.7): a grant's expiry, or an `expire` event that takes
 * effect later than it was recorded, propagated as a remove operation when its moment comes — the
 * scheduler's step, between pipeline batches. The ledger scheduled each lapse when it recorded the
 * event (`ConsentService.dueLapses`); a step takes the due ones, writes their remove operations
 * and settles them in one transaction, so each is propagated once (and the outbox ids are
 * deterministic, so a second pass after a crash writes nothing twice).
 *
 * A lapse is a loss only when the person had a valid basis just before it and none at it, and the
 * lapsing event is what decided (the grant that held until then, or the expiry that took over): a
 * grant renewed before it expired, or withdrawn already (propagated then), loses nothing now.
 */

export interface ConsentLapsePropagationDeps {
  readonly clock: Clock;
  readonly consent: Pick<ConsentService, 'dueLapses' | 'settleLapses' | 'statesOf'>;
  /** Lapses a step takes. */
  readonly chunk?: number;
}

/** Whether the lapse ends the basis the state had just before it (pure). */
export const isLoss = (state: ConsentState, lapse: ConsentLapse): boolean => {
  const at = Date.parse(lapse.at);
  const { purpose, channel, hash } = lapse.event;
  const before = decideConsent(state, purpose, channel, at - 1);
  const after = decideConsent(state, purpose, channel, at);
  return before.valid && !after.valid && (before.event?.hash === hash || after.event?.hash === hash);
};

export class ConsentLapsePropagation {
  readonly #deps: ConsentLapsePropagationDeps;

  constructor(deps: ConsentLapsePropagationDeps) {
    this.#deps = deps;
  }

  /** Propagates the due lapses; answers how many it took (0: none due). */
  async step(trx: Db): Promise<number> {
    const { lapses, hashes } = await this.#deps.consent.dueLapses(trx, this.#deps.chunk ?? 500);
    if (hashes.length === 0) return 0;
    const now = this.#deps.clock.now().toISOString();
    for (const lapse of lapses) {
      const profiles = await profilesOfSubject(trx, lapse.event.subject);
      // Each person's state over every subject they are known under; a subject no profile holds, alone.
      const persons = profiles.length > 0 ? await subjectsOfProfiles(trx, profiles) : new Map([['', [lapse.event.subject]]]);
      const states = await this.#deps.consent.statesOf(persons, trx);
      for (const [person, state] of states)
        if (isLoss(state, lapse))
          await writeRemoveOperation(trx, { event: lapse.event, action: 'expire', lostAt: lapse.at }, person || null, now);
    }
    await this.#deps.consent.settleLapses(trx, hashes);
    return hashes.length;
  }
}
