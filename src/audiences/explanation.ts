import type { Condition } from './conditions.js';
import type { CountOp } from './rule.js';

/*
 * Why an entity is or is not a member: each condition's result with its evidence, in the shape
 * of the definition. Stored with `audience.entered` / `audience.exited` and answered by
 * GET /v1/audiences/{id}/explain/{profileId}; plain data (times as ISO 8601).
 */

export type Evidence =
  | {
      readonly kind: 'attribute';
      readonly field: string;
      /** The value compared (dates as ISO 8601), null when the profile has none. */
      readonly actual: string | number | boolean | null;
      readonly operator: string;
    }
  | {
      readonly kind: 'event';
      readonly eventType: string;
      readonly count: number;
      readonly required: { readonly op: CountOp; readonly n: number };
      readonly window: { readonly from: string | null; readonly to: string };
      /** The counted events, oldest first (the first 50). */
      readonly eventIds: readonly string[];
    }
  | { readonly kind: 'consent'; readonly purpose: string; readonly channel: string; readonly granted: boolean }
  | { readonly kind: 'audience'; readonly audienceId: string; readonly member: boolean }
  | {
      readonly kind: 'members';
      readonly members: number;
      readonly matching: number;
      /** The matching members (the first 20). */
      readonly matchingIds: readonly string[];
      /** One member's explanation: a matching one when that decides, else the first that does not match. */
      readonly example: { readonly id: string; readonly conditions: ConditionResult } | null;
    };

export interface ConditionResult {
  /** JSON pointer of the condition in the definition, e.g. `/rule/rules/2`. */
  readonly path: string;
  readonly kind: Condition['kind'];
  /** The condition in words. */
  readonly text: string;
  readonly result: boolean;
  /** A group or members condition with `not: true` (its result is the inverse of its inside). */
  readonly negated?: boolean;
  /** When time alone can next change this result (ISO 8601), or null. */
  readonly nextChangeAt: string | null;
  readonly evidence?: Evidence;
  readonly children?: readonly ConditionResult[];
}

export interface Evaluation {
  readonly member: boolean;
  /**
   * The earliest time at which passing time alone can change membership, epoch ms, or null: the
   * scheduler re-evaluates then. Never later than a real change; it may be earlier (an `and` that
   * is false waits for the last of its false conditions to flip, but nothing finer).
   */
  readonly nextChangeAt: number | null;
  readonly conditions: ConditionResult;
  /** For a non-member, the first condition that failed (a leaf, or a negated group or members condition). */
  readonly failing: ConditionResult | null;
}

/** The first failing condition under a failed node, in document order. */
export const firstFailing = (node: ConditionResult): ConditionResult | null => {
  if (node.result) return null;
  // A negated group failed because its inside held: the group itself is the reason.
  if (node.kind !== 'group' || node.children === undefined || node.negated === true) return node;
  const failedChild = node.children.find((c) => !c.result);
  if (failedChild === undefined) return node;
  return firstFailing(failedChild);
};
