import { fnv1a32 } from '../core/hash.js';

/*
 * Holdouts: a fixed share of an audience's members excluded from activation, to measure what the
 * activation did. The choice is a pure function of (profile id, audience id): the same on every
 * run and every machine, independent between audiences (a person held out of one audience is not
 * more likely to be held out of another), and stable as the audience grows or shrinks.
 */

/** Basis points: a holdout share has two decimals of a percent (12.5 % = 1250). */
export const HOLDOUT_BUCKETS = 10_000;

/** MurmurHash3's 32-bit finaliser: spreads FNV-1a's output so every bit depends on every input bit. */
const fmix32 = (h: number): number => {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
};

/** The profile's bucket for the audience, uniform in 0 … 9,999. */
export const holdoutBucket = (profileId: string, audienceId: string): number =>
  fmix32(fnv1a32(`${audienceId}\u0000${profileId}`)) % HOLDOUT_BUCKETS;

/** Whether the profile is held out of the audience's activation, for a share in percent (0–100, two decimals). */
export const isHeldOut = (profileId: string, audienceId: string, percent: number): boolean => {
  if (!(percent >= 0 && percent <= 100)) throw new RangeError(`a holdout share is 0–100 percent, got ${percent}`);
  return holdoutBucket(profileId, audienceId) < Math.round(percent * 100);
};
