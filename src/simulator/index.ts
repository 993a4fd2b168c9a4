export { createWorld, estimateEvents, eventsPerLineDay, type World } from './world.js';
export {
  resolveOptions,
  seedOf,
  DEFAULT_RATES,
  DEFAULT_START,
  DEFAULT_VOLUMES,
  DEMO_VOLUMES,
  type ScenarioRates,
  type SimulationInput,
  type SimulationOptions,
  type Volumes,
} from './options.js';
export type { SimEvent } from './sim-event.js';
export { requestBatches, requestBatchesAsync } from './batches.js';
export { runLoad, formatLoadSummary, LoadError, type LoadOptions, type LoadProgress, type LoadSummary, type LatencySummary } from './load-driver.js';
export { writeWorldToFiles, NdjsonSourceWriter, type FileRunOptions, type FileRunResult } from './ndjson-output.js';
export {
  TruthFileWriter,
  readTruth,
  readScenarios,
  ownerAt,
  TRUTH_FILES,
  type AccountTruth,
  type IdentifierTruth,
  type InjectedTruth,
  type LineTruth,
  type OrganisationTruth,
  type PersonTruth,
  type ScenarioSummary,
  type TruthSink,
} from './ground-truth.js';
export { MemoryTruth } from './memory-truth.js';
