import type { AggregateDefinition } from '../profiles/aggregates/index.js';
import { CHURN_FEATURES } from '../profiles/profile-scores.js';
import { TRAIT_RULES } from '../profiles/profile-state.js';
import type { FieldDefinition } from './field-catalogue.js';
import type { FieldType } from './field-types.js';

/*
 * The person fields, derived from the profile code: one or more fields per trait of TRAIT_RULES
 * (typed here, because a trait rule reads untyped event properties), the derived state of
 * `viewOf`, every aggregate × window, the churn and lifetime-value scores, and identity facts.
 * person-fields.test.ts fails when a trait rule has no field here.
 */

interface TraitField {
  readonly trait: string;
  /** A path inside an object-valued trait (`amount.value` of `lastTopup`). */
  readonly path?: string;
  readonly type: FieldType;
  readonly label: string;
  readonly values?: readonly string[];
}

const PAYMENT_METHODS = [
  'bankCard',
  'tokenizedCard',
  'bankAccountTransfer',
  'bankAccountDebit',
  'digitalWallet',
  'cash',
  'voucher',
  'loyaltyAccount',
];

/** Enum values follow the built-in contracts (src/contracts/builtin) and the trait rules' constants. */
export const TRAIT_FIELDS: readonly TraitField[] = [
  { trait: 'status', type: 'enum', label: 'line status', values: ['active', 'suspended', 'terminated', 'ported_out'] },
  { trait: 'tariff', type: 'string', label: 'tariff' },
  { trait: 'planType', type: 'enum', label: 'plan type', values: ['prepaid', 'postpaid'] },
  { trait: 'simType', type: 'enum', label: 'SIM type', values: ['physical', 'esim'] },
  { trait: 'activatedAt', type: 'date', label: 'activation date' },
  {
    trait: 'suspensionReason',
    type: 'enum',
    label: 'suspension reason',
    values: ['non_payment', 'customer_request', 'lost_stolen', 'fraud', 'regulatory', 'other'],
  },
  {
    trait: 'terminationReason',
    type: 'enum',
    label: 'termination reason',
    values: ['customer_request', 'non_payment', 'port_out', 'inactivity', 'fraud', 'deceased', 'other'],
  },
  { trait: 'portedTo', type: 'string', label: 'operator ported to' },
  { trait: 'portedFrom', type: 'string', label: 'operator ported from' },
  { trait: 'balance', path: 'value', type: 'number', label: 'balance' },
  { trait: 'lastPayment', path: 'amount.value', type: 'number', label: 'last payment amount' },
  { trait: 'lastPayment', path: 'method', type: 'enum', label: 'last payment method', values: PAYMENT_METHODS },
  { trait: 'lastPayment', path: 'at', type: 'date', label: 'last payment date' },
  { trait: 'lastTopup', path: 'amount.value', type: 'number', label: 'last top-up amount' },
  { trait: 'lastTopup', path: 'method', type: 'enum', label: 'last top-up method', values: PAYMENT_METHODS },
  { trait: 'lastTopup', path: 'at', type: 'date', label: 'last top-up date' },
  { trait: 'name', type: 'string', label: 'name' },
  { trait: 'birthYear', type: 'number', label: 'birth year' },
  { trait: 'language', type: 'string', label: 'language' },
  { trait: 'homeRegion', type: 'string', label: 'home region' },
  { trait: 'customerType', type: 'enum', label: 'customer type', values: ['individual', 'sole_proprietor', 'business'] },
  { trait: 'email', type: 'string', label: 'e-mail' },
  { trait: 'homeCity', type: 'string', label: 'home city' },
  { trait: 'roaming', type: 'boolean', label: 'roaming now' },
  { trait: 'visitedCountry', type: 'string', label: 'visited country' },
  { trait: 'lastLocation', path: 'cellId', type: 'number', label: 'last cell' },
  { trait: 'lastLocation', path: 'plmn', type: 'string', label: 'last serving network' },
  { trait: 'deviceTac', type: 'string', label: 'device type code (TAC)' },
  { trait: 'appVersion', type: 'string', label: 'app version' },
  { trait: 'deviceOs', type: 'string', label: 'device OS' },
];

/** Channels with a last-interaction time (interactionChannel in profile-state.ts: app, web, care and payment channels). */
export const INTERACTION_CHANNELS = ['app', 'web', 'call_centre', 'retail', 'chat', 'email', 'social', 'sms'] as const;

