import { referenceEvents } from './customer-events.js';
import { FaultingSink } from './faults.js';
import type { ScenarioSummary, TruthSink } from './ground-truth.js';
import { loadAccount } from './initial-load.js';
import { lineProfile } from './line-profile.js';
import { lineSlice, type SliceContext } from './line-slice.js';
import { DAY_MS, type SimulationOptions } from './options.js';
import { BLOCK, blockLayout } from './population.js';
import { streamOf } from './prng.js';
import { ScenarioCounter } from './scenario-counter.js';
import type { Emitted, SimEvent } from './sim-event.js';

/**
 * The synthetic operator as a stream of event batches: reference data, then the initial load of
 * every account (with the ground truth), then a sweep over simulated time in slices. Within a slice
 * every line is visited and what it did is collected, sorted by delivery time and released; what is
 * due later (the rest of a data session, a late or duplicated delivery) waits in a small pending
 * buffer. Memory is bounded by one slice's events, never by the population.
 */

const SALT = { faultsLoad: 501, faultsSlice: 502 } as const;
const BATCH = 5000;
const SLICE_TARGET_EVENTS = 300_000;
const SLICE_MINUTES = [60, 30, 20, 15, 10, 5] as const;

export interface World {
  readonly options: SimulationOptions;
  readonly sliceMs: number;
  readonly counter: ScenarioCounter;
  /** Event batches in delivery order. Pass a truth sink to receive the ground truth as it is decided. */
  batches(truth?: TruthSink): Generator<SimEvent[]>;
  summary(): ScenarioSummary;
}

/** Events per line and day, roughly, for sizing slices and progress bars. */
export const eventsPerLineDay = (options: SimulationOptions): number => {
  const v = options.volumes;
  return v.dataRecords + v.voiceCalls + v.locationUpdates + v.domainVisits + v.appEvents * 0.8 + 0.6;
};

export const estimateEvents = (options: SimulationOptions): number =>
  Math.round(options.subscribers * (options.days * eventsPerLineDay(options) + 3.5));

export const createWorld = (options: SimulationOptions): World => {
  const perMinute = (options.subscribers * eventsPerLineDay(options)) / 1440;
  const minutes = SLICE_MINUTES.find((m) => m * perMinute <= SLICE_TARGET_EVENTS) ?? 5;
  const sliceMs = minutes * 60_000;
  const counter = new ScenarioCounter();

  function* batches(truth?: TruthSink): Generator<SimEvent[]> {
    const { seed, subscribers, start, days, rates } = options;
    const end = start + days * DAY_MS;
    const sink = new FaultingSink(options, counter, truth);
    const release = function* (items: readonly Emitted[]): Generator<SimEvent[]> {
      for (let i = 0; i < items.length; i += BATCH) {
        const n = Math.min(BATCH, items.length - i);
        const batch = new Array<SimEvent>(n);
        for (let j = 0; j < n; j++) {
          const event = (items[i + j] as Emitted).event;
          counter.event(event.source, event.type);
          batch[j] = event;
        }
        yield batch;
      }
    };

    const reference = referenceEvents(start);
    for (const e of reference) counter.event(e.source, e.type);
    yield reference;

    const blocks = Math.ceil(subscribers / BLOCK);
    for (let block = 0; block < blocks; block++) {
      sink.begin(streamOf(seed, SALT.faultsLoad, block), false);
      for (const account of blockLayout(seed, block, subscribers, rates)) {
        loadAccount(options, account, sink, truth, counter);
        if (sink.out.length >= BATCH) yield* release(sink.out.splice(0));
      }
      yield* release(sink.out.splice(0));
    }

    const ctx: SliceContext = { options, sliceMs, end, lines: subscribers };
    let pending: Emitted[] = [];
    const slices = Math.round((days * DAY_MS) / sliceMs);
    for (let slot = 0; slot < slices; slot++) {
      const s0 = start + slot * sliceMs;
      const day = Math.floor((s0 - start) / DAY_MS);
      sink.begin(streamOf(seed, SALT.faultsSlice, slot), day === options.driftDay);
      for (let block = 0; block < blocks; block++) {
        for (const account of blockLayout(seed, block, subscribers, rates)) {
          for (let offset = 0; offset < account.size; offset++) lineSlice(ctx, sink, lineProfile(options, account, offset), slot, s0);
        }
      }
      const all = pending.length > 0 ? pending.concat(sink.out.splice(0)) : sink.out.splice(0);
      all.sort(byDelivery);
      const last = slot === slices - 1;
      const cut = last ? all.length : firstAtOrAfter(all, s0 + sliceMs);
      pending = all.slice(cut);
      yield* release(all.slice(0, cut));
    }
  }

  return {
    options,
    sliceMs,
    counter,
    batches,
    summary: () => ({
      seed: options.seed,
      subscribers: options.subscribers,
      days: options.days,
      start: new Date(options.start).toISOString(),
      counts: sortKeys(counter.counts),
      rates: { ...options.rates },
      events: sortKeys(counter.events),
    }),
  };
};

const byDelivery = (a: Emitted, b: Emitted): number => a.at - b.at || a.seq - b.seq;

const firstAtOrAfter = (items: readonly Emitted[], t: number): number => {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid] as Emitted).at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

const sortKeys = (record: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
