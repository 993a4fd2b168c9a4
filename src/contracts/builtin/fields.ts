/**
 * JSON Schema fragments shared by the built-in contracts, so that an MSISDN or an amount is
 * described the same way in every source. Each builder returns a fresh object: a contract is data
 * that the registry stores and diffs, and no two schemas should share (and risk mutating) a node.
 *
 * Identifier patterns are deliberately loose about formatting (an MSISDN may arrive as `+7916…`,
 * `7916…` or `8916…`): normalisation to E.164 is identity resolution's job, and a contract that
 * refused national formats would quarantine whole feeds for a cosmetic difference.
 */

import type { AttributeClass } from '../contract.js';

export const JSON_SCHEMA_2020 = 'https://json-schema.org/draft/2020-12/schema';

type Schema = Record<string, unknown>;

/** The root of every event schema: closed, so an undeclared field is drift, not silent data. */
export const eventSchema = (properties: Record<string, Schema>, required: readonly string[] = []): Schema => ({
  $schema: JSON_SCHEMA_2020,
  type: 'object',
  additionalProperties: false,
  properties,
  ...(required.length > 0 ? { required: [...required] } : {}),
});

/** A closed nested object. */
export const object = (properties: Record<string, Schema>, required: readonly string[] = [], description?: string): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...(required.length > 0 ? { required: [...required] } : {}),
  ...(description === undefined ? {} : { description }),
});

export const text = (description: string, maxLength = 200): Schema => ({
  type: 'string',
  minLength: 1,
  maxLength,
  description,
});

export const oneOf = (values: readonly string[], description: string): Schema => ({
  type: 'string',
  enum: [...values],
  description,
});

export const integer = (description: string, minimum = 0, maximum?: number): Schema => ({
  type: 'integer',
  minimum,
  ...(maximum === undefined ? {} : { maximum }),
  description,
});

export const boolean = (description: string): Schema => ({ type: 'boolean', description });

export const dateTime = (description: string): Schema => ({ type: 'string', format: 'date-time', description });

export const date = (description: string): Schema => ({ type: 'string', format: 'date', description });

export const msisdn = (description = 'Subscriber MSISDN; E.164 preferred (+7916…), normalised by identity resolution'): Schema => ({
  type: 'string',
  pattern: '^\\+?[0-9]{7,15}$',
  description,
});

export const imsi = (description = 'IMSI (ITU-T E.212): MCC + MNC + MSIN, 14–15 digits'): Schema => ({
  type: 'string',
  pattern: '^[0-9]{14,15}$',
  description,
});

export const iccid = (description = 'SIM serial number (ITU-T E.118 ICCID), 19–20 digits starting 89'): Schema => ({
  type: 'string',
  pattern: '^89[0-9]{17,18}$',
  description,
});

export const imei = (description = 'Device IMEI (15 digits) or IMEISV (16 digits); 14 digits when sent without the check digit'): Schema => ({
  type: 'string',
  pattern: '^[0-9]{14,16}$',
  description,
});

export const accountId = (description = 'Billing account id (BSS)'): Schema => text(description, 64);

export const email = (description = 'E-mail address'): Schema => ({
  type: 'string',
  format: 'email',
  maxLength: 254,
  description,
});

/** Mobile Country Code + Mobile Network Code, e.g. `25001` (MTS Russia). 3GPP TS 23.003 PLMN-Id. */
export const plmnId = (description = 'PLMN identity: MCC (3 digits) + MNC (2–3 digits), e.g. 25001'): Schema => ({
  type: 'string',
  pattern: '^[0-9]{5,6}$',
  description,
});

/** ISO 3166-2 subdivision code, e.g. `RU-MOW`. */
export const region = (description: string): Schema => ({
  type: 'string',
  pattern: '^[A-Z]{2}-[A-Z0-9]{1,3}$',
  description,
});

/**
 * TM Forum `Money` (TMF620/TMF676/TMF678): `{ value, unit }`, `value` a decimal in major units
 * (roubles, not kopecks), `unit` an ISO 4217 code. We follow TMF rather than minor-unit integers so
 * that TMF envelopes pass through unchanged; consumers that sum amounts round to 2 decimals.
 */
export const money = (description: string, bounds: { minimum?: number; exclusiveMinimum?: number } = {}): Schema =>
  object(
    {
      value: { type: 'number', ...bounds, description: 'Amount in major units (e.g. roubles), decimal' },
      unit: { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code, e.g. RUB' },
    },
    ['value', 'unit'],
    description,
  );

/** TMF `TimePeriod` (`billingPeriod`, `validFor`). */
export const timePeriod = (description: string, endRequired = true): Schema =>
  object(
    {
      startDateTime: dateTime('Start of the period (inclusive)'),
      endDateTime: dateTime('End of the period'),
    },
    endRequired ? ['startDateTime', 'endDateTime'] : ['startDateTime'],
    description,
  );

/** TMF670 PaymentMethod types, in their TMF camelCase spelling. */
export const PAYMENT_METHODS = [
  'bankCard',
  'tokenizedCard',
  'bankAccountTransfer',
  'bankAccountDebit',
  'digitalWallet',
  'cash',
  'voucher',
  'loyaltyAccount',
] as const;

export const PLAN_TYPES = ['prepaid', 'postpaid'] as const;

/**
 * The properties of a Segment `page` call (https://segment.com/docs/connections/spec/page/),
 * shared by the app and web sources. `userId` / `anonymousId` are Segment's top-level ids, kept in
 * `properties` so that the Segment-compatible API can pass a call through without reshaping it.
 */
export const segmentPageProperties = (): Record<string, Schema> => ({
  userId: text('Segment userId: the operator\'s app / self-care user id', 128),
  anonymousId: text('Segment anonymousId: per-install (app) or per-browser (web) id', 128),
  name: text('Page name', 200),
  url: { type: 'string', format: 'uri', maxLength: 2048, description: 'Full URL of the page' },
  path: { type: 'string', pattern: '^/', maxLength: 2048, description: 'Path part of the URL' },
  referrer: { type: 'string', maxLength: 2048, description: 'Referrer URL; Segment sends an empty string when there is none' },
  title: { type: 'string', maxLength: 500, description: 'Page title' },
  search: { type: 'string', maxLength: 2048, description: 'Query string of the URL' },
});

/**
 * Classifications grouped by class, which reads better than one line per path:
 * `classify({ identifier: ['msisdn'], billing: moneyLeaves('amount') })`.
 */
export const classify = (byClass: Partial<Record<AttributeClass, readonly string[]>>): Record<string, AttributeClass> => {
  const out: Record<string, AttributeClass> = {};
  for (const [cls, paths] of Object.entries(byClass) as [AttributeClass, readonly string[]][]) {
    for (const path of paths) out[path] = cls;
  }
  return out;
};

/** The two leaves of a `money()` property. */
export const moneyLeaves = (name: string): string[] => [`${name}.value`, `${name}.unit`];
