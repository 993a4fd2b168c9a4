import type { Db } from '../storage/index.js';

/** What an accepted event carries into the log besides its envelope columns. */
export interface EventPayload {
  /** Normalised identifiers, e.g. `{ msisdn: "+79161234567" }`. */
  readonly identifiers: Readonly<Record<string, string>>;
  /** The raw value of every identifier whose normalised form differs from what was sent. */
  readonly rawIdentifiers?: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly context?: Readonly<Record<string, unknown>>;
  /** How the event arrived: native batch API, Segment-compatible API, or a quarantine replay. */
  readonly channel: IngestChannel;
}

export type IngestChannel = 'native' | 'segment' | 'replay';

export interface AppendRecord {
  readonly partition: number;
  readonly sourceId: string;
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
  readonly schemaVersion: number;
  readonly payload: EventPayload;
}

export interface LoggedEvent extends AppendRecord {
  readonly seq: number;
}

/** Partition scope of a consumer: one partition, or every partition in sequence order. */
export type PartitionScope = number | 'all';

/**
 * The event log port. Appends are idempotent per (source, eventId) and run inside the caller's
 * transaction, so the ingest answer is given only after the commit. Consumers read a batch after
 * their checkpoint and commit the new checkpoint in the same transaction as their own writes.
 */
export interface EventLog {
  /** Appends the records; returns the seq of each inserted record keyed by `sourceId␀eventId`. */
  append(trx: Db, records: readonly AppendRecord[]): Promise<Map<string, number>>;
  find(db: Db, sourceId: string, eventId: string): Promise<LoggedEvent | undefined>;
  read(db: Db, consumer: string, scope: PartitionScope, limit: number): Promise<LoggedEvent[]>;
  /** Up to `limit` events after `seq`, in log order, whatever any consumer has read (training, audits). */
  after(db: Db, seq: number, limit: number): Promise<LoggedEvent[]>;
  /** The events with these sequence numbers (a timeline page; at most a few hundred), newest first. */
  bySeq(db: Db, seqs: readonly number[]): Promise<LoggedEvent[]>;
  checkpoint(db: Db, consumer: string, scope: PartitionScope): Promise<number>;
  commit(trx: Db, consumer: string, scope: PartitionScope, seq: number): Promise<void>;
  /** Deletes events received before `before` that every consumer has passed; returns the count. */
  prune(db: Db, before: string): Promise<number>;
  stats(db: Db): Promise<{ events: number; lastSeq: number }>;
}

export const idempotencyKey = (sourceId: string, eventId: string): string => `${sourceId}\u0000${eventId}`;
