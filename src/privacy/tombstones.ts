import { fnv1a32, sha256Hex } from '../core/hash.js';

/*
 * Tombstones of erased identifiers (pure). An erased identifier is kept only as the SHA-256 of
 * `type:value` with a domain prefix, and the window of the erased person's epoch of it: a
 * recycled MSISDN's next holder is not suppressed. SHA-256 of a phone number is pseudonymous, not
 * anonymous (the space of numbers can be enumerated); keeping it is the minimum needed to honour
 * the erasure (a suppression list, GDPR Art. 17 with Art. 5(1)(c)), and it is never shown.
 */

const DOMAIN = 'tessera-erased\u0000';

export interface Tombstone {
  readonly idHash: string;
  /** 16 bits of a cheap hash: only an identifier whose bucket is erased is hashed with SHA-256. */
  readonly bucket: number;
  readonly idType: string;
  /** The erased epoch: events at or after `validFrom` (null: any) and before `validTo` (null: any). */
  readonly validFrom: string | null;
  readonly validTo: string | null;
}

export const tombstoneHash = (valueKey: string): string => sha256Hex(`${DOMAIN}${valueKey}`);
export const tombstoneBucket = (valueKey: string): number => fnv1a32(valueKey) & 0xffff;

export const tombstoneOf = (valueKey: string, validFrom: string | null, validTo: string | null): Tombstone => ({
  idHash: tombstoneHash(valueKey),
  bucket: tombstoneBucket(valueKey),
  idType: valueKey.slice(0, valueKey.indexOf(':')),
  validFrom,
  validTo,
});

/** An in-memory set of tombstones the pipeline checks every event against. */
export class TombstoneSet {
  readonly #buckets = new Set<number>();
  readonly #windows = new Map<string, { from: string | null; to: string | null }[]>();

  constructor(tombstones: readonly Tombstone[] = []) {
    for (const t of tombstones) {
      this.#buckets.add(t.bucket);
      const list = this.#windows.get(t.idHash);
      const window = { from: t.validFrom, to: t.validTo };
      if (list) list.push(window);
      else this.#windows.set(t.idHash, [window]);
    }
  }

  get size(): number {
    return this.#windows.size;
  }

  /** Whether `type:value` was erased for an event at `at` (ISO UTC). */
  covers(valueKey: string, at: string): boolean {
    if (!this.#buckets.has(tombstoneBucket(valueKey))) return false;
    const windows = this.#windows.get(tombstoneHash(valueKey));
    return windows !== undefined && windows.some((w) => (w.from === null || at >= w.from) && (w.to === null || at < w.to));
  }

  /** Whether an event carrying these identifiers (type → normalised value) at `at` is an erased person's. */
  coversAny(identifiers: Readonly<Record<string, string>>, at: string): boolean {
    if (this.#windows.size === 0) return false;
    for (const type in identifiers) if (this.covers(`${type}:${identifiers[type]}`, at)) return true;
    return false;
  }
}
