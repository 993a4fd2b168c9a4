import type { WindowValues } from '../profiles/aggregates/index.js';
import type { Scores } from '../profiles/profile-scores.js';
import type { ProfileView } from '../profiles/profile-state.js';
import { DEFAULT_CATALOGUE, type FieldCatalogue } from './field-catalogue.js';
import { coerce, type FieldValue } from './field-types.js';

/*
 * A profile as the evaluators' `fields`: the same parts GET /v1/profiles/{id} answers (view,
 * aggregate windows, scores, accounts), read at the catalogue's field ids. Field ids mirror that
 * JSON, so most are a dot path into it; the few derived ones are named below.
 */

export interface ProfileSnapshot {
  readonly profileId: string;
  /** `viewOf(state, now, defaultTimeZone)`. */
  readonly view: ProfileView;
  /** Aggregate id → window values read at the same `now`. */
  readonly windows: Readonly<Record<string, WindowValues>>;
  readonly scores: Scores | null;
  readonly accounts: readonly { readonly accountId: string; readonly role: string }[];
}

const at = (root: unknown, path: readonly string[]): unknown => {
  let node = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
};

const read = (snapshot: ProfileSnapshot, id: string): unknown => {
  const [head, ...rest] = id.split('.');
  switch (head) {
    case 'traits':
      return at(snapshot.view.traits, rest);
    case 'openCases':
      return snapshot.view.openCases.length;
    case 'brokenPromises':
      return snapshot.view.brokenPromises;
    case 'lastInteraction':
      return at(snapshot.view.lastInteraction, rest);
    case 'timeZone':
      return snapshot.view.timeZone;
    case 'activity':
      return at({ firstEventAt: snapshot.view.firstEventAt, lastEventAt: snapshot.view.lastEventAt, events: snapshot.view.events }, rest);
    case 'aggregates': {
      // `aggregates.topup_count.30d`: the window name is the last part (aggregate ids have no dots).
      const [aggregate = '', window = ''] = rest;
      return at(snapshot.windows, [aggregate, window]);
    }
    case 'scores':
      if (id === 'scores.churn.topReason') return snapshot.scores?.churn.reasons[0]?.feature;
      return at(snapshot.scores, rest);
    case 'identity':
      if (id === 'identity.profileId') return snapshot.profileId;
      if (id === 'identity.accounts') return snapshot.accounts.length;
      if (id === 'identity.isPayer') return snapshot.accounts.some((a) => a.role === 'payer');
      return undefined;
    default:
      return undefined;
  }
};

/** Every person field of the catalogue that the profile has, coerced to its type (dates as epoch ms). */
export const profileFields = (snapshot: ProfileSnapshot, catalogue: FieldCatalogue = DEFAULT_CATALOGUE): Record<string, FieldValue> => {
  const fields: Record<string, FieldValue> = {};
  for (const field of catalogue.fields.person) {
    const value = coerce(field.type, read(snapshot, field.id));
    if (value !== null) fields[field.id] = value;
  }
  return fields;
};

const fieldIndexes = new WeakMap<FieldCatalogue, ReadonlyMap<string, FieldCatalogue['fields']['person'][number]>>();

const personFieldIndex = (catalogue: FieldCatalogue) => {
  let index = fieldIndexes.get(catalogue);
  if (!index) fieldIndexes.set(catalogue, (index = new Map(catalogue.fields.person.map((f) => [f.id, f]))));
  return index;
};

/**
 * The same fields as `profileFields`, each computed when first read: an evaluation reads a few of
 * the catalogue's many fields, and the view and the aggregate windows are the costly part. The
 * snapshot's `view` and `windows` may themselves be lazy (getters).
 */
export const lazyProfileFields = (
  snapshot: ProfileSnapshot,
  catalogue: FieldCatalogue = DEFAULT_CATALOGUE,
): Readonly<Record<string, FieldValue>> => {
  const index = personFieldIndex(catalogue);
  const known = new Map<string, FieldValue>();
  return new Proxy({} as Record<string, FieldValue>, {
    get: (_, id) => {
      if (typeof id !== 'string') return undefined;
      if (known.has(id)) return known.get(id);
      const field = index.get(id);
      const value = field ? coerce(field.type, read(snapshot, id)) : null;
      known.set(id, value);
      return value === null ? undefined : value;
    },
  });
};
