import type { SimEvent } from './sim-event.js';

/**
 * The world re-cut into request-sized batches (500 events by default, the ingest API allows 1000),
 * for the load driver.
 */
export function* requestBatches(batches: Iterable<readonly SimEvent[]>, size = 500): Generator<SimEvent[]> {
  let current: SimEvent[] = [];
  for (const batch of batches) {
    for (const event of batch) {
      current.push(event);
      if (current.length === size) {
        yield current;
        current = [];
      }
    }
  }
  if (current.length > 0) yield current;
}

/** The same re-cut for an asynchronous stream of batches. */
export async function* requestBatchesAsync(batches: AsyncIterable<readonly SimEvent[]>, size = 500): AsyncGenerator<SimEvent[]> {
  let current: SimEvent[] = [];
  for await (const batch of batches) {
    for (const event of batch) {
      current.push(event);
      if (current.length === size) {
        yield current;
        current = [];
      }
    }
  }
  if (current.length > 0) yield current;
}
