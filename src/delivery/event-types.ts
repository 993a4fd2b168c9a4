/*
 * What a consumer can subscribe to, and how it is reached. Webhooks are built here; `sse` and
 * `nats` are transports of their own (issue 8), kept open in the subscription's `transport` field.
 */

export const DELIVERY_EVENT_TYPES = [
  'audience.entered',
  'audience.exited',
  'score.changed',
  'profile.merged',
  'profile.split',
  'consent.changed',
  'identity.sim_swap',
  'contract.violation',
  'profile.erased',
  'audience.archived',
] as const;
export type DeliveryEventType = (typeof DELIVERY_EVENT_TYPES)[number];

export const isDeliveryEventType = (value: string): value is DeliveryEventType =>
  (DELIVERY_EVENT_TYPES as readonly string[]).includes(value);

export const TRANSPORTS = ['webhook', 'sse', 'nats'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Transports this module delivers; a subscription naming another is refused until that transport exists. */
export const DELIVERED_TRANSPORTS: readonly Transport[] = ['webhook'];
