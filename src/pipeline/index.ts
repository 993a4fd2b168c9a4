export { Pipeline, PIPELINE_CONSUMER, type PipelineStats, type ProfilesStep } from './pipeline.js';
