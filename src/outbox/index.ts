/*
 * The outbox as every exit reads it (SSE, NATS, webhooks, later campaigns): messages as CloudEvents
 * 1.0, and what a consumer may see of one — the class it discloses, decided by the policy on the
 * subject's consent, and its data field by field.
 */
export {
  CLOUD_EVENT_SOURCE,
  cloudEventType,
  natsSubjectOf,
  outboxRowToMessage,
  toCloudEvent,
  type CloudEvent,
  type OutboxMessage,
} from './cloud-event.js';
export { MESSAGE_CLASS, projectMessage, WITHHELD_RULE, type MessageProjection, type ProjectionPorts } from './message-projection.js';
export { isRemoveOperation, removeOperationNames } from './remove-operation.js';
