export {
  BASE_CHANNELS,
  CONSENT_ACTIONS,
  CONSENT_BASES,
  LEGAL_BASES,
  channelAlias,
  isAdChannel,
  isChannel,
  type ConsentAction,
  type ConsentEvent,
  type ConsentEventDraft,
  type ConsentIssue,
  type ConsentProof,
  type ConsentSource,
  type LegalBasis,
  type Notice,
  type Purpose,
} from './consent-model.js';
export { GENESIS_HASH, chainEvent, consentEventHash, verifyChain, type ChainVerification } from './consent-chain.js';
export {
  AD_CONSENT_CHANNELS,
  SPECIAL_DATA_PURPOSES,
  consentLookup,
  consentSnapshot,
  decideConsent,
  hasValidConsent,
  mayFeedMarketing,
  projectConsent,
  type ConsentDecision,
  type ConsentState,
  type ConsentStatus,
  type PurposeRules,
} from './consent-state.js';
export { checkConsentInput, parseInstant, type ConsentEventInput } from './consent-input.js';
export { normaliseSubject } from './consent-subject.js';
export { decodeTcString, tcfPermits, TCF_CONSENT_ONLY_PURPOSES, type TcfDecoded, type TcfSignals } from './tcf.js';
export { AD_PLATFORMS, hashEmailFor, hashPhoneFor, platformPhone, type AdPlatform, type HashResult } from './ad-hashing.js';
export { BUILTIN_PURPOSES } from './purposes.js';
export { consentInputsFromCrm, isCrmConsentChange, CRM_CONSENT_SOURCE, CRM_CONSENT_TYPE } from './crm-consent.js';
export {
  SEGMENT_TCF_PATHS,
  consentInputsFromSegmentTcf,
  isSegmentTcfEvent,
  segmentSubjectOf,
  tcStringOf,
  type LatestDecisions,
} from './segment-tcf.js';
export { ConsentService, type PurposeChange, type RecordOutcome, type SubjectConsent } from './consent.service.js';
export { ConsentLogConsumer, CONSENT_CONSUMER, type ConsentDrainStats } from './consent-log-consumer.js';
export { registerConsentRoutes } from './consent.routes.js';
export {
  profileConsentLookup,
  profileConsentLookups,
  subjectsOfProfiles,
  type ProfileConsentLookup,
  type ProfileConsentLookups,
} from './profile-consent.js';
export { lapseTimeOf, type ConsentLapse } from './consent-lapses.js';
export { lastValidityChangeWithin, nextValidityChange, validityChanges } from './consent-times.js';
