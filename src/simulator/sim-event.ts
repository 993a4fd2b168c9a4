/** A native ingest envelope, as `POST /v1/events` takes it (src/ingest/ingest.schemas.ts). */
export interface SimEvent {
  readonly source: string;
  readonly type: string;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly identifiers?: Record<string, string>;
  readonly properties: Record<string, unknown>;
}

/** What the generator knows about an event beyond its envelope: when it is delivered, and why. */
export interface Emitted {
  /** Delivery time (ms): the occurrence time, or later for a late or duplicated event. */
  readonly at: number;
  readonly seq: number;
  readonly event: SimEvent;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** ISO 8601 in a local UTC offset, as CRM and billing systems write their dates: 2026-01-05T18:00:00+03:00. */
export const isoLocal = (ms: number, offsetHours: number): string => {
  const local = new Date(ms + offsetHours * 3_600_000).toISOString().slice(0, 19);
  const sign = offsetHours >= 0 ? '+' : '-';
  return `${local}${sign}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`;
};

export const money = (value: number, unit = 'RUB'): { value: number; unit: string } => ({ value: Math.round(value * 100) / 100, unit });

/** Compact, deterministic event ids: kind, line, time slot and ordinal in base 36. */
export const eventIdOf = (kind: string, line: number, slot: number, n: number): string =>
  `${kind}-${line.toString(36)}-${slot.toString(36)}-${n.toString(36)}`;
