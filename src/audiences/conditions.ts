import type { FieldDefinition } from './field-catalogue.js';
import type { FieldType } from './field-types.js';
import type { AttributeOperator, Combinator, CountOp, EntityType, MemberQuantifier } from './rule.js';

/*
 * A validated rule, normalised: what both evaluators, the dependency index and the rendering
 * read. Values are parsed once (numbers from strings, dates to epoch ms, lists to arrays);
 * disabled rules are gone; every node keeps the JSON pointer of its place in the definition so
 * errors and explanations point at what the user wrote.
 */

export type Operand =
  | { readonly kind: 'none' }
  | { readonly kind: 'scalar'; readonly value: string | number | boolean }
  | { readonly kind: 'list'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'range'; readonly low: number; readonly high: number }
  | { readonly kind: 'days'; readonly days: number };

/** One typed comparison of a value: a field's or an event property's. */
export interface Comparison {
  readonly type: FieldType;
  readonly operator: AttributeOperator;
  readonly operand: Operand;
}

export interface GroupCondition {
  readonly kind: 'group';
  readonly path: string;
  readonly combinator: Combinator;
  readonly not: boolean;
  readonly children: readonly Condition[];
}

/** An account's or organisation's members (persons) quantified: any, all (and at least one), none. */
export interface MembersCondition {
  readonly kind: 'members';
  readonly path: string;
  readonly quantifier: MemberQuantifier;
  readonly not: boolean;
  /** The group evaluated on each member. */
  readonly group: GroupCondition;
}

export interface AttributeCondition {
  readonly kind: 'attribute';
  readonly path: string;
  readonly field: FieldDefinition;
  readonly comparison: Comparison;
}

export interface PropertyFilterCondition {
  /** Dot path into the event's properties. */
  readonly property: string;
  readonly comparison: Comparison;
}

export type WindowCondition =
  { readonly kind: 'last'; readonly days: number } | { readonly kind: 'between'; readonly from: number; readonly to: number };

export interface EventCondition {
  readonly kind: 'event';
  readonly path: string;
  readonly eventType: string;
  readonly filters: readonly PropertyFilterCondition[];
  readonly count: { readonly op: CountOp; readonly n: number };
  /** `notPerformed` (kept for the rendering; its count is exactly 0). */
  readonly negated: boolean;
  readonly window: WindowCondition;
}

export interface ConsentCondition {
  readonly kind: 'consent';
  readonly path: string;
  readonly purpose: string;
  readonly channel: string;
  readonly granted: boolean;
}

export interface AudienceCondition {
  readonly kind: 'audience';
  readonly path: string;
  readonly audienceId: string;
  readonly isIn: boolean;
}

export type LeafCondition = AttributeCondition | EventCondition | ConsentCondition | AudienceCondition;
export type Condition = GroupCondition | MembersCondition | LeafCondition;

/** A definition that passed validation. */
export interface ValidAudience {
  readonly id: string;
  readonly entity: EntityType;
  readonly root: GroupCondition;
}

/** Every condition below a node, depth first, in document order (members groups' inner conditions included). */
export const walkConditions = function* (node: Condition): Generator<Condition> {
  yield node;
  if (node.kind === 'group') for (const child of node.children) yield* walkConditions(child);
  if (node.kind === 'members') yield* walkConditions(node.group);
};
