/*
 * Data-subject requests (issue 7.8): the model and the pure decisions. GDPR Art. 15 (access),
 * Art. 20 (portability: the export is JSON), Art. 17 (erasure) with its exceptions in 17(3)(b)
 * and (e): proof of consent (Art. 7(1)) is kept; 152-FZ Art. 14 and 21 ask the same of Russian
 * operators.
 */

export const REQUEST_KINDS = ['access', 'erasure'] as const;
/** `tombstone_release`: an erased identifier's tombstone ended (a recycled number given to someone else). */
export type PrivacyRequestKind = (typeof REQUEST_KINDS)[number] | 'tombstone_release';

/** `purged`: an access export whose subject was erased later (the export itself is gone). */
export type PrivacyRequestStatus = 'completed' | 'not_found' | 'purged';

export interface PrivacyRequest {
  readonly id: string;
  readonly kind: PrivacyRequestKind;
  /** As normalised: `profile:<id>` or `<identifier type>:<value>`. */
  readonly subject: string;
  readonly status: PrivacyRequestStatus;
  /** The profile the subject resolved to, when one did. */
  readonly profileId: string | null;
  readonly requestedBy: { readonly apiKeyId: string; readonly name: string };
  readonly requestedAt: string;
  readonly completedAt: string | null;
  /** The access export, or the erasure record. */
  readonly result: Record<string, unknown> | null;
}

/** An identity node as the request sees it: one epoch of one identifier value of the person. */
export interface SubjectNode {
  readonly valueKey: string;
  readonly type: string;
  readonly value: string;
  readonly epoch: number;
  readonly validFrom: string | null;
  readonly validTo: string | null;
  readonly profileId: string;
}

/**
 * The node an identifier subject names: the epoch valid at `at` (a recycled MSISDN's current
 * holder), else the latest epoch. Pure.
 */
export const nodeAt = (nodes: readonly SubjectNode[], at: string): SubjectNode | undefined => {
  const current = nodes.find((n) => (n.validFrom === null || n.validFrom <= at) && (n.validTo === null || at < n.validTo));
  if (current) return current;
  return [...nodes].sort((a, b) => b.epoch - a.epoch)[0];
};

export interface ErasurePlan {
  /** Values only this person ever held: their evidence (values, edges, line ends) goes. */
  readonly exclusive: readonly string[];
  /** Values another person holds in another epoch (a recycled number): only this person's nodes go. */
  readonly shared: readonly string[];
}

/** Splits the person's values into those only they hold and those shared across epochs with others. Pure. */
export const planErasure = (personNodes: readonly SubjectNode[], othersHolding: ReadonlySet<string>): ErasurePlan => {
  const values = [...new Set(personNodes.map((n) => n.valueKey))].sort();
  return { exclusive: values.filter((v) => !othersHolding.has(v)), shared: values.filter((v) => othersHolding.has(v)) };
};

/** Escapes a value for `like … escape '!'`, so `_` and `%` in an e-mail match themselves. */
export const likeContaining = (value: string): string => `%${value.replace(/[!%_]/g, (c) => `!${c}`)}%`;

/** A tombstone window, as stored. */
export interface TombstoneWindow {
  readonly validFrom: string | null;
  readonly validTo: string | null;
}

/**
 * Ends tombstone windows at `from` (the identifier's next holder starts then): a window that starts
 * at or after `from` goes, one that runs past it ends there, earlier ones stay. Pure.
 */
export const releaseWindows = (
  windows: readonly TombstoneWindow[],
  from: string,
): { readonly keep: TombstoneWindow[]; readonly changed: boolean } => {
  const keep: TombstoneWindow[] = [];
  let changed = false;
  for (const w of windows) {
    if (w.validFrom !== null && w.validFrom >= from) changed = true;
    else if (w.validTo === null || w.validTo > from) {
      keep.push({ validFrom: w.validFrom, validTo: from });
      changed = true;
    } else keep.push(w);
  }
  return { keep, changed };
};
