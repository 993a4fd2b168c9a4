import { canonicalJson } from '../core/canonical-json.js';
import { sha256Hex } from '../core/hash.js';
import type { ConsentEvent } from './consent-model.js';

/*
 * The per-subject hash chain: each event carries the hash of the one before it, and its own hash
 * is SHA-256 over the canonical JSON (keys sorted at every level) of all its other fields. Editing,
 * deleting, inserting or reordering a stored event breaks the chain at that point, and
 * `verifyChain` says where.
 */

/** The `prevHash` of a subject's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash an event must carry: over every field except `hash` itself. */
export const consentEventHash = (event: Omit<ConsentEvent, 'hash'>): string => {
  const { hash: _ignored, ...content } = event as ConsentEvent;
  return sha256Hex(canonicalJson(content));
};

/** Links an event into the chain after `previous` (undefined for the subject's first event). */
export const chainEvent = (
  event: Omit<ConsentEvent, 'hash' | 'prevHash' | 'seq'>,
  previous: Pick<ConsentEvent, 'seq' | 'hash'> | undefined,
): ConsentEvent => {
  const linked = { ...event, seq: (previous?.seq ?? 0) + 1, prevHash: previous?.hash ?? GENESIS_HASH };
  return { ...linked, hash: consentEventHash(linked) };
};

export type ChainBreak = 'SEQ_GAP' | 'PREV_HASH_MISMATCH' | 'HASH_MISMATCH' | 'SUBJECT_MISMATCH';

export type ChainVerification =
  | { readonly valid: true; readonly length: number; readonly head: string }
  | {
      readonly valid: false;
      readonly length: number;
      /** The seq of the first event that does not fit (or the seq expected where one is missing). */
      readonly brokenAt: number;
      readonly reason: ChainBreak;
      readonly message: string;
    };

/** Checks a subject's events, ordered by seq: contiguous from 1, each linked to the one before, each hash right. */
export const verifyChain = (subject: string, events: readonly ConsentEvent[]): ChainVerification => {
  let previous = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as ConsentEvent;
    const expectedSeq = i + 1;
    const broken = (reason: ChainBreak, message: string): ChainVerification => ({
      valid: false,
      length: events.length,
      brokenAt: expectedSeq,
      reason,
      message,
    });
    if (event.subject !== subject) return broken('SUBJECT_MISMATCH', `event ${event.eventId} belongs to ${event.subject}`);
    if (event.seq !== expectedSeq) return broken('SEQ_GAP', `expected seq ${expectedSeq}, found ${event.seq}`);
    if (event.prevHash !== previous)
      return broken('PREV_HASH_MISMATCH', `event ${event.seq} does not link to the hash of event ${event.seq - 1}`);
    if (consentEventHash(event) !== event.hash)
      return broken('HASH_MISMATCH', `event ${event.seq} (${event.eventId}) was changed after it was recorded`);
    previous = event.hash;
  }
  return { valid: true, length: events.length, head: previous };
};
