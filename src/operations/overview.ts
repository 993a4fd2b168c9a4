import { mergeBuckets, quantile, type LatencyBuckets } from './latency-histogram.js';
import { MINUTE_MS, minuteKeys, minuteStart } from './minutes.js';

export type IngestOutcome = 'accepted' | 'duplicate' | 'quarantined';
export const INGEST_OUTCOMES: readonly IngestOutcome[] = ['accepted', 'duplicate', 'quarantined'];

/** What the overview is computed from: rows of the window, the pipeline's position, the sources. */
export interface OverviewInput {
  readonly now: Date;
  readonly minutes: number;
  readonly ingest: readonly { readonly minute: string; readonly sourceId: string; readonly outcome: string; readonly count: number }[];
  readonly pipeline: readonly {
    readonly minute: string;
    readonly batches: number;
    readonly events: number;
    readonly latencySumMs: number;
    readonly latencyMaxMs: number;
  }[];
  readonly latency: readonly { readonly minute: string; readonly bucket: number; readonly count: number }[];
  readonly position: PipelinePosition;
  readonly sources: readonly {
    readonly id: string;
    readonly name: string;
    readonly freshnessSlaSeconds: number;
    readonly lastEventAt: string | null;
  }[];
}

export interface PipelinePosition {
  readonly checkpointSeq: number;
  readonly checkpointUpdatedAt: string | null;
  readonly lastSeq: number;
  /** Events in the log after the checkpoint: counted, or estimated from sequence numbers past a bound. */
  readonly eventsBehind: number;
  readonly eventsBehindEstimated: boolean;
  readonly oldestUnprocessedReceivedAt: string | null;
}

export interface OutcomeCounts {
  accepted: number;
  duplicate: number;
  quarantined: number;
}

export type FreshnessStatus = 'fresh' | 'stale' | 'never';

export interface Overview {
  readonly generatedAt: string;
  readonly windowMinutes: number;
  /** Start of each minute of the window, oldest first; the last is the current, partial minute. */
  readonly minutes: string[];
  /** Seconds each minute covers: 60, and for the current minute the seconds gone so far (at least 1). */
  readonly secondsCovered: number[];
  readonly totals: OutcomeCounts & { readonly eventsPerSecond: number };
  readonly sources: {
    readonly sourceId: string;
    readonly name: string;
    readonly totals: OutcomeCounts;
    readonly eventsPerSecond: number;
    readonly series: { readonly accepted: number[]; readonly duplicate: number[]; readonly quarantined: number[] };
  }[];
  readonly pipeline: PipelinePosition & {
    readonly oldestUnprocessedAgeSeconds: number | null;
    readonly processed: number;
    readonly batches: number;
    readonly series: { readonly processed: number[]; readonly eventsBehind: number[] };
  };
  readonly latency: LatencySummary & {
    readonly series: {
      readonly events: number[];
      readonly p50Ms: (number | null)[];
      readonly p95Ms: (number | null)[];
      readonly p99Ms: (number | null)[];
      readonly maxMs: (number | null)[];
    };
  };
  readonly freshness: {
    readonly sourceId: string;
    readonly name: string;
    readonly slaSeconds: number;
    readonly lastEventAt: string | null;
    readonly secondsSinceLastEvent: number | null;
    /** Seconds since the last event over the SLA: above 1 is stale. */
    readonly slaUsed: number | null;
    readonly status: FreshnessStatus;
  }[];
}

