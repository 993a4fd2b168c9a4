import type { Selectable } from 'kysely';
import type { OutboxTable } from '../storage/index.js';

/*
 * Outbox messages as CloudEvents 1.0 in structured JSON mode (CloudEvents spec §3.1 and the JSON
 * format spec): `specversion`, `id`, `source`, `type`, `subject`, `time`, `datacontenttype`,
 * `data`. The id is the outbox id, the same on every transport and every redelivery, so a
 * receiver deduplicates by it; the type is versioned (`tessera.audience.entered.v1`), so a
 * breaking change of `data` comes as `.v2` beside it.
 */

export const CLOUD_EVENT_SOURCE = '/tessera';

export interface OutboxMessage {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly data: unknown;
  readonly createdAt: string;
}

export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: unknown;
}

export const outboxRowToMessage = (row: Selectable<OutboxTable>): OutboxMessage => ({
  id: row.id,
  type: row.type,
  subject: row.subject,
  data: JSON.parse(row.data) as unknown,
  createdAt: row.created_at,
});

/** `audience.entered` → `tessera.audience.entered.v1`. */
export const cloudEventType = (type: string): string => `tessera.${type}.v1`;

/** `audience.entered` → `tessera.audience.entered`: the NATS subject of a message type. */
export const natsSubjectOf = (type: string): string => `tessera.${type}`;

export const toCloudEvent = (message: OutboxMessage, data: unknown = message.data): CloudEvent => ({
  specversion: '1.0',
  id: message.id,
  source: CLOUD_EVENT_SOURCE,
  type: cloudEventType(message.type),
  subject: message.subject,
  time: message.createdAt,
  datacontenttype: 'application/json',
  data,
});
