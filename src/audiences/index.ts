/*
 * Audiences (issue 6). The pure core: the rule language, its field catalogue, validation, the
 * incremental and bulk evaluators (which must agree), the dependency index, the rendering in
 * words, and holdouts. Around it, definitions as a stored, versioned resource: the store, the
 * service and the /v1/audiences routes. docs/audiences.md describes the rule format and storage.
 */
export {
  ATTRIBUTE_OPERATORS,
  COMBINATORS,
  COUNT_OPS,
  ENTITY_TYPES,
  MEMBER_QUANTIFIERS,
  type AttributeOperator,
  type AttributeRule,
  type AudienceDefinition,
  type AudienceRule,
  type Combinator,
  type ConsentRule,
  type CountOp,
  type EntityType,
  type EventRule,
  type EventWindow,
  type MemberQuantifier,
  type PropertyFilter,
  type Rule,
  type RuleGroup,
} from './rule.js';
export { FIELD_TYPES, OPERATORS_BY_TYPE, type FieldType, type FieldValue } from './field-types.js';
export {
  buildFieldCatalogue,
  DEFAULT_CATALOGUE,
  DEFAULT_CONSENT,
  FIELD_DOMAINS,
  findField,
  operatorsFor,
  type CatalogueOptions,
  type ConsentVocabulary,
  type FieldCatalogue,
  type FieldDefinition,
  type FieldDomain,
} from './field-catalogue.js';
export { eventCatalogueOf, type EventCatalogue, type EventTypeDefinition, type PropertyDefinition } from './event-catalogue.js';
export type { Condition, GroupCondition, ValidAudience } from './conditions.js';
export { checkAudience, validateAudience, type CheckResult, type ValidationContext } from './validate.js';
export { ISSUE_CODES, type IssueCode, type ValidationIssue } from './validation-issues.js';
export { findCycle, referencesOf, type AudienceLookup, type StoredAudience } from './audience-references.js';
export {
  eventHistoryOf,
  type AudienceInput,
  type ConsentLookup,
  type EventHistory,
  type EventOccurrence,
  type MembershipLookup,
} from './audience-input.js';
export { profileFields, type ProfileSnapshot } from './profile-fields.js';
export { compileAudience, type CompiledAudience } from './evaluate.js';
export type { ConditionResult, Evaluation, Evidence } from './explanation.js';
export { dependenciesOf, type AudienceDependencies, type DependencySet } from './dependencies.js';
export { DependencyIndex, type InputChange } from './dependency-index.js';
export {
  booleanColumn,
  ColumnStore,
  dictionaryColumn,
  numberColumn,
  type Column,
  type ColumnStoreParts,
  type EventColumn,
  type MemberIndex,
} from './columns.js';
export { columnsFromInputs, type ColumnNeeds } from './columns-from-inputs.js';
export { scanAudience } from './bulk-evaluate.js';
export {
  breakdownAudience,
  overlapAudiences,
  overlapOf,
  previewAudience,
  sampleMembers,
  type Breakdown,
  type ConditionBreakdown,
  type Overlap,
  type Preview,
} from './audience-analysis.js';
export { renderAudience, renderCondition, type RenderOptions } from './render.js';
export { HOLDOUT_BUCKETS, holdoutBucket, isHeldOut } from './holdout.js';
export { benchAudienceCount, type CountBenchResult } from './count-bench.js';
export {
  AUDIENCE_MODES,
  AUDIENCE_STATUSES,
  checkAudienceId,
  holdoutBasisPoints,
  readSettings,
  sameRule,
  type Audience,
  type AudienceDraft,
  type AudienceMode,
  type AudienceSettings,
  type AudienceStatus,
  type AudienceVersion,
  type Schedule,
  type StoredDefinition,
} from './audience-resource.js';
export { fieldGuide, registryCatalogue, type FieldGuide } from './audience-catalogue.js';
export { audiencesStore, type CurrentAudience, type VersionSummary } from './audiences.store.js';
export { AudienceService, type AudienceDetail, type AudienceServiceDeps, type DraftCheck } from './audiences.service.js';
export { registerAudienceRoutes } from './audiences.routes.js';
export { activeAudiences, type ActiveAudience, type ActiveAudiences } from './active-audiences.js';
export { decodeActivity, historyOf, trackedEventsOf, type Activity, type TrackedEvent, type TrackedEvents } from './activity.js';
export { InputLoader, type InputSources } from './audience-inputs.js';
export { membershipStore, type MemberRow } from './membership.store.js';
export { MembershipStage, type MembershipReason, type MembershipStageDeps } from './membership-stage.js';
export { AudienceInsights, type Explanation, type PreviewResult } from './audience-insights.js';
export { changeFeedOf, type ChangeFeed } from './profile-changes.js';
export { ResidentPersons, residentEventsFitting, type ResidentFigures } from './resident-persons.js';
export { COMMON_EVENT_TYPES, COMMON_FIELDS } from './resident-preload.js';
export { registerAudienceInsightRoutes } from './insights.routes.js';
