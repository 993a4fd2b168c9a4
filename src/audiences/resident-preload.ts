import type { Db } from '../storage/index.js';
import { audiencesStore } from './audiences.store.js';
import type { FieldCatalogue } from './field-catalogue.js';
import type { EventNeed } from './resident-events.js';

/*
 * What the resident inputs build with their first pass besides what the first rule asks for
 * (resident-persons.ts), so that the rules a marketer writes next cost a scan, not a read of the
 * store: common fields and event types, and those the stored person audiences read.
 */

/**
 * Built with the first pass besides the fields asked for, so that the first rules on them cost a
 * scan, not another pass: the fields a marketer reaches for first (a few bytes a person each).
 * The fields of stored person audiences are built then too.
 */
export const COMMON_FIELDS: readonly string[] = [
  'traits.planType',
  'traits.status',
  'traits.tariff',
  'traits.homeRegion',
  'traits.balance.value',
  'scores.churn.band',
];

/** Event types built with the first pass too (when the log is small): those person rules count most. */
export const COMMON_EVENT_TYPES: readonly string[] = ['billing/topup', 'billing/payment', 'app/login', 'app/app_open', 'crm/case_opened'];
/** A log of at most this many events is read for the common event types with the first pass (about a second on the shared machine). */
const PRELOAD_LOG_EVENTS = 2_000_000;
const MONTH_MS = 31 * 86_400_000;

const RESERVED = new Set(['event', 'consent', 'audience']);

/** The attribute fields a stored rule names (members groups aside: those read persons of accounts). */
const fieldsOfRule = (node: unknown, out: Set<string>): void => {
  if (node === null || typeof node !== 'object') return;
  const rule = node as { field?: unknown; rules?: unknown; members?: unknown };
  if (typeof rule.field === 'string' && !RESERVED.has(rule.field)) out.add(rule.field);
  if (Array.isArray(rule.rules) && rule.members === undefined) for (const child of rule.rules) fieldsOfRule(child, out);
};

/** The event types a stored rule counts (members groups aside). */
const eventTypesOfRule = (node: unknown, out: Set<string>): void => {
  if (node === null || typeof node !== 'object') return;
  const rule = node as { field?: unknown; eventType?: unknown; rules?: unknown; members?: unknown };
  if (rule.field === 'event' && typeof rule.eventType === 'string') out.add(rule.eventType);
  if (Array.isArray(rule.rules) && rule.members === undefined) for (const child of rule.rules) eventTypesOfRule(child, out);
};

/** The rules of the stored person audiences. */
export const storedPersonRules = async (db: Db): Promise<unknown[]> =>
  (await audiencesStore.currentDefinitions(db)).filter(({ audience }) => audience.entity === 'person').map((a) => a.definition.rule);

/** The fields built with the first pass: the common ones and those stored rules name. */
export const preloadedFields = (rules: readonly unknown[]): Set<string> => {
  const out = new Set(COMMON_FIELDS);
  for (const rule of rules) fieldsOfRule(rule, out);
  return out;
};

/**
 * The event types built with the first pass — the common ones and those stored rules count, as
 * far back as a month — when the log is small enough to be read in about a second (else each type
 * is read when a rule first asks for it).
 */
export const preloadedEvents = async (
  db: Db,
  rules: readonly unknown[],
  now: Date,
  catalogue: FieldCatalogue,
): Promise<Map<string, EventNeed>> => {
  const ends = await db
    .selectFrom('event_log')
    .select((eb) => [eb.fn.min('seq').as('lo'), eb.fn.max('seq').as('hi')])
    .executeTakeFirst();
  if (Number(ends?.hi ?? 0) - Number(ends?.lo ?? 0) > PRELOAD_LOG_EVENTS) return new Map();
  const types = new Set(COMMON_EVENT_TYPES);
  for (const rule of rules) eventTypesOfRule(rule, types);
  const need: EventNeed = { from: now.getTime() - MONTH_MS, properties: new Set(), keys: new Set() };
  return new Map([...types].filter((type) => catalogue.events.has(type)).map((type) => [type, need]));
};