export interface LatencySummary {
  readonly events: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  readonly meanMs: number | null;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
const orNull = (value: number | undefined): number | null => (value === undefined ? null : round1(value));

const summarise = (buckets: LatencyBuckets, events: number, sumMs: number, maxMs: number): LatencySummary => ({
  events,
  p50Ms: orNull(quantile(buckets, 0.5, maxMs)),
  p95Ms: orNull(quantile(buckets, 0.95, maxMs)),
  p99Ms: orNull(quantile(buckets, 0.99, maxMs)),
  maxMs: events > 0 ? maxMs : null,
  meanMs: events > 0 ? round1(sumMs / events) : null,
});

/**
 * The live overview from the window's rows (pure). Rates: a source's events per second are its
 * events of the previous full minute and of the current one over the seconds they cover. The
 * pipeline's backlog at the end of each past minute is not stored: it is derived from the backlog
 * now, minus the events accepted since, plus the events processed since (never below 0).
 */
export const buildOverview = (input: OverviewInput): Overview => {
  const { now, minutes } = input;
  const keys = minuteKeys(now, minutes);
  const index = new Map(keys.map((k, i) => [k, i]));
  const elapsed = Math.max(1, Math.round((now.getTime() % MINUTE_MS) / 1000));
  const secondsCovered = keys.map((_, i) => (i === keys.length - 1 ? elapsed : 60));
  const zeros = (): number[] => new Array<number>(keys.length).fill(0);

  const names = new Map(input.sources.map((s) => [s.id, s.name]));
  const perSource = new Map<string, { accepted: number[]; duplicate: number[]; quarantined: number[] }>();
  const seriesOf = (sourceId: string) => {
    let series = perSource.get(sourceId);
    if (!series) perSource.set(sourceId, (series = { accepted: zeros(), duplicate: zeros(), quarantined: zeros() }));
    return series;
  };
  for (const source of input.sources) seriesOf(source.id);
  const acceptedAll = zeros();
  for (const row of input.ingest) {
    const i = index.get(row.minute);
    if (i === undefined || !(INGEST_OUTCOMES as readonly string[]).includes(row.outcome)) continue;
    const series = seriesOf(row.sourceId)[row.outcome as IngestOutcome];
    series[i] = (series[i] ?? 0) + row.count;
    if (row.outcome === 'accepted') acceptedAll[i] = (acceptedAll[i] ?? 0) + row.count;
  }

  const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
  const recentSeconds = (keys.length > 1 ? 60 : 0) + elapsed;
  const recent = (values: readonly number[]): number => (values.at(-1) ?? 0) + (keys.length > 1 ? (values.at(-2) ?? 0) : 0);
  const totals = { accepted: 0, duplicate: 0, quarantined: 0, eventsPerSecond: 0 };
  const sources = [...perSource.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([sourceId, series]) => {
      const sourceTotals = { accepted: sum(series.accepted), duplicate: sum(series.duplicate), quarantined: sum(series.quarantined) };
      const recentEvents = recent(series.accepted) + recent(series.duplicate) + recent(series.quarantined);
      totals.accepted += sourceTotals.accepted;
      totals.duplicate += sourceTotals.duplicate;
      totals.quarantined += sourceTotals.quarantined;
      totals.eventsPerSecond += recentEvents;
      return {
        sourceId,
        name: names.get(sourceId) ?? sourceId,
        totals: sourceTotals,
        eventsPerSecond: round1(recentEvents / recentSeconds),
        series,
      };
    });
  totals.eventsPerSecond = round1(totals.eventsPerSecond / recentSeconds);

  const processed = zeros();
  let batches = 0;
  const minuteBuckets = keys.map((): LatencyBuckets => new Map());
  const minuteStats = keys.map(() => ({ events: 0, sumMs: 0, maxMs: 0 }));
  for (const row of input.pipeline) {
    const i = index.get(row.minute);
    if (i === undefined) continue;
    processed[i] = row.events;
    batches += row.batches;
    const stats = minuteStats[i] as { events: number; sumMs: number; maxMs: number };
    stats.events = row.events;
    stats.sumMs = row.latencySumMs;
    stats.maxMs = row.latencyMaxMs;
  }
  for (const row of input.latency) {
    const i = index.get(row.minute);
    if (i !== undefined) mergeBuckets(minuteBuckets[i] as LatencyBuckets, [[row.bucket, row.count]]);
  }
  const window = new Map<number, number>();
  for (const buckets of minuteBuckets) mergeBuckets(window, buckets);
  const perMinute = minuteStats.map((s, i) => summarise(minuteBuckets[i] as LatencyBuckets, s.events, s.sumMs, s.maxMs));
  const latency = {
    ...summarise(
      window,
      sum(minuteStats.map((s) => s.events)),
      sum(minuteStats.map((s) => s.sumMs)),
      Math.max(0, ...minuteStats.map((s) => s.maxMs)),
    ),
    series: {
      events: perMinute.map((m) => m.events),
      p50Ms: perMinute.map((m) => m.p50Ms),
      p95Ms: perMinute.map((m) => m.p95Ms),
      p99Ms: perMinute.map((m) => m.p99Ms),
      maxMs: perMinute.map((m) => m.maxMs),
    },
  };

  const behind = zeros();
  let carried = input.position.eventsBehind;
  for (let i = keys.length - 1; i >= 0; i--) {
    behind[i] = Math.max(0, carried);
    carried -= (acceptedAll[i] ?? 0) - (processed[i] ?? 0);
  }

  const secondsSince = (iso: string | null): number | null =>
    iso === null ? null : Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 1000));

  return {
    generatedAt: now.toISOString(),
    windowMinutes: minutes,
    minutes: keys.map(minuteStart),
    secondsCovered,
    totals,
    sources,
    pipeline: {
      ...input.position,
      oldestUnprocessedAgeSeconds: secondsSince(input.position.oldestUnprocessedReceivedAt),
      processed: sum(processed),
      batches,
      series: { processed, eventsBehind: behind },
    },
    latency,
    freshness: input.sources.map((source) => {
      const seconds = secondsSince(source.lastEventAt);
      return {
        sourceId: source.id,
        name: source.name,
        slaSeconds: source.freshnessSlaSeconds,
        lastEventAt: source.lastEventAt,
        secondsSinceLastEvent: seconds,
        slaUsed: seconds === null ? null : Math.round((seconds / source.freshnessSlaSeconds) * 1000) / 1000,
        status: seconds === null ? 'never' : seconds > source.freshnessSlaSeconds ? 'stale' : 'fresh',
      };
    }),
  };
};
