import type { FieldValue } from './field-types.js';

/*
 * What the evaluators read about one entity. The pipeline builds it from what it loaded for the
 * batch (profile-fields.ts turns a profile into `fields`); every port is narrow and synchronous,
 * so evaluation stays pure and the shell decides how to fetch.
 */

/** One occurrence of an event type in a person's retained history. */
export interface EventOccurrence {
  readonly eventId: string;
  /** Event time, epoch ms. */
  readonly at: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A person's retained events of a type (the event horizon bounds how far back they go). */
export interface EventHistory {
  occurrences(eventType: string): readonly EventOccurrence[];
}

/** Whether the person has valid consent for a purpose on a channel now (the consent module decides what "valid" means). */
export type ConsentLookup = (purpose: string, channel: string) => boolean;

/** Whether the entity is a member of another audience now. */
export type MembershipLookup = (audienceId: string) => boolean;

export interface AudienceInput {
  /** Profile, account or organisation id. */
  readonly id: string;
  /** Catalogue field id → value; an absent key is null (or the field's `whenAbsent`). */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Absent: no events. */
  readonly events?: EventHistory;
  /** Absent: no consent (deny by default). */
  readonly consent?: ConsentLookup;
  /** Absent: member of nothing. */
  readonly memberships?: MembershipLookup;
  /** Accounts and organisations: their member persons. */
  readonly members?: readonly AudienceInput[];
}

export const NO_EVENTS: readonly EventOccurrence[] = [];

/** An event history over plain lists per event type. */
export const eventHistoryOf = (byType: Readonly<Record<string, readonly EventOccurrence[]>>): EventHistory => ({
  occurrences: (eventType) => byType[eventType] ?? NO_EVENTS,
});
