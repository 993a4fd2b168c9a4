export { OperationsRecorder, RETENTION_MINUTES, recordIngestOutcomes } from './operations-recorder.js';
export { registerOverviewRoutes } from './overview.routes.js';
export { readOverview } from './overview.service.js';
export { buildOverview, type Overview, type OverviewInput } from './overview.js';
