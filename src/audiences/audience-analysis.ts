import { compileScan, scanAudience } from './bulk-evaluate.js';
import type { ColumnStore } from './columns.js';
import type { ValidAudience } from './conditions.js';
import { renderCondition } from './render.js';
import { AND, countOnes, invert, OR, SET } from './scan-kernels.js';

/*
 * What the console asks of a rule over all entities: the exact count and a sample, how many
 * each top-level condition keeps, and how two audiences overlap.
 */

export interface Preview {
  readonly count: number;
  readonly total: number;
  readonly sample: readonly string[];
}

export interface ConditionBreakdown {
  readonly path: string;
  readonly text: string;
  /** Entities the condition keeps on its own. */
  readonly alone: number;
  /** Entities left after this condition and those before it, combined as the top group combines them. */
  readonly cumulative: number;
}

export interface Breakdown {
  readonly total: number;
  /** The audience's count (the top group's `not` applied). */
  readonly count: number;
  readonly conditions: readonly ConditionBreakdown[];
}

export interface Overlap {
  readonly a: number;
  readonly b: number;
  readonly both: number;
  readonly onlyA: number;
  readonly onlyB: number;
  readonly either: number;
}

/** The first `limit` member ids in row order. */
export const sampleMembers = (mask: Uint8Array, ids: readonly string[], limit: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < mask.length && out.length < limit; i++) if (mask[i] === 1) out.push(ids[i] as string);
  return out;
};

export const previewAudience = (audience: ValidAudience, store: ColumnStore, now: number, sampleSize = 20): Preview => {
  const mask = scanAudience(audience, store, now);
  return { count: countOnes(mask), total: store.size, sample: sampleMembers(mask, store.ids, sampleSize) };
};

export const breakdownAudience = (audience: ValidAudience, store: ColumnStore, now: number): Breakdown => {
  const { root } = audience;
  const running = new Uint8Array(store.size);
  const alone = new Uint8Array(store.size);
  const mode = root.combinator === 'and' ? AND : OR;
  const conditions = root.children.map((child, i): ConditionBreakdown => {
    const scan = compileScan(child);
    scan(store, now, alone, SET);
    scan(store, now, running, i === 0 ? SET : mode);
    return { path: child.path, text: renderCondition(child, audience.entity), alone: countOnes(alone), cumulative: countOnes(running) };
  });
  if (root.not) invert(running);
  return { total: store.size, count: countOnes(running), conditions };
};

export const overlapOf = (a: Uint8Array, b: Uint8Array): Overlap => {
  let onlyA = 0;
  let onlyB = 0;
  let both = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    both += x & y;
    onlyA += x & (y ^ 1);
    onlyB += y & (x ^ 1);
  }
  return { a: onlyA + both, b: onlyB + both, both, onlyA, onlyB, either: onlyA + onlyB + both };
};

export const overlapAudiences = (a: ValidAudience, b: ValidAudience, store: ColumnStore, now: number): Overlap =>
  overlapOf(scanAudience(a, store, now), scanAudience(b, store, now));
