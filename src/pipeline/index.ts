export { Pipeline, PIPELINE_CONSUMER, type PipelineStats } from './pipeline.js';
