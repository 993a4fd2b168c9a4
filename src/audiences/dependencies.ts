import type { Condition, ValidAudience } from './conditions.js';
import { DAY_OPERATORS } from './field-types.js';

/*
 * What an audience reads: fields, event types, consent (purpose and channel), other audiences.
 * Split by level: an account or organisation audience reads its own fields and, through
 * `members` groups, its persons'. The dependency index and the bulk column loader both use it.
 */

export interface DependencySet {
  readonly fields: ReadonlySet<string>;
  readonly eventTypes: ReadonlySet<string>;
  /** `purpose/channel` pairs. */
  readonly consents: ReadonlySet<string>;
  readonly consentPurposes: ReadonlySet<string>;
  readonly audiences: ReadonlySet<string>;
}

export interface AudienceDependencies {
  /** What the audience's own entity must provide. */
  readonly own: DependencySet;
  /** What member persons must provide (account and organisation audiences with members groups), else null. */
  readonly members: DependencySet | null;
  /** Passing time alone can change membership (event windows, relative dates, rolling-window or score fields). */
  readonly timeDriven: boolean;
}

export const consentKey = (purpose: string, channel: string): string => `${purpose}/${channel}`;

interface MutableSet {
  fields: Set<string>;
  eventTypes: Set<string>;
  consents: Set<string>;
  consentPurposes: Set<string>;
  audiences: Set<string>;
}
const emptySet = (): MutableSet => ({
  fields: new Set(),
  eventTypes: new Set(),
  consents: new Set(),
  consentPurposes: new Set(),
  audiences: new Set(),
});

/** Collects what a condition reads; answers whether time alone can change it. */
const collect = (node: Condition, into: MutableSet, members: () => MutableSet): boolean => {
  switch (node.kind) {
    case 'group':
      return node.children.reduce((timeDriven, child) => collect(child, into, members) || timeDriven, false);
    case 'members':
      return collect(node.group, members(), members);
    case 'attribute':
      into.fields.add(node.field.id);
      return DAY_OPERATORS.has(node.comparison.operator) || node.field.timeDependent === true;
    case 'event':
      into.eventTypes.add(node.eventType);
      // Events leave a `last D days` window, and enter any window when their (future) time comes.
      return true;
    case 'consent':
      into.consents.add(consentKey(node.purpose, node.channel));
      into.consentPurposes.add(node.purpose);
      return false;
    case 'audience':
      into.audiences.add(node.audienceId);
      return false;
  }
};

export const dependenciesOf = (audience: ValidAudience): AudienceDependencies => {
  const own = emptySet();
  const level: { members: MutableSet | null } = { members: null };
  const timeDriven = collect(audience.root, own, () => (level.members ??= emptySet()));
  return { own, members: level.members, timeDriven };
};
