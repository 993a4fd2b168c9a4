export { Pipeline, PIPELINE_CONSUMER, type BatchObserver, type PipelineStats, type ProfilesStep } from './pipeline.js';
