import { performance } from 'node:perf_hooks';
import { previewAudience } from './audience-analysis.js';
import { ColumnStore, type Column, type EventColumn } from './columns.js';
import { DEFAULT_CATALOGUE } from './field-catalogue.js';
import { DAY_MS } from './field-types.js';
import type { RuleGroup } from './rule.js';
import { validateAudience } from './validate.js';

/*
 * The exact-count benchmark (issue 6: a new rule of up to 5 conditions over 1M profiles in
 * ≤ 100 ms): synthetic profiles built straight into columns, then a new rule validated and
 * counted, timed end to end. For `npm run bench` (`count_1m_ms`) and the perf test; tooling, so
 * it reads the clocks the pure core never does.
 */

export interface CountBenchResult {
  readonly profiles: number;
  readonly buildMs: number;
  /**
   * Per rule: its median wall time over the runs, its median CPU time (user + system of this
   * process: what the count costs when the machine is shared), and its count.
   */
  readonly rules: readonly { readonly name: string; readonly medianMs: number; readonly cpuMs: number; readonly count: number }[];
  /** The slowest rule's median wall time: the figure to report. */
  readonly countMs: number;
}

const NOW = Date.parse('2024-06-01T12:00:00Z');

/** A small deterministic generator (xorshift32): the bench must not depend on Math.random. */
const generator = (seed: number) => {
  let x = seed;
  return (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
};

const REGIONS = ['RU-MOW', 'RU-SPE', 'RU-MOS', 'RU-LEN', 'RU-SVE', 'RU-NVS', 'RU-TA', 'RU-KDA', 'RU-NIZ', 'RU-SAM', 'RU-ROS', 'RU-BA'];

export const syntheticColumns = (profiles: number, seed = 7): ColumnStore => {
  const random = generator(seed);
  const ids = Array.from({ length: profiles }, (_, i) => `p${i}`);
  const planType = new Int32Array(profiles);
  const region = new Int32Array(profiles);
  const topups = new Float64Array(profiles);
  const lastApp = new Float64Array(profiles);
  const churn = new Float64Array(profiles);
  const balance = new Float64Array(profiles);
  const start = new Int32Array(profiles + 1);
  const times: number[] = [];
  for (let i = 0; i < profiles; i++) {
    planType[i] = random() < 0.6 ? 0 : 1;
    region[i] = random() < 0.3 ? -1 : Math.floor(random() * random() * REGIONS.length);
    lastApp[i] = random() < 0.2 ? Number.NaN : NOW - Math.floor(random() * 60 * DAY_MS);
    churn[i] = random();
    balance[i] = Math.round((random() * 1200 - 200) * 100) / 100;
    start[i] = times.length;
    const n = Math.floor(random() * random() * 9);
    let in30 = 0;
    for (let k = 0; k < n; k++) {
      const at = NOW - Math.floor(random() * 45 * DAY_MS);
      if (at > NOW - 30 * DAY_MS) in30++;
      times.push(at);
    }
    topups[i] = in30;
  }
  start[profiles] = times.length;
  const columns = new Map<string, Column>([
    ['traits.planType', { kind: 'dictionary', codes: planType, dictionary: ['prepaid', 'postpaid'] }],
    ['traits.homeRegion', { kind: 'dictionary', codes: region, dictionary: REGIONS }],
    ['aggregates.topup_count.30d', { kind: 'number', values: topups }],
    ['lastInteraction.app', { kind: 'number', values: lastApp }],
    ['scores.churn.probability', { kind: 'number', values: churn }],
    ['traits.balance.value', { kind: 'number', values: balance }],
  ]);
  const topupEvents: EventColumn = { start, at: Float64Array.from(times), properties: null };
  return new ColumnStore({ ids, columns, events: new Map([['billing/topup', topupEvents]]) });
};

export const BENCH_RULES: readonly { readonly name: string; readonly rule: RuleGroup }[] = [
  {
    name: '5 attribute conditions',
    rule: {
      combinator: 'and',
      rules: [
        { field: 'traits.planType', operator: '=', value: 'prepaid' },
        { field: 'traits.homeRegion', operator: 'in', value: ['RU-MOW', 'RU-SPE', 'RU-MOS'] },
        { field: 'aggregates.topup_count.30d', operator: '>=', value: 3 },
        { field: 'lastInteraction.app', operator: 'olderThanDays', value: 14 },
        { field: 'scores.churn.probability', operator: '>', value: 0.3 },
      ],
    },
  },
  {
    name: '4 attributes and an event window',
    rule: {
      combinator: 'or',
      rules: [
        {
          combinator: 'and',
          rules: [
            { field: 'traits.planType', operator: '=', value: 'prepaid' },
            { field: 'event', operator: 'performed', eventType: 'billing/topup', count: { op: 'atLeast', n: 3 }, window: { lastDays: 30 } },
            { field: 'traits.balance.value', operator: '<', value: 100 },
          ],
        },
        { field: 'scores.churn.probability', operator: 'between', value: [0.9, 0.95] },
        { field: 'traits.homeRegion', operator: 'null' },
      ],
    },
  },
];

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Builds the profiles, then times each rule `runs` times (after one warm-up): validation, scan and count. */
export const benchAudienceCount = (profiles = 1_000_000, runs = 7): CountBenchResult => {
  const built = performance.now();
  const store = syntheticColumns(profiles);
  const buildMs = performance.now() - built;
  const context = { catalogue: DEFAULT_CATALOGUE, audiences: () => undefined, retainedEventDays: 90, now: NOW };
  const rules = BENCH_RULES.map(({ name, rule }) => {
    const times: number[] = [];
    const cpu: number[] = [];
    let count = 0;
    for (let run = 0; run <= runs; run++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const audience = validateAudience({ id: 'bench', entity: 'person', rule }, context);
      count = previewAudience(audience, store, NOW).count;
      const used = process.cpuUsage(c0);
      if (run > 0) times.push(performance.now() - t0);
      if (run > 0) cpu.push((used.user + used.system) / 1000);
    }
    return { name, medianMs: median(times), cpuMs: median(cpu), count };
  });
  return { profiles, buildMs, rules, countMs: Math.max(...rules.map((r) => r.medianMs)) };
};
