import type { SimEvent } from './sim-event.js';

/**
 * Where generators put events. The sink decides delivery (late, duplicated), breaks a few on
 * purpose and counts everything it injects, so event builders stay simple and pure.
 */
export interface EventSink {
  /** `faults: false` for events that must arrive as built (reference data, the initial load). */
  push(event: SimEvent, occurredMs: number, faults?: boolean): void;
  /** Decides (and counts) whether this event gets a placeholder identifier of the given kind. */
  placeholder(kind: string): boolean;
  /** Decides (and counts) whether this CRM / app msisdn is written in a national format. */
  nationalFormat(): boolean;
}
