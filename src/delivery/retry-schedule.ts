/*
 * When a failed delivery is tried again (pure). The schedule is the one Standard Webhooks
 * recommends (and Svix uses): at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h —
 * eight attempts over about 28 hours — each delay with ±10 % jitter so that endpoints that fail
 * together are not retried in lockstep. A 429 or 503 with `Retry-After` waits what the endpoint
 * asked (at most a day); a 410 Gone disables the endpoint; after the last attempt the delivery is
 * a dead letter, kept for inspection and replay.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay before attempt n+1 after attempt n failed (index n-1). */
export const RETRY_DELAYS_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const JITTER = 0.1;
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

/** The delay after `attempts` failed attempts, with jitter from `random` in [0, 1); undefined once none is left. */
export const retryDelayMs = (attempts: number, random: () => number): number | undefined => {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
};

/** `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | undefined, now: Date): number | undefined => {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * SECOND, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now.getTime()), MAX_RETRY_AFTER_MS);
};

/** What an attempt came to: an HTTP answer, or no answer (refused target, connection error, timeout). */
export type AttemptResult =
  | { readonly kind: 'response'; readonly status: number; readonly retryAfter?: string | undefined }
  | { readonly kind: 'error'; readonly message: string };

export type AttemptOutcome =
  | { readonly status: 'delivered' }
  | { readonly status: 'pending'; readonly nextAttemptAt: Date; readonly error: string }
  | { readonly status: 'dead'; readonly error: string; readonly disableEndpoint: boolean };

const describe = (result: AttemptResult): string =>
  result.kind === 'error'
    ? result.message
    : result.status >= 300 && result.status < 400
      ? `HTTP ${result.status}: redirects are not followed`
      : `HTTP ${result.status}`;

/** The outcome of attempt number `attempts` (1 = the first) at `now`. */
export const attemptOutcome = (result: AttemptResult, attempts: number, now: Date, random: () => number): AttemptOutcome => {
  if (result.kind === 'response' && result.status >= 200 && result.status < 300) return { status: 'delivered' };
  const error = describe(result);
  if (result.kind === 'response' && result.status === 410)
    return { status: 'dead', error: `${error} Gone: the endpoint is disabled`, disableEndpoint: true };
  const delay = retryDelayMs(attempts, random);
  if (delay === undefined) return { status: 'dead', error: `${error} (attempt ${attempts}, the last)`, disableEndpoint: false };
  const asked =
    result.kind === 'response' && (result.status === 429 || result.status === 503) ? parseRetryAfter(result.retryAfter, now) : undefined;
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + (asked ?? delay)), error };
};
