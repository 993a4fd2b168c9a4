import type { AttributeClass } from './attribute-classes.js';

/*
 * Where each profile attribute comes from, so that its class is derived from the data contracts
 * instead of being restated: an attribute takes the most sensitive class of the event properties
 * that feed it (attribute-catalogue.ts). A value a rule sets without reading a property (a status
 * set by the event type, a timestamp) names its class and says why.
 *
 * Trait origins are keyed by the trait rule (`source/type:trait`, TRAIT_RULES in
 * src/profiles/profile-state.ts); attribute-catalogue.test.ts fails when a rule has no origin here.
 */

/** Properties of an event type (dot paths; a path also covers the classified paths under it). */
export interface PropertyOrigin {
  readonly event: string;
  readonly paths: readonly string[];
}

/** A value set by the rule itself: the class the occurrence discloses. */
export interface FixedOrigin {
  readonly class: AttributeClass;
  readonly why: string;
}

export type AttributeOrigin = PropertyOrigin | FixedOrigin;

const lifecycle: FixedOrigin = { class: 'billing', why: 'set by a subscription lifecycle event of the billing system' };
const roamingFact: FixedOrigin = { class: 'location', why: 'being abroad is location data' };

export const TRAIT_ORIGINS: Readonly<Record<string, AttributeOrigin>> = {
  'billing/activation:status': lifecycle,
  'billing/activation:tariff': { event: 'billing/activation', paths: ['tariffId'] },
  'billing/activation:planType': { event: 'billing/activation', paths: ['planType'] },
  'billing/activation:simType': { event: 'billing/activation', paths: ['simType'] },
  'billing/activation:activatedAt': lifecycle,
  'billing/tariff_change:tariff': { event: 'billing/tariff_change', paths: ['toTariffId'] },
  'billing/tariff_change:planType': { event: 'billing/tariff_change', paths: ['planType'] },
  'billing/suspension:status': lifecycle,
  'billing/suspension:suspensionReason': { event: 'billing/suspension', paths: ['reason'] },
  'billing/resumption:status': lifecycle,
  'billing/termination:status': lifecycle,
  'billing/termination:terminationReason': { event: 'billing/termination', paths: ['reason'] },
  'billing/port_out:status': lifecycle,
  'billing/port_out:portedTo': { event: 'billing/port_out', paths: ['recipientOperator'] },
  'billing/port_in:status': lifecycle,
  'billing/port_in:tariff': { event: 'billing/port_in', paths: ['tariffId'] },
  'billing/port_in:portedFrom': { event: 'billing/port_in', paths: ['donorOperator'] },
  'billing/port_in:activatedAt': lifecycle,
  'billing/balance_changed:balance': { event: 'billing/balance_changed', paths: ['balance'] },
  'billing/payment:lastPayment': { event: 'billing/payment', paths: ['totalAmount', 'paymentMethod'] },
  'billing/topup:lastTopup': { event: 'billing/topup', paths: ['amount', 'paymentMethod'] },
  'network/sim_change:simType': { event: 'network/sim_change', paths: ['newSimType'] },
  'crm/customer_changed:name': { event: 'crm/customer_changed', paths: ['name'] },
  'crm/customer_changed:birthYear': { event: 'crm/customer_changed', paths: ['birthYear'] },
  'crm/customer_changed:language': { event: 'crm/customer_changed', paths: ['language'] },
  'crm/customer_changed:homeRegion': { event: 'crm/customer_changed', paths: ['homeRegion'] },
  'crm/customer_changed:customerType': { event: 'crm/customer_changed', paths: ['customerType'] },
  'crm/customer_changed:email': { event: 'crm/customer_changed', paths: ['email'] },
  'app/identify:name': { event: 'app/identify', paths: ['traits.name', 'traits.firstName', 'traits.lastName'] },
  'app/identify:email': { event: 'app/identify', paths: ['traits.email'] },
  'app/identify:homeCity': { event: 'app/identify', paths: ['traits.address.city'] },
  'network/roaming_started:roaming': roamingFact,
  'network/roaming_started:visitedCountry': { event: 'network/roaming_started', paths: ['visitedCountry'] },
  'network/roaming_ended:roaming': roamingFact,
  'network/roaming_ended:visitedCountry': roamingFact,
  'network/location_update:lastLocation': {
    event: 'network/location_update',
    paths: ['cellId', 'tac', 'lac', 'servingNodePLMNIdentifier'],
  },
  'network/data_session:lastLocation': { event: 'network/data_session', paths: ['userLocationInformation'] },
  'network/data_session:deviceTac': { event: 'network/data_session', paths: ['servedIMEISV'] },
  'app/app_open:appVersion': { event: 'app/app_open', paths: ['appVersion'] },
  'app/app_open:deviceOs': { event: 'app/app_open', paths: ['os', 'osVersion'] },
};

const CASE_EVENTS = ['crm/case_opened', 'crm/case_updated', 'crm/case_resolved'];

/**
 * The parts of the profile JSON (GET /v1/profiles/{id}) that are not traits or aggregates. `*`
 * stands for every classified property of the event type except its identifiers.
 */
export const STATE_ORIGINS: Readonly<Record<string, readonly AttributeOrigin[]>> = {
  openCases: CASE_EVENTS.map((event) => ({ event, paths: ['*'] })),
  brokenPromises: [{ class: 'derived', why: 'counted from the care cases and their promised dates' }],
  lastInteraction: [{ class: 'behavioural', why: 'when the person last used each channel' }],
  activity: [{ class: 'behavioural', why: 'first and last event time and the event count' }],
  timeZone: [{ event: 'crm/customer_changed', paths: ['homeRegion'] }],
  'scores.churn': [{ class: 'derived', why: 'a model score with reason codes' }],
  'scores.lifetimeValue': [{ class: 'derived', why: 'a model estimate' }],
  accounts: [{ class: 'identifier', why: 'billing account ids and the person’s role on them' }],
};

/**
 * What the occurrence of an event of a source discloses by itself, whatever its properties: that
 * a call or data session took place is traffic data (ePrivacy art. 2(b)), a top-up is a billing
 * fact. Aggregates (counts of occurrences) take it besides the classes of the paths they read.
 */
export const OCCURRENCE_CLASSES: Readonly<Record<string, AttributeClass>> = {
  network: 'traffic',
  billing: 'billing',
  crm: 'behavioural',
  app: 'behavioural',
  web: 'behavioural',
  reference: 'reference',
};
export const DEFAULT_OCCURRENCE_CLASS: AttributeClass = 'behavioural';
