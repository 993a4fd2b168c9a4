import type { Clock } from '../core/clock.js';
import type { ConsentEvent } from '../consent/index.js';
import type { Db } from '../storage/index.js';
import { profilesOfSubject, writeRemoveOperation, type LossAction } from './remove-operations.js';

/*
 * Revocations propagated as remove operations (issue 7.7): a withdrawal, a deny, and an `expire`
 * that takes effect at once end any basis for the purpose and channel when they are recorded
 * (consent-state.ts), so each is propagated in the consent ledger's transaction — the decision and
 * its propagation commit together. Losses that come with time (a grant's expiry, a later `expire`)
 * are the scheduler's (consent-lapse-propagation.ts).
 */

/** When a recorded event ends the basis at once; undefined when it does not (a grant, a later expiry). */
const immediateLoss = (event: ConsentEvent): { action: LossAction; lostAt: string } | undefined => {
  const earlier = event.validFrom < event.recordedAt ? event.validFrom : event.recordedAt;
  if (event.action === 'withdraw' || event.action === 'deny') return { action: event.action, lostAt: earlier };
  if (event.action === 'expire' && event.validFrom <= event.recordedAt) return { action: 'expire', lostAt: event.validFrom };
  return undefined;
};

/** The consent ledger's `onRecorded` hook. Every query goes through `trx` (the embedded store has one connection). */
export const withdrawalPropagation =
  (deps: { readonly clock: Clock }) =>
  async (trx: Db, events: readonly ConsentEvent[]): Promise<void> => {
    const now = deps.clock.now().toISOString();
    for (const event of events) {
      const loss = immediateLoss(event);
      if (!loss) continue;
      const profiles = await profilesOfSubject(trx, event.subject);
      for (const profileId of profiles.length > 0 ? profiles : [null]) await writeRemoveOperation(trx, { event, ...loss }, profileId, now);
    }
  };
