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

/**
 * When passing time alone changes a consent answer (a grant's expiry, a grant that takes effect
 * later): the membership stage's wake-ups, and the reason it gives a change at a wake-up.
 */
export interface ConsentTimes {
  /** The first instant after now (epoch ms) at which the answer for the purpose and channel flips; null: never. */
  nextChangeAt(purpose: string, channel: string): number | null;
  /** The last instant in [from, to] at which it flipped; null: none. */
  lastChangeWithin(purpose: string, channel: string, from: number, to: number): number | null;
}

/** Whether the person has valid consent for a purpose on a channel now (the consent module decides what "valid" means). */
export interface ConsentLookup {
  (purpose: string, channel: string): boolean;
  /** Absent: the answers do not change with time alone. */
  readonly times?: ConsentTimes;
}

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
