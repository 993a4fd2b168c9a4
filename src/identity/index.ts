export { IDENTIFIER_TYPES, ROUTING_ORDER, isIdentifierType, type IdentifierType, type IdentifierClass } from './identifier-types.js';
export { normaliseIdentifier, IdentifierNormaliser, type NormaliseResult } from './normalise.js';
export { placeholderReason } from './placeholders.js';
export { BlockedIdentifiers, type BlockedIdentifier } from './blocked-identifiers.js';
export { registerBlockedIdentifierRoutes } from './blocked-identifiers.routes.js';
export { observe, type Observation, type ObservableEvent, type EventRef, type IdRef, type AccountRole } from './observe.js';
export {
  resolveGraph,
  compareEvents,
  linkKey,
  valueKey,
  DEFAULT_GRAPH_RULES,
  type GraphInput,
  type GraphResult,
  type GraphRules,
  type GraphNode,
  type GraphFinding,
  type LinkReason,
  type Person,
} from './identity-graph.js';
export { assignProfiles, type AssignedPerson, type PreviousProfile, type ProfileChanges } from './profile-assignment.js';
export { IdentityStage, type IdentityRules, type IdentityBatchResult } from './identity-stage.js';
export { registerIdentityRoutes } from './identity.routes.js';
export {
  identityReport,
  occurrencesOf,
  scenarioTagsOf,
  type IdentityReport,
  type IdentityTruth,
  type Occurrence,
  type PairwiseScores,
  type ResolvedNode,
} from './identity-report.js';
