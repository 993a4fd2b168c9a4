import { DISTINCT_CAP_PER_DAY, type AggregateState, type CompiledAggregate, type DayBucket } from './aggregates/index.js';

const later = (t: number, r: string, thanT: number, thanR: string): boolean => t > thanT || (t === thanT && r > thanR);

/**
 * Two aggregate states of one definition as one (a profile merge): the same buckets as if both
 * profiles' events had been applied to one state. Days are local dates, so both states must
 * have been kept in the same time zone (a merge happens within one person).
 */
export const mergeAggregateStates = (a: AggregateState, b: AggregateState, aggregate: CompiledAggregate): AggregateState => {
  const aggregation = aggregate.definition.aggregation;
  const byDay = new Map<string, DayBucket>(a.days.map((d) => [d.d, { ...d, ...(d.k ? { k: [...d.k] } : {}) }]));
  for (const bucket of b.days) {
    const known = byDay.get(bucket.d);
    if (!known) {
      byDay.set(bucket.d, { ...bucket, ...(bucket.k ? { k: [...bucket.k] } : {}) });
      continue;
    }
    known.n += bucket.n;
    if (bucket.x !== undefined) {
      if (known.x === undefined) known.x = bucket.x;
      else if (aggregation === 'min') known.x = Math.min(known.x, bucket.x);
      else if (aggregation === 'max') known.x = Math.max(known.x, bucket.x);
      else known.x += bucket.x;
    }
    if (bucket.lt !== undefined && bucket.lr !== undefined && bucket.lv !== undefined) {
      if (known.lt === undefined || known.lr === undefined || later(bucket.lt, bucket.lr, known.lt, known.lr)) {
        known.lv = bucket.lv;
        known.lt = bucket.lt;
        known.lr = bucket.lr;
      }
    }
    if (bucket.k) {
      const keys = [...new Set([...(known.k ?? []), ...bucket.k])].sort();
      if (keys.length > DISTINCT_CAP_PER_DAY || known.capped || bucket.capped) known.capped = true;
      known.k = keys.slice(0, DISTINCT_CAP_PER_DAY);
    }
  }
  const days = [...byDay.values()].sort((x, y) => (x.d < y.d ? -1 : x.d > y.d ? 1 : 0));
  if (a.recent === undefined && b.recent === undefined) return { v: 1, def: a.def, days };
  const recent = [...(a.recent ?? []), ...(b.recent ?? [])]
    .sort((x, y) => (later(x.t, x.r, y.t, y.r) ? -1 : later(y.t, y.r, x.t, x.r) ? 1 : 0))
    .slice(0, aggregate.recentSize);
  return { v: 1, def: a.def, days, recent };
};
