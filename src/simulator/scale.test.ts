import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.js';
import { createWorld } from './world.js';

/** Streams a world into a sink that only serialises, sampling the heap after every batch. */
const stream = (subscribers: number, days: number): { events: number; seconds: number; peakHeapMb: number } => {
  const world = createWorld(resolveOptions({ seed: 1, subscribers, days }));
  const started = performance.now();
  let events = 0;
  let bytes = 0;
  let peak = 0;
  for (const batch of world.batches()) {
    for (const e of batch) bytes += JSON.stringify(e).length;
    events += batch.length;
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  expect(bytes).toBeGreaterThan(events * 100);
  return { events, seconds: (performance.now() - started) / 1000, peakHeapMb: peak / 1e6 };
};

describe('scale', () => {
  it('streams 20k subscribers × 1 day at default volumes (over a million events) within the time bound', () => {
    const run = stream(20_000, 1);
    expect(run.events).toBeGreaterThan(1_000_000);
    // About 20 s on the 2-core machine; the bound leaves room for a loaded CI runner.
    expect(run.seconds).toBeLessThan(90);
  }, 120_000);

  it('keeps the heap flat as the population grows: it is bounded by one time slice, not by the world', () => {
    const small = stream(3_000, 2);
    const large = stream(12_000, 2);
    expect(large.events).toBeGreaterThan(3 * small.events);
    // Four times the world, far less than four times the heap (slices hold ~1/24 of a day).
    expect(large.peakHeapMb).toBeLessThan(small.peakHeapMb + 250);
    expect(large.peakHeapMb).toBeLessThan(2.5 * small.peakHeapMb + 50);
  }, 120_000);

  it('shortens the time slice as the population grows so that a slice stays bounded', () => {
    const slice = (subscribers: number) => createWorld(resolveOptions({ seed: 1, subscribers, days: 1 })).sliceMs / 60_000;
    expect(slice(1_000)).toBe(60);
    expect(slice(1_000_000)).toBeLessThan(slice(100_000));
    expect(slice(1_000_000)).toBe(5);
  });
});
