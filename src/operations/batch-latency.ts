import { addSample, type LatencyBuckets } from './latency-histogram.js';

/** What the pipeline records of one batch: event received → batch committed, in whole milliseconds. */
export interface BatchLatency {
  readonly events: number;
  readonly sumMs: number;
  readonly maxMs: number;
  readonly buckets: LatencyBuckets;
}

/**
 * Summarises a batch's latencies at `committedAtMs`. Pure. Events of one ingest batch share
 * their `receivedAt` text, so it is parsed once per run of equal values, not once per event.
 * A received time after the commit (clocks of two hosts) counts as 0 ms.
 */
export const summariseBatch = (events: readonly { readonly receivedAt: string }[], committedAtMs: number): BatchLatency => {
  const buckets: LatencyBuckets = new Map();
  let sumMs = 0;
  let maxMs = 0;
  let lastText = '';
  let lastMs = 0;
  let runLength = 0;
  const flush = (): void => {
    if (runLength === 0) return;
    addSample(buckets, lastMs, runLength);
    sumMs += lastMs * runLength;
    if (lastMs > maxMs) maxMs = lastMs;
  };
  for (const event of events) {
    if (event.receivedAt === lastText && runLength > 0) {
      runLength++;
      continue;
    }
    flush();
    lastText = event.receivedAt;
    const received = Date.parse(event.receivedAt);
    lastMs = Number.isNaN(received) ? 0 : Math.max(0, Math.round(committedAtMs - received));
    runLength = 1;
  }
  flush();
  return { events: events.length, sumMs, maxMs, buckets };
};
