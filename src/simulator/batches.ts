import type { TruthSink } from './ground-truth.js';
import { resolveOptions, type SimulationInput } from './options.js';
import type { SimEvent } from './sim-event.js';
import { createWorld } from './world.js';

/**
 * The world re-cut into request-sized batches (500 events by default, the ingest API allows 1000),
 * for the load driver and `npm run bench`.
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

/** Batches of a freshly generated world of `input.subscribers` lines; generation is lazy and streamed. */
export const simulatedBatches = (input: SimulationInput, batchSize = 500, truth?: TruthSink): Iterable<SimEvent[]> =>
  requestBatches(createWorld(resolveOptions(input)).batches(truth), batchSize);

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
