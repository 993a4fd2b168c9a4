import { describe, expect, it } from 'vitest';
import { bucketOf } from './latency-histogram.js';
import { minuteKeys } from './minutes.js';
import { buildOverview, type OverviewInput } from './overview.js';

const NOW = new Date('2026-11-22T10:04:30.000Z');

const input = (over: Partial<OverviewInput> = {}): OverviewInput => ({
  now: NOW,
  minutes: 5,
  ingest: [],
  pipeline: [],
  latency: [],
  position: {
    checkpointSeq: 0,
    checkpointUpdatedAt: null,
    lastSeq: 0,
    eventsBehind: 0,
    eventsBehindEstimated: false,
    oldestUnprocessedReceivedAt: null,
  },
  sources: [
    { id: 'billing', name: 'Billing', freshnessSlaSeconds: 600, lastEventAt: '2026-11-22T10:00:00.000Z' },
    { id: 'crm', name: 'CRM', freshnessSlaSeconds: 60, lastEventAt: '2026-11-22T10:00:00.000Z' },
    { id: 'web', name: 'Web', freshnessSlaSeconds: 60, lastEventAt: null },
  ],
  ...over,
});

describe('minute keys', () => {
  it('lists the window oldest first, ending with the current minute', () => {
    expect(minuteKeys(NOW, 3)).toEqual(['2026-11-22T10:02', '2026-11-22T10:03', '2026-11-22T10:04']);
  });
});

