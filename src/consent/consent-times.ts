import { channelAlias } from './consent-model.js';
import { decideConsent, effectiveTime, type ConsentState } from './consent-state.js';

/*
 * When passing time alone changes whether a subject has valid consent for a purpose on a channel:
 * a grant's expiry, a grant or an `expire` that takes effect later than it was recorded. The
 * scheduler wakes audience memberships at these instants (src/audiences/membership-stage.ts), as
 * it does for event windows. Pure: the instants are found from the projected events.
 */

/**
 * Every instant (epoch ms, ascending) at which the decision for the purpose and channel flips
 * between valid and not valid: at t it differs from what it was just before t.
 */
export const validityChanges = (state: ConsentState, purpose: string, rawChannel: string): number[] => {
  const channel = channelAlias(rawChannel);
  const timeline = state.timelines.get(`${purpose}\u0000${channel}`);
  if (!timeline) return [];
  const candidates = new Set<number>();
  for (const { event } of timeline) {
    candidates.add(effectiveTime(event));
    if (event.action === 'grant' && event.expiresAt !== null) candidates.add(Date.parse(event.expiresAt));
  }
  return [...candidates]
    .filter((t) => Number.isFinite(t))
    .sort((a, b) => a - b)
    .filter((t) => decideConsent(state, purpose, channel, t - 1).valid !== decideConsent(state, purpose, channel, t).valid);
};

/** The first instant after `after` at which validity flips; null when it never does again. */
export const nextValidityChange = (changes: readonly number[], after: number): number | null => changes.find((t) => t > after) ?? null;

/** The last instant in [from, to] at which validity flipped; null when it did not. */
export const lastValidityChangeWithin = (changes: readonly number[], from: number, to: number): number | null => {
  for (let i = changes.length - 1; i >= 0; i--) {
    const t = changes[i] as number;
    if (t <= to) return t >= from ? t : null;
  }
  return null;
};