const traitFields = (): FieldDefinition[] =>
  TRAIT_FIELDS.map((t) => ({
    id: t.path === undefined ? `traits.${t.trait}` : `traits.${t.trait}.${t.path}`,
    domain: 'state',
    type: t.type,
    label: t.label,
    ...(t.values ? { values: t.values } : {}),
    fedBy: [...new Set(TRAIT_RULES.filter((r) => r.trait === t.trait).map((r) => r.on))],
  }));

const CASE_EVENTS = ['crm/case_opened', 'crm/case_updated', 'crm/case_resolved'];

const stateFields = (): FieldDefinition[] => [
  { id: 'openCases', domain: 'state', type: 'number', label: 'open care cases', fedBy: CASE_EVENTS, whenAbsent: 0 },
  {
    id: 'brokenPromises',
    domain: 'state',
    type: 'number',
    label: 'care promises broken',
    description: 'Cases whose promised resolution date passed unresolved, or that were resolved after it',
    fedBy: CASE_EVENTS,
    whenAbsent: 0,
    timeDependent: true,
  },
  ...INTERACTION_CHANNELS.map((channel): FieldDefinition => ({
    id: `lastInteraction.${channel}`,
    domain: 'state',
    type: 'date',
    label: `last ${channel.replace('_', ' ')} interaction`,
    fedBy: channel === 'app' ? ['app/*'] : channel === 'web' ? ['web/*'] : [...CASE_EVENTS, 'billing/payment', 'billing/topup'],
  })),
  { id: 'timeZone', domain: 'state', type: 'string', label: 'time zone', fedBy: ['crm/customer_changed'] },
  { id: 'activity.firstEventAt', domain: 'state', type: 'date', label: 'first event', fedBy: ['*'] },
  { id: 'activity.lastEventAt', domain: 'state', type: 'date', label: 'last event', fedBy: ['*'] },
  { id: 'activity.events', domain: 'state', type: 'number', label: 'events seen', fedBy: ['*'], whenAbsent: 0 },
];

/** Counts and sums of an empty window are 0 (windows.ts); min, max and average have no value. */
const ZERO_WHEN_EMPTY = new Set(['count', 'sum', 'distinct_count']);

const aggregateFields = (aggregates: readonly AggregateDefinition[]): FieldDefinition[] =>
  aggregates
    // A `last` value has no declared type; it joins the catalogue when definitions declare one.
    .filter((a) => a.aggregation !== 'last')
    .flatMap((a) =>
      a.windows.map((window): FieldDefinition => ({
        id: `aggregates.${a.id}.${window}`,
        domain: 'aggregates',
        type: 'number',
        label: `${a.label.charAt(0).toLowerCase()}${a.label.slice(1)} (${window.replace('_', ' ')})`,
        unit: a.unit,
        fedBy: a.eventTypes,
        ...(ZERO_WHEN_EMPTY.has(a.aggregation) ? { whenAbsent: 0 } : {}),
        timeDependent: !window.startsWith('last_'),
      })),
    );

const scoreFields = (): FieldDefinition[] => [
  { id: 'scores.churn.probability', domain: 'scores', type: 'number', label: 'churn probability', fedBy: ['*'], timeDependent: true },
  {
    id: 'scores.churn.band',
    domain: 'scores',
    type: 'enum',
    label: 'churn risk',
    values: ['low', 'medium', 'high'],
    fedBy: ['*'],
    timeDependent: true,
  },
  {
    id: 'scores.churn.topReason',
    domain: 'scores',
    type: 'enum',
    label: 'main churn reason',
    description: 'The feature with the largest contribution to the churn score',
    values: CHURN_FEATURES.map((f) => f.name),
    fedBy: ['*'],
    timeDependent: true,
  },
  {
    id: 'scores.lifetimeValue.value',
    domain: 'scores',
    type: 'number',
    label: 'lifetime value',
    unit: 'RUB',
    fedBy: ['*'],
    timeDependent: true,
  },
  {
    id: 'scores.lifetimeValue.expectedLifetimeMonths',
    domain: 'scores',
    type: 'number',
    label: 'expected lifetime (months)',
    fedBy: ['*'],
    timeDependent: true,
  },
];

const identityFields = (): FieldDefinition[] => [
  { id: 'identity.profileId', domain: 'identity', type: 'string', label: 'profile id', fedBy: [] },
  { id: 'identity.accounts', domain: 'identity', type: 'number', label: 'billing accounts', fedBy: ['*'], whenAbsent: 0 },
  { id: 'identity.isPayer', domain: 'identity', type: 'boolean', label: 'pays an account', fedBy: ['*'] },
];

export const personFields = (aggregates: readonly AggregateDefinition[]): readonly FieldDefinition[] => [
  ...traitFields(),
  ...stateFields(),
  ...aggregateFields(aggregates),
  ...scoreFields(),
  ...identityFields(),
];
