import type { IdentifierTypeName } from '../contracts/index.js';

export type IdentifierClass = 'person-unique' | 'line' | 'account' | 'contact' | 'device';

export interface IdentifierType {
  readonly name: IdentifierTypeName;
  readonly class: IdentifierClass;
  /** Lower is stronger when identifiers disagree (passport beats email). */
  readonly priority: number;
  readonly format: 'phone' | 'email' | 'digits' | 'token';
  /** Digit-count bounds for `digits` identifiers (IMSI 15, ICCID 18–20, IMEI 14–16). */
  readonly digits?: readonly [number, number];
}

/**
 * The default registry. Issue 4 makes classes, priorities, limits and TTLs overridable in config;
 * ingestion only needs the formats and the routing order.
 */
export const IDENTIFIER_TYPES: Readonly<Record<IdentifierTypeName, IdentifierType>> = {
  passport: { name: 'passport', class: 'person-unique', priority: 1, format: 'token' },
  appUserId: { name: 'appUserId', class: 'person-unique', priority: 2, format: 'token' },
  imsi: { name: 'imsi', class: 'line', priority: 3, format: 'digits', digits: [14, 15] },
  iccid: { name: 'iccid', class: 'line', priority: 3, format: 'digits', digits: [18, 20] },
  msisdn: { name: 'msisdn', class: 'line', priority: 4, format: 'phone' },
  email: { name: 'email', class: 'contact', priority: 5, format: 'email' },
  imei: { name: 'imei', class: 'device', priority: 6, format: 'digits', digits: [14, 16] },
  deviceId: { name: 'deviceId', class: 'device', priority: 7, format: 'token' },
  accountId: { name: 'accountId', class: 'account', priority: 8, format: 'token' },
};

/**
 * The identifier an event is partitioned by: the line first (most events are network records of a
 * line), then the person and account keys. Events of one line therefore keep their order.
 */
export const ROUTING_ORDER: readonly IdentifierTypeName[] = [
  'msisdn',
  'imsi',
  'iccid',
  'appUserId',
  'passport',
  'email',
  'accountId',
  'imei',
  'deviceId',
];

export const isIdentifierType = (name: string): name is IdentifierTypeName => Object.prototype.hasOwnProperty.call(IDENTIFIER_TYPES, name);
