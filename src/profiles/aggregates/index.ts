/*
 * Declared rolling aggregates (issue 5, part 2): the pure core. No I/O: the pipeline loads each
 * affected person's states, applies events with `applyEvent`, and writes them back; the scheduler
 * wakes a person at `nextChange` and reads `readWindows`.
 */
export {
  AGGREGATIONS,
  DAY_WINDOWS,
  DEFAULT_DECIMALS,
  MAX_RECENT_EVENTS,
  UNITS,
  compileAggregate,
  validateDefinition,
  validateDefinitions,
  type AggregateDefinition,
  type AggregateUnit,
  type Aggregation,
  type CompiledAggregate,
  type DayWindowName,
  type DefinitionError,
  type DefinitionErrorCode,
  type DefinitionResult,
  type RecentWindowName,
  type ValidationOptions,
  type WindowName,
  type WindowSpan,
} from './definitions.js';
export { DEFAULT_AGGREGATES, DEFAULT_HOME_PLMNS, defaultAggregates, type DefaultAggregateOptions } from './default-aggregates.js';
export { compileExpression, expressionPaths, truthy, VARIABLES, type CompiledExpression, type EvalContext } from './expression.js';
export { ExpressionError, parseExpression, type ExpressionNode } from './expression-parser.js';
export {
  DEFAULT_FUTURE_TOLERANCE_MS,
  DEFAULT_LATE_HORIZON_DAYS,
  applyEvent,
  earliestChangeDay,
  emptyState,
  packState,
  pruneState,
  restoreState,
  unpackState,
  type AggregateEvent,
  type AggregateState,
  type ApplyOptions,
  type ApplyOutcome,
  type DayBucket,
  type PackedAggregateState,
  type RecentEvent,
  type RestoreStatus,
} from './aggregate-state.js';
export {
  approximateWindows,
  dailyValues,
  nextChange,
  readWindows,
  type AggregateValue,
  type DailyValue,
  type ReadOptions,
  type WindowValues,
} from './windows.js';
export { recomputeWindows } from './recompute.js';
export { DISTINCT_CAP_PER_DAY } from './values.js';
