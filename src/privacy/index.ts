/*
 * Data-subject requests (issue 7.8): access and erasure over the API, audited; tombstones that
 * keep erased persons out of the pipeline. docs/privacy.md describes the model and the API.
 */
export {
  REQUEST_KINDS,
  likeContaining,
  nodeAt,
  planErasure,
  releaseWindows,
  type TombstoneWindow,
  type ErasurePlan,
  type PrivacyRequest,
  type PrivacyRequestKind,
  type PrivacyRequestStatus,
  type SubjectNode,
} from './privacy-model.js';
export { TombstoneSet, tombstoneBucket, tombstoneHash, tombstoneOf, type Tombstone } from './tombstones.js';
export { ERASURE_LOCK_ID, ErasureGuard } from './erasure-guard.js';
export { eraseSubject, type ErasureCounts, type ErasureOutcome } from './erasure.js';
export { PrivacyService, type PrivacyServiceDeps, type Requester } from './privacy.service.js';
export { registerPrivacyRoutes } from './privacy.routes.js';
