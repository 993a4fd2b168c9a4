import { BUILTIN_CONTRACTS } from '../contracts/index.js';
import type { EventSink } from './event-sink.js';
import type { TruthSink } from './ground-truth.js';
import type { SimulationOptions } from './options.js';
import { Prng } from './prng.js';
import type { ScenarioCounter } from './scenario-counter.js';
import type { Emitted, SimEvent } from './sim-event.js';

/**
 * The imperfections of real feeds, injected on purpose and recorded in the ground truth: events
 * that break their contract, one source changing shape without notice for a day, placeholder
 * identifiers, national phone formats, late and duplicated deliveries.
 */

const REQUIRED = new Map<string, readonly string[]>(
  BUILTIN_CONTRACTS.flatMap((c) => c.eventTypes.map((t) => [`${c.source.id}/${t.type}`, (t.schema.required as string[] | undefined) ?? []] as const)),
);

export type BreakKind = 'missing_required' | 'wrong_type' | 'undeclared_field';

/** A copy of the event that fails its contract schema, and how it was broken. */
export const breakEvent = (event: SimEvent, rng: Prng): { event: SimEvent; kind: BreakKind } => {
  const properties: Record<string, unknown> = { ...event.properties };
  const required = REQUIRED.get(`${event.source}/${event.type}`) ?? [];
  const keys = Object.keys(properties);
  const roll = rng.next();
  let kind: BreakKind = 'undeclared_field';
  if (roll < 0.4 && required.length > 0) {
    kind = 'missing_required';
    delete properties[required[Math.floor(rng.next() * required.length)] as string];
  } else if (roll < 0.75 && keys.length > 0) {
    kind = 'wrong_type';
    const key = keys[Math.floor(rng.next() * keys.length)] as string;
    const value = properties[key];
    properties[key] = typeof value === 'string' ? 12345 : typeof value === 'number' ? 'n/a' : typeof value === 'boolean' ? 'yes' : 'invalid';
  } else {
    properties.legacyCode = 'X1';
  }
  return { event: { ...event, properties }, kind };
};

/** The app's SDK release of the drift day renames `appVersion` to `app_version` without a new contract version. */
export const driftEvent = (event: SimEvent): SimEvent => {
  const { appVersion, ...rest } = event.properties;
  return { ...event, properties: { ...rest, app_version: appVersion } };
};

const HOUR = 3_600_000;

/** The sink used by the generator: collects emitted events, injecting and counting faults. */
export class FaultingSink implements EventSink {
  readonly out: Emitted[] = [];
  #seq = 0;
  #rng = new Prng(0);
  #drift = false;
  #placeholder: string | undefined;
  readonly #options: SimulationOptions;
  readonly #counter: ScenarioCounter;
  readonly #truth: TruthSink | undefined;

  constructor(options: SimulationOptions, counter: ScenarioCounter, truth: TruthSink | undefined) {
    this.#options = options;
    this.#counter = counter;
    this.#truth = truth;
  }

  /** Starts a slice (or a block of the initial load) with its own stream. */
  begin(rng: Prng, drift: boolean): void {
    this.#rng = rng;
    this.#drift = drift;
  }

  placeholder(kind: string): boolean {
    if (!this.#rng.chance(this.#options.rates.placeholderShare)) return false;
    this.#placeholder = kind;
    return true;
  }

  nationalFormat(): boolean {
    const yes = this.#rng.chance(this.#options.rates.nationalFormatShare);
    if (yes) this.#counter.add('nationalFormatMsisdns');
    return yes;
  }

  push(event: SimEvent, occurredMs: number, faults = true): void {
    const rng = this.#rng;
    const rates = this.#options.rates;
    const placeholder = this.#placeholder;
    this.#placeholder = undefined;
    if (placeholder !== undefined) this.#inject('placeholder', event, placeholder);
    if (!faults) return this.#emit(occurredMs, event);
    this.#counter.add('faultableEvents');
    if (placeholder === undefined && rng.chance(rates.brokenShare)) {
      const broken = breakEvent(event, rng);
      this.#inject('broken', broken.event, broken.kind);
      return this.#emit(occurredMs, broken.event);
    }
    if (this.#drift && event.source === this.#options.driftSource && event.type === 'app_open') {
      const drifted = driftEvent(event);
      this.#inject('drift', drifted, 'appVersion renamed app_version');
      return this.#emit(occurredMs, drifted);
    }
    let at = occurredMs;
    if (rng.chance(rates.lateShare)) {
      at += HOUR + Math.floor(rng.next() * 11 * HOUR);
      this.#inject('late', event, String(Math.round((at - occurredMs) / 60_000)));
    }
    this.#emit(at, event);
    if (rng.chance(rates.duplicateShare)) {
      this.#inject('duplicate', event);
      this.#emit(at + 60_000 + Math.floor(rng.next() * 3 * HOUR), event);
    }
  }

  #emit(at: number, event: SimEvent): void {
    this.out.push({ at, seq: this.#seq++, event });
  }

  #inject(kind: 'broken' | 'drift' | 'placeholder' | 'late' | 'duplicate', event: SimEvent, detail?: string): void {
    this.#counter.add(`injected.${kind}`);
    this.#truth?.injected({ kind, source: event.source, type: event.type, eventId: event.eventId, ...(detail !== undefined ? { detail } : {}) });
  }
}
