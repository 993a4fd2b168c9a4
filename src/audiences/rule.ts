/*
 * The audience rule language as stored and edited: JSON, a superset of react-querybuilder's
 * `RuleGroupType` (https://react-querybuilder.js.org/docs/typescript), so the console's query
 * builder edits a definition as it is. Tessera's extensions are rules with reserved `field` names
 * (`event`, `consent`, `audience`) and extra keys, and groups with a `members` quantifier. The
 * format is documented with examples in docs/audiences.md.
 *
 * These types describe a valid definition; what arrives over HTTP is `unknown` until `checkAudience`
 * (validate.ts) has read it into the normalised conditions of conditions.ts.
 */

export const ENTITY_TYPES = ['person', 'account', 'organisation'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export const COMBINATORS = ['and', 'or'] as const;
export type Combinator = (typeof COMBINATORS)[number];

/** react-querybuilder's default operator names, and Tessera's two relative-date operators. */
export const ATTRIBUTE_OPERATORS = [
  '=',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  'contains',
  'beginsWith',
  'endsWith',
  'doesNotContain',
  'doesNotBeginWith',
  'doesNotEndWith',
  'in',
  'notIn',
  'between',
  'notBetween',
  'null',
  'notNull',
  /** A date within the last N days: now − N days < value ≤ now. */
  'withinLastDays',
  /** A date at least N days ago: value ≤ now − N days. */
  'olderThanDays',
] as const;
export type AttributeOperator = (typeof ATTRIBUTE_OPERATORS)[number];

/** Quantifiers of an entity-level group: the members (persons) of an account or organisation. */
export const MEMBER_QUANTIFIERS = ['any', 'all', 'none'] as const;
export type MemberQuantifier = (typeof MEMBER_QUANTIFIERS)[number];

export const COUNT_OPS = ['atLeast', 'atMost', 'exactly'] as const;
export type CountOp = (typeof COUNT_OPS)[number];

/** Keys react-querybuilder itself may put on a rule or group; accepted and ignored (except `disabled`). */
export const QUERY_BUILDER_KEYS = ['id', 'path', 'disabled', 'valueSource'] as const;

export interface RuleGroup {
  readonly id?: string;
  readonly combinator: Combinator;
  readonly not?: boolean;
  /** A disabled rule or group is kept for editing but not evaluated (react-querybuilder's meaning). */
  readonly disabled?: boolean;
  readonly rules: readonly (Rule | RuleGroup)[];
  /** Only in account and organisation audiences: the group is evaluated on each member person. */
  readonly members?: MemberQuantifier;
}

/** A condition on a catalogue field (field-catalogue.ts), e.g. `{ field: 'traits.planType', operator: '=', value: 'prepaid' }`. */
export interface AttributeRule {
  readonly id?: string;
  readonly disabled?: boolean;
  readonly field: string;
  readonly operator: AttributeOperator;
  readonly value?: unknown;
}

/** "Performed `eventType` (with these properties) N times in the window" / "did not perform it". */
export interface EventRule {
  readonly id?: string;
  readonly disabled?: boolean;
  readonly field: 'event';
  readonly operator: 'performed' | 'notPerformed';
  /** `source/type`, e.g. `billing/topup`. */
  readonly eventType: string;
  /** All must hold for an event to count; fields are dot paths into the event's properties. */
  readonly propertyFilters?: readonly PropertyFilter[];
  /** Only with `performed`; default `{ op: 'atLeast', n: 1 }`. `notPerformed` is `exactly 0`. */
  readonly count?: { readonly op: CountOp; readonly n: number };
  readonly window: EventWindow;
}

export interface PropertyFilter {
  readonly field: string;
  readonly operator: AttributeOperator;
  readonly value?: unknown;
}

/** The last N × 24 hours up to now, or a fixed interval [from, to) (a date-only `to` includes that day). */
export type EventWindow = { readonly lastDays: number } | { readonly from: string; readonly to: string };

export interface ConsentRule {
  readonly id?: string;
  readonly disabled?: boolean;
  readonly field: 'consent';
  readonly operator: 'granted' | 'notGranted';
  readonly purpose: string;
  readonly channel: string;
}

export interface AudienceRule {
  readonly id?: string;
  readonly disabled?: boolean;
  readonly field: 'audience';
  readonly operator: 'in' | 'notIn';
  readonly audienceId: string;
}

export type Rule = AttributeRule | EventRule | ConsentRule | AudienceRule;

/** Reserved `field` names of the extension rules. */
export const SPECIAL_FIELDS = ['event', 'consent', 'audience'] as const;

/** What is saved: the rule with the entity it selects. Versions and names belong to the store. */
export interface AudienceDefinition {
  readonly id: string;
  readonly entity: EntityType;
  readonly rule: RuleGroup;
}
