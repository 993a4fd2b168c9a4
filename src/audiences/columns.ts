import type { PropertyFilterCondition } from './conditions.js';

/*
 * The bulk evaluator's data: many entities as columns, one row each. Numbers and dates are
 * Float64Array (NaN is null; dates are epoch ms), strings and enums dictionary codes in an
 * Int32Array (−1 is null), booleans an Int8Array (−1 null, 0, 1). Events are kept per type in
 * compressed-row form (row r's events are start[r] … start[r + 1] − 1), consents and memberships
 * as one byte per row; or, for events kept elsewhere (the resident events of previews), a counter
 * that answers each row's count for a condition. A column that is absent reads as the field's `whenAbsent` or null, just as
 * an absent key of `AudienceInput.fields` does.
 */

export type Column =
  | { readonly kind: 'number'; readonly values: Float64Array }
  | { readonly kind: 'dictionary'; readonly codes: Int32Array; readonly dictionary: readonly string[] }
  | { readonly kind: 'boolean'; readonly values: Int8Array };

export interface EventColumn {
  /** Length rows + 1. */
  readonly start: Int32Array;
  /** Event times, epoch ms. */
  readonly at: Float64Array;
  /** Each event's properties (for property filters), or null when none are kept. */
  readonly properties: readonly Readonly<Record<string, unknown>>[] | null;
}

/** Events that count themselves (resident-events.ts): per row, how many match every filter and lie in [lo, hi]. */
export interface EventCounter {
  count(filters: readonly PropertyFilterCondition[], lo: number, hi: number): Int32Array;
}

/** An account's or organisation's member persons: entity e's members are rows[start[e]] … rows[start[e + 1] − 1] of `persons`. */
export interface MemberIndex {
  readonly start: Int32Array;
  readonly rows: Int32Array;
  readonly persons: ColumnStore;
}

export interface ColumnStoreParts {
  readonly ids: readonly string[];
  /** Rows, when `ids` is not given in full (resident columns make an id only when asked). */
  readonly size?: number;
  readonly columns?: ReadonlyMap<string, Column>;
  readonly events?: ReadonlyMap<string, EventColumn>;
  /** Event types counted by a counter instead of held as rows (read before `events`). */
  readonly counters?: ReadonlyMap<string, EventCounter>;
  /** `purpose/channel` → 1 where consent is valid. */
  readonly consents?: ReadonlyMap<string, Uint8Array>;
  /** Audience id → 1 where the entity is a member. */
  readonly memberships?: ReadonlyMap<string, Uint8Array>;
  readonly members?: MemberIndex;
}

export class ColumnStore {
  readonly size: number;
  readonly ids: readonly string[];
  readonly members: MemberIndex | undefined;
  readonly #parts: ColumnStoreParts;

  constructor(parts: ColumnStoreParts) {
    this.#parts = parts;
    this.ids = parts.ids;
    this.size = parts.size ?? parts.ids.length;
    this.members = parts.members;
  }

  column(fieldId: string): Column | undefined {
    return this.#parts.columns?.get(fieldId);
  }

  events(eventType: string): EventColumn | undefined {
    return this.#parts.events?.get(eventType);
  }

  counter(eventType: string): EventCounter | undefined {
    return this.#parts.counters?.get(eventType);
  }

  consent(key: string): Uint8Array | undefined {
    return this.#parts.consents?.get(key);
  }

  membership(audienceId: string): Uint8Array | undefined {
    return this.#parts.memberships?.get(audienceId);
  }
}

/** Dictionary-encodes strings (null stays −1). */
export const dictionaryColumn = (values: readonly (string | null)[]): Column => {
  const codes = new Int32Array(values.length);
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  values.forEach((v, i) => {
    if (v === null) {
      codes[i] = -1;
      return;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(v);
      index.set(v, code);
    }
    codes[i] = code;
  });
  return { kind: 'dictionary', codes, dictionary };
};

export const numberColumn = (values: readonly (number | null)[]): Column => ({
  kind: 'number',
  values: Float64Array.from(values, (v) => (v === null ? Number.NaN : v)),
});

export const booleanColumn = (values: readonly (boolean | null)[]): Column => ({
  kind: 'boolean',
  values: Int8Array.from(values, (v) => (v === null ? -1 : v ? 1 : 0)),
});
