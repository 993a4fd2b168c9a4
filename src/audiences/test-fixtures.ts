import { eventHistoryOf, type AudienceInput, type EventOccurrence } from './audience-input.js';
import type { StoredAudience } from './audience-references.js';
import type { ValidAudience } from './conditions.js';
import { DEFAULT_CATALOGUE } from './field-catalogue.js';
import { DAY_MS, type FieldValue } from './field-types.js';
import type { EntityType, RuleGroup } from './rule.js';
import { validateAudience, type ValidationContext } from './validate.js';

/* Helpers shared by the audience tests (not a test file itself). */

export const NOW = Date.parse('2024-06-01T12:00:00Z');
export const daysAgo = (days: number): number => NOW - days * DAY_MS;

export const contextWith = (
  audiences: Readonly<Record<string, StoredAudience>> = {},
  overrides: Partial<ValidationContext> = {},
): ValidationContext => ({
  catalogue: DEFAULT_CATALOGUE,
  audiences: (id) => audiences[id],
  retainedEventDays: 90,
  now: NOW,
  ...overrides,
});

export const audienceOf = (
  rule: RuleGroup,
  entity: EntityType = 'person',
  id = 'aud-test',
  audiences: Readonly<Record<string, StoredAudience>> = {},
): ValidAudience => validateAudience({ id, entity, rule }, contextWith(audiences));

export const and = (...rules: RuleGroup['rules']): RuleGroup => ({ combinator: 'and', rules });

let nextEvent = 0;
export const occurrence = (at: number, properties: Record<string, unknown> = {}, eventId = `ev-${++nextEvent}`): EventOccurrence => ({
  eventId,
  at,
  properties,
});

export interface PersonSpec {
  readonly id?: string;
  readonly fields?: Readonly<Record<string, FieldValue>>;
  readonly events?: Readonly<Record<string, readonly EventOccurrence[]>>;
  readonly consents?: readonly string[];
  readonly memberOf?: readonly string[];
}

let nextPerson = 0;
export const person = (spec: PersonSpec = {}): AudienceInput => ({
  id: spec.id ?? `p-${++nextPerson}`,
  fields: spec.fields ?? {},
  events: eventHistoryOf(spec.events ?? {}),
  consent: (purpose, channel) => (spec.consents ?? []).includes(`${purpose}/${channel}`),
  memberships: (audienceId) => (spec.memberOf ?? []).includes(audienceId),
});
