export {
  idempotencyKey,
  type AppendRecord,
  type EventLog,
  type EventPayload,
  type IngestChannel,
  type LoggedEvent,
  type PartitionScope,
} from './event-log.js';
export { createSqlEventLog, readEventsBySeq } from './sql-event-log.js';
export { startRetentionJob } from './retention.js';
export { appendSignal, type AppendSignal } from './append-signal.js';
