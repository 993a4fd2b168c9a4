/*
 * Activation (issue 8, parts 4, 5 and 7; issue 7, parts 7 and 9): outbox messages as CloudEvents
 * over server-sent events and NATS JetStream, audience exports to consumers with their
 * legal-basis report, and every loss of consent (withdrawal, deny, expiry) propagated as a remove
 * operation. docs/activation.md.
 */
export { compareCursors, formatCursor, parseCursor, type OutboxCursor } from './outbox-cursor.js';
export { OutboxTail, type OutboxTailOptions } from './outbox-tail.js';
export { filterMessagesFor, type StreamReader } from './outbox-access.js';
export { DEFAULT_SSE_OPTIONS, type SseOptions } from './sse-connection.js';
export { registerStreamRoutes } from './stream.routes.js';
export { NATS_STREAM, NatsPublisher, type NatsPublisherDeps } from './nats-publisher.js';
export { diffMembers, memberColumns, renderCsv, type ExportFormat, type ExportMode } from './audience-export.js';
export { ExportService, type ExportRequest } from './exports.service.js';
export type { AudienceExport } from './exports.store.js';
export { buildLegalBasisReport, type LegalBasisReport } from './legal-basis-report.js';
export { registerExportRoutes } from './exports.routes.js';
export { withdrawalPropagation } from './withdrawal-propagation.js';
export { purposeChangePropagation } from './purpose-change-propagation.js';
export { removeOperationId, type LossAction, type RemoveOperation } from './remove-operations.js';
export { ConsentLapsePropagation, isLoss, type ConsentLapsePropagationDeps } from './consent-lapse-propagation.js';
