export {
  IngestService,
  type IngestMetrics,
  type IngestOptions,
  type BatchResult,
  type EventResult,
  type NativeAnswer,
} from './ingest.service.js';
export { IngestThread, type Ingestor } from './ingest.thread.js';
export { parseJsonBody, readNativeBatch, type NativeBatchLimits } from './native-batch.js';
export { QuarantineService, type ReplayReport, type ReplaySelection } from './quarantine.service.js';
export { REASON_CODES, type Reason, type ReasonCode } from './reasons.js';
export { mapSegmentMessage, toEventType } from './segment-mapping.js';
export { checkEvent, type CheckContext, type CheckResult } from './event-check.js';
export { registerIngestRoutes } from './ingest.routes.js';
export { registerSegmentRoutes } from './segment.routes.js';
export { registerQuarantineRoutes } from './quarantine.routes.js';
export { registerSourceStatsRoutes } from './source-stats.routes.js';