describe('the overview', () => {
  it('lays each source’s outcomes on the window’s minutes, totals them, and rates the last minute and a half', () => {
    const overview = buildOverview(
      input({
        ingest: [
          { minute: '2026-11-22T10:03', sourceId: 'billing', outcome: 'accepted', count: 60 },
          { minute: '2026-11-22T10:04', sourceId: 'billing', outcome: 'accepted', count: 30 },
          { minute: '2026-11-22T10:04', sourceId: 'billing', outcome: 'duplicate', count: 3 },
          { minute: '2026-11-22T10:01', sourceId: 'crm', outcome: 'quarantined', count: 2 },
          { minute: '2026-11-22T10:04', sourceId: '_unknown', outcome: 'quarantined', count: 1 },
          // Outside the window, or an outcome the overview does not know: ignored.
          { minute: '2026-11-22T09:59', sourceId: 'billing', outcome: 'accepted', count: 1000 },
          { minute: '2026-11-22T10:04', sourceId: 'billing', outcome: 'other', count: 1000 },
        ],
      }),
    );
    expect(overview.minutes).toEqual([
      '2026-11-22T10:00:00.000Z',
      '2026-11-22T10:01:00.000Z',
      '2026-11-22T10:02:00.000Z',
      '2026-11-22T10:03:00.000Z',
      '2026-11-22T10:04:00.000Z',
    ]);
    expect(overview.secondsCovered).toEqual([60, 60, 60, 60, 30]);
    expect(overview.sources.map((s) => s.sourceId)).toEqual(['_unknown', 'billing', 'crm', 'web']);
    const billing = overview.sources.find((s) => s.sourceId === 'billing');
    expect(billing?.series).toEqual({ accepted: [0, 0, 0, 60, 30], duplicate: [0, 0, 0, 0, 3], quarantined: [0, 0, 0, 0, 0] });
    expect(billing?.totals).toEqual({ accepted: 90, duplicate: 3, quarantined: 0 });
    // (60 + 30 + 3) events over 60 + 30 seconds.
    expect(billing?.eventsPerSecond).toBe(1);
    expect(overview.sources.find((s) => s.sourceId === '_unknown')?.name).toBe('_unknown');
    expect(overview.totals).toEqual({ accepted: 90, duplicate: 3, quarantined: 3, eventsPerSecond: Math.round((94 / 90) * 10) / 10 });
  });

  it('derives the backlog at the end of each minute from the backlog now and the counts since', () => {
    const overview = buildOverview(
      input({
        ingest: [
          { minute: '2026-11-22T10:02', sourceId: 'billing', outcome: 'accepted', count: 100 },
          { minute: '2026-11-22T10:03', sourceId: 'billing', outcome: 'accepted', count: 50 },
          { minute: '2026-11-22T10:04', sourceId: 'billing', outcome: 'accepted', count: 10 },
          // Duplicates and refusals never reach the log.
          { minute: '2026-11-22T10:03', sourceId: 'billing', outcome: 'duplicate', count: 500 },
        ],
        pipeline: [
          { minute: '2026-11-22T10:02', batches: 1, events: 20, latencySumMs: 2000, latencyMaxMs: 100 },
          { minute: '2026-11-22T10:03', batches: 2, events: 90, latencySumMs: 9000, latencyMaxMs: 300 },
          { minute: '2026-11-22T10:04', batches: 1, events: 30, latencySumMs: 300, latencyMaxMs: 10 },
        ],
        position: {
          checkpointSeq: 140,
          checkpointUpdatedAt: '2026-11-22T10:04:29.000Z',
          lastSeq: 150,
          eventsBehind: 10,
          eventsBehindEstimated: false,
          oldestUnprocessedReceivedAt: '2026-11-22T10:04:20.000Z',
        },
      }),
    );
    // Now 10; end of 10:03: 10 − (10 − 30) = 30; end of 10:02: 30 − (50 − 90) = 70; end of 10:01: 70 − (100 − 20) = 0 (never below).
    expect(overview.pipeline.series.eventsBehind).toEqual([0, 0, 70, 30, 10]);
    expect(overview.pipeline.series.processed).toEqual([0, 0, 20, 90, 30]);
    expect(overview.pipeline).toMatchObject({ processed: 140, batches: 4, eventsBehind: 10, oldestUnprocessedAgeSeconds: 10 });
  });

  it('reads latency percentiles per minute and over the window from the merged buckets', () => {
    const overview = buildOverview(
      input({
        pipeline: [
          { minute: '2026-11-22T10:03', batches: 1, events: 120, latencySumMs: 119 * 10 + 400, latencyMaxMs: 400 },
          { minute: '2026-11-22T10:04', batches: 1, events: 80, latencySumMs: 80 * 20, latencyMaxMs: 20 },
        ],
        latency: [
          { minute: '2026-11-22T10:03', bucket: bucketOf(10), count: 119 },
          { minute: '2026-11-22T10:03', bucket: bucketOf(400), count: 1 },
          { minute: '2026-11-22T10:04', bucket: bucketOf(20), count: 80 },
        ],
      }),
    );
    const { latency } = overview;
    expect(latency.events).toBe(200);
    expect(latency.maxMs).toBe(400);
    expect(latency.meanMs).toBeCloseTo(15.95, 0);
    expect(latency.p50Ms).toBeCloseTo(10, -0.5);
    expect(latency.p95Ms).toBeCloseTo(20, -0.5);
    expect(latency.p99Ms).toBeCloseTo(20, -0.5);
    expect(latency.series.events).toEqual([0, 0, 0, 120, 80]);
    expect(latency.series.p50Ms.slice(0, 3)).toEqual([null, null, null]);
    expect(latency.series.p99Ms[3]).toBeCloseTo(10, -0.5);
    // The minute's true maximum caps its top percentile.
    expect(latency.series.maxMs[4]).toBe(20);
    expect(latency.series.p99Ms[4] as number).toBeLessThanOrEqual(20);
  });

  it('has no latency figures when nothing was processed', () => {
    expect(buildOverview(input()).latency).toMatchObject({ events: 0, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null, meanMs: null });
  });

  it('judges each source’s freshness against its SLA', () => {
    expect(buildOverview(input()).freshness).toEqual([
      {
        sourceId: 'billing',
        name: 'Billing',
        slaSeconds: 600,
        lastEventAt: '2026-11-22T10:00:00.000Z',
        secondsSinceLastEvent: 270,
        slaUsed: 0.45,
        status: 'fresh',
      },
      {
        sourceId: 'crm',
        name: 'CRM',
        slaSeconds: 60,
        lastEventAt: '2026-11-22T10:00:00.000Z',
        secondsSinceLastEvent: 270,
        slaUsed: 4.5,
        status: 'stale',
      },
      { sourceId: 'web', name: 'Web', slaSeconds: 60, lastEventAt: null, secondsSinceLastEvent: null, slaUsed: null, status: 'never' },
    ]);
  });
});
