import type { WorkingProfile } from './profile-stage.js';

/** A profile as the last committed batch left it: its row as written, and what the stage found of it. */
export interface CachedProfile {
  /** `profile_state.body` as written: decoding it is a few microseconds, against a read of the store. */
  readonly body: string;
  /** `profile_state.next_change_at` as written: a write that keeps it leaves the column and its index alone. */
  readonly nextChangeAt: string | null;
  /** The wake-ups the stage found for this state (`WorkingProfile.wakeUps`), so that they are not searched again. */
  readonly wakeUps: WorkingProfile['wakeUps'];
  /** What the profile is taken to occupy in memory (see `estimatedBytes`). */
  readonly bytes: number;
}

/**
 * A held profile's memory: its body as one-byte text (its length plus 16 bytes, measured on the V8
 * heap), plus its entry, its key and its wake-ups (about 300 bytes): about 0.77 KB for the 0.45 KB
 * body of a bench line. The decoded objects took four to five times their body.
 */
export const estimatedBytes = (bodyLength: number): number => bodyLength + 320;

/**
 * The profiles the pipeline worked on recently, kept in memory as their rows' bodies so that a
 * batch reads from the store only the profiles it does not hold (reading and parsing a busy line's
 * row again for every batch was a third of the profile stage). Held as text rather than as the
 * stage's objects: a body decodes in a few microseconds, and as text a profile takes about a
 * third of the memory (decision 0010, amended), so the same memory holds three times the profiles.
 *
 * It holds what the store holds after the last committed batch, and nothing else: the stage sets
 * an entry when it writes the row, before the batch commits, and the wake-ups it keeps are the
 * objects the stage updates in place, so the pipeline clears the cache whenever a batch (or a
 * scheduler step) fails and its transaction is rolled back, exactly as it clears the identity
 * stage's read cache; the stage drops the profiles a merge absorbs or a split divides, and a
 * rebuild clears it all. One pipeline writes `profile_state` (one writer per partition), so no
 * other process changes a row behind it.
 *
 * Bounded by memory (TESSERA_PROFILE_CACHE_MB), least recently used out first; 0 turns it off.
 */
export class WorkingProfileCache {
  readonly #maxBytes: number;
  #entries = new Map<string, CachedProfile>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The estimated memory held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The cached profile, now the most recently used. */
  get(profileId: string): CachedProfile | undefined {
    const entry = this.#entries.get(profileId);
    if (entry !== undefined) {
      // A Map iterates in insertion order: re-inserting makes the entry the newest.
      this.#entries.delete(profileId);
      this.#entries.set(profileId, entry);
    }
    return entry;
  }

  set(profileId: string, entry: CachedProfile): void {
    this.#remove(profileId);
    if (entry.bytes > this.#maxBytes) return;
    this.#entries.set(profileId, entry);
    this.#bytes += entry.bytes;
    if (this.#bytes <= this.#maxBytes) return;
    for (const [oldest, { bytes }] of this.#entries) {
      this.#entries.delete(oldest);
      this.#bytes -= bytes;
      if (this.#bytes <= this.#maxBytes) break;
    }
  }

  forget(profileIds: Iterable<string>): void {
    for (const id of profileIds) this.#remove(id);
  }

  clear(): void {
    this.#entries = new Map();
    this.#bytes = 0;
  }

  #remove(profileId: string): void {
    const entry = this.#entries.get(profileId);
    if (entry === undefined) return;
    this.#entries.delete(profileId);
    this.#bytes -= entry.bytes;
  }
}
