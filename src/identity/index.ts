export {
  DEFAULT_IDENTIFIER_REGISTRY,
  IDENTIFIER_CLASSES,
  IDENTIFIER_FORMATS,
  ROUTING_ORDER,
  isIdentifierType,
  isMergeKeyClass,
  overrideIdentifierRegistry,
  withIdentifierPolicy,
  type IdentifierClass,
  type IdentifierFormat,
  type IdentifierLimit,
  type IdentifierPolicy,
  type IdentifierRegistry,
  type RegistryProblem,
} from './identifier-types.js';
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
  ttlBoundaries,
  type GraphInput,
  type GraphResult,
  type GraphRules,
  type GraphNode,
  type GraphFinding,
  type LinkReason,
  type Person,
} from './identity-graph.js';
export { messageId, type IdentityMessage, type IdentityMessageType } from './identity-messages.js';
export { assignProfiles, type AssignedPerson, type PreviousProfile, type ProfileChanges } from './profile-assignment.js';
export { IdentityStage, type IdentityRules, type IdentityBatchResult } from './identity-stage.js';
export { identityStore, type StoredNode } from './identity.store.js';
export { measureIdentityIndexMemory, type IdentityIndexMemory } from './identity-index-memory.js';
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
