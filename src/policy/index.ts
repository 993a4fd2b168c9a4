/*
 * Policy (issue 7, part B): the attribute catalogue, consumers (channels), versioned Cedar policy
 * sets with cached decisions, the enforcement helpers every exit uses, and the disclosure log.
 * The consent ledger (src/consent) supplies the consent evidence decisions are made on.
 * docs/policy.md describes the model and the API.
 */
export {
  ATTRIBUTE_CLASSES,
  CLASS_PURPOSES,
  PURPOSES,
  SENSITIVITY,
  isAttributeClass,
  mostSensitive,
  type AttributeClass,
  type Purpose,
} from './attribute-classes.js';
export {
  attributesByClass,
  buildAttributeCatalogue,
  classificationsOfContracts,
  type AttributeCatalogue,
  type AttributeKind,
  type CatalogueAttribute,
  type CatalogueInput,
  type EventClassifications,
} from './attribute-catalogue.js';
export { registryAttributeCatalogue } from './registry-catalogue.js';
export {
  EXPLICIT_CONSENT,
  NO_CONSENT,
  SIGNALS,
  consentKey,
  evidenceOf,
  type ConsentEvidence,
  type ConsentInput,
} from './consent-evidence.js';
export { evidenceFromDecision, ledgerConsent } from './ledger-consent.js';
export { CONSUMER_KINDS, adChannelOf, checkConsumerDraft, type Consumer, type ConsumerDraft, type ConsumerKind } from './consumer.js';
export { CEDAR_SCHEMA, DEFAULT_POLICY_TEXT } from './default-policy.js';
export {
  DEFAULT_DENY,
  cedarVersion,
  compilePolicySet,
  evaluatePolicy,
  policyIdsOf,
  type CompiledPolicySet,
  type Decision,
  type PolicyConsumer,
  type PolicyRequest,
} from './policy-engine.js';
export { PolicyDecider } from './policy-decider.js';
export {
  DISCLOSURE_EXITS,
  buildDisclosureRecord,
  filterMembersByConsent,
  projectProfile,
  type DisclosureExit,
  type DisclosureInput,
  type DisclosureRecord,
  type MemberFilter,
  type Projection,
  type RedactedAttribute,
} from './enforcement.js';
export { ConsumerService, DEFAULT_CONSUMER_SCOPES, type ConsumerRegistration } from './consumers.service.js';
export { CONSUMER_NOT_ACTIVE, PolicyService, type DecisionContext } from './policy.service.js';
export { registerConsumerRoutes, registerDisclosureRoutes, registerPolicyRoutes } from './policy.routes.js';
export { benchConsentFilter, benchPolicyDecisions, type ConsentFilterBenchResult, type PolicyBenchResult } from './policy-bench.js';
export { profileReadExit, type ProfileDisclosure, type ProfileReadExit } from './profile-exit.js';
