import { AppError } from '../../core/errors.js';
import type { AggregateDefinition } from './definitions.js';

/*
 * The aggregates every Tessera installation starts with (issue 5), written against the built-in
 * contracts (src/contracts/builtin, docs/contract-catalogue.md):
 *
 * - Data volumes are the PGW-CDR container's `datavolumeFBCUplink` + `datavolumeFBCDownlink`, in
 *   octets (both required by the contract). Partial records carry their own container's volumes,
 *   so summing every record counts each octet once.
 * - Roaming is read from the PLMN serving the subscriber (`servingNodePLMNIdentifier`, on a data
 *   session also `userLocationInformation.plmnIdentifier`): roaming when it is not one of the home
 *   PLMNs. A record with no PLMN at all is taken as home (most home records omit nothing, but a
 *   mediation that drops the field should not turn a whole feed into roaming).
 * - A dropped call is a `voice_call` whose `causeForTermination` is `dropped`.
 * - Amounts are TMF Money in major units; only the currency the aggregate is in is summed (a USD
 *   top-up is not added to roubles), at 2 decimals as the catalogue asks.
 * - Roaming days are the distinct local dates with some roaming activity (a CDR, a location update,
 *   the start or end of a trip). A day abroad with no event at all is not seen.
 */

/**
 * What the person does with the line, counted as records rather than octets or minutes: a count
 * is far steadier from week to week than heavy-tailed volumes, so a fall in it is a signal, not
 * noise (the location updates of a phone left switched on are not usage).
 */
const USAGE_EVENT_TYPES = ['network/data_session', 'network/voice_call', 'app/app_open', 'web/domain_visit'];

/** The simulator's operator (PLMN 250 01); an operator passes its own to `defaultAggregates`. */
export const DEFAULT_HOME_PLMNS: readonly string[] = ['25001'];

const PLMN_PATTERN = /^[0-9]{5,6}$/;

export interface DefaultAggregateOptions {
  /** The operator's own PLMN ids (MCC + MNC, e.g. `25001`): traffic served elsewhere is roaming. */
  readonly homePlmns: readonly string[];
}

/** The default definitions for an operator. */
export const defaultAggregates = (options: DefaultAggregateOptions = { homePlmns: DEFAULT_HOME_PLMNS }): readonly AggregateDefinition[] => {
  const [firstHome] = options.homePlmns;
  if (firstHome === undefined || !options.homePlmns.every((plmn) => PLMN_PATTERN.test(plmn)))
    throw new AppError('VALIDATION_FAILED', 'homePlmns must be one or more PLMN ids (MCC + MNC, 5 or 6 digits)', [
      { path: 'homePlmns', message: 'expected e.g. ["25001"]' },
    ]);
  // A missing PLMN reads as the first home PLMN, i.e. home.
  const servingPlmn = `coalesce(servingNodePLMNIdentifier, userLocationInformation.plmnIdentifier, "${firstHome}")`;
  const homeList = `[${options.homePlmns.map((plmn) => `"${plmn}"`).join(', ')}]`;
  const atHome = `${servingPlmn} in ${homeList}`;
  const roaming = `${servingPlmn} not in ${homeList}`;
  const volume = 'datavolumeFBCUplink + datavolumeFBCDownlink';

  return [
    {
      id: 'data_usage_home',
      label: 'Mobile data used in the home network',
      eventTypes: ['network/data_session'],
      value: volume,
      aggregation: 'sum',
      windows: ['7d', '30d'],
      filter: atHome,
      unit: 'octets',
      decimals: 0,
    },
    {
      id: 'data_usage_roaming',
      label: 'Mobile data used while roaming',
      eventTypes: ['network/data_session'],
      value: volume,
      aggregation: 'sum',
      windows: ['7d', '30d'],
      filter: roaming,
      unit: 'octets',
      decimals: 0,
    },
    {
      id: 'voice_minutes',
      label: 'Voice call minutes',
      eventTypes: ['network/voice_call'],
      value: 'duration / 60',
      aggregation: 'sum',
      windows: ['7d', '30d'],
      unit: 'minutes',
      decimals: 2,
    },
    {
      id: 'dropped_calls',
      label: 'Dropped calls',
      eventTypes: ['network/voice_call'],
      aggregation: 'count',
      windows: ['30d'],
      filter: 'causeForTermination == "dropped"',
      unit: 'count',
      decimals: 0,
    },
    {
      id: 'topup_count',
      label: 'Top-ups',
      eventTypes: ['billing/topup'],
      aggregation: 'count',
      windows: ['30d'],
      unit: 'count',
      decimals: 0,
    },
    {
      id: 'topup_amount',
      label: 'Amount topped up',
      eventTypes: ['billing/topup'],
      value: 'amount.value',
      aggregation: 'sum',
      windows: ['30d'],
      filter: 'amount.unit == "RUB"',
      unit: 'RUB',
      decimals: 2,
    },
    {
      id: 'payment_amount',
      label: 'Amount paid',
      eventTypes: ['billing/payment'],
      value: 'totalAmount.value',
      aggregation: 'sum',
      windows: ['30d'],
      filter: 'totalAmount.unit == "RUB"',
      unit: 'RUB',
      decimals: 2,
    },
    {
      id: 'arpu',
      label: 'Average bill over the last 3 bills',
      eventTypes: ['billing/bill_issued'],
      value: 'amountDue.value',
      aggregation: 'average',
      windows: ['last_3'],
      filter: 'amountDue.unit == "RUB"',
      unit: 'RUB',
      decimals: 2,
    },
    {
      id: 'app_opens',
      label: 'App opens',
      eventTypes: ['app/app_open'],
      aggregation: 'count',
      windows: ['7d'],
      unit: 'count',
      decimals: 0,
    },
    {
      id: 'care_cases',
      label: 'Care cases opened',
      eventTypes: ['crm/case_opened'],
      aggregation: 'count',
      windows: ['30d', '90d'],
      unit: 'count',
      decimals: 0,
    },
    {
      id: 'usage_events',
      label: 'Usage records: data sessions, calls, app opens, web visits',
      eventTypes: USAGE_EVENT_TYPES,
      aggregation: 'count',
      windows: ['7d', '30d', '60d'],
      unit: 'count',
      decimals: 0,
    },
    {
      id: 'roaming_days',
      label: 'Days with roaming activity',
      eventTypes: [
        'network/data_session',
        'network/voice_call',
        'network/location_update',
        'network/roaming_started',
        'network/roaming_ended',
      ],
      value: '$day',
      aggregation: 'distinct_count',
      windows: ['30d'],
      filter: roaming,
      unit: 'days',
    },
    {
      id: 'distinct_cells',
      label: 'Distinct cells used',
      eventTypes: ['network/data_session', 'network/voice_call', 'network/location_update'],
      value: 'coalesce(userLocationInformation.cellId, cellId)',
      aggregation: 'distinct_count',
      windows: ['7d'],
      unit: 'count',
      decimals: 0,
    },
  ];
};

export const DEFAULT_AGGREGATES: readonly AggregateDefinition[] = defaultAggregates();
