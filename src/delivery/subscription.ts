import type { ErrorDetail } from '../core/errors.js';
import {
  DELIVERED_TRANSPORTS,
  DELIVERY_EVENT_TYPES,
  TRANSPORTS,
  isDeliveryEventType,
  type DeliveryEventType,
  type Transport,
} from './event-types.js';

/*
 * A subscription (pure): which consumer receives which event types, filtered how, over which
 * transport, for which purpose and channel (the policy decides every delivery for those), and the
 * secrets its webhooks are signed with.
 */

export interface SubscriptionFilters {
  /** audience.entered / audience.exited only for these audiences; other types are not filtered by it. */
  readonly audienceIds?: readonly string[];
}

export interface SubscriptionSecret {
  readonly secret: string;
  readonly createdAt: string;
  /** Set on the old secret at a rotation: it signs too until then. */
  readonly expiresAt: string | null;
}

export type SubscriptionStatus = 'active' | 'disabled' | 'deleted';

export interface Subscription {
  readonly id: string;
  readonly consumerId: string;
  readonly description: string;
  readonly eventTypes: readonly DeliveryEventType[];
  readonly filters: SubscriptionFilters;
  readonly transport: Transport;
  readonly url: string | null;
  readonly purpose: string;
  readonly channel: string;
  readonly secrets: readonly SubscriptionSecret[];
  readonly status: SubscriptionStatus;
  /** Why it is disabled (410 Gone from the endpoint, an operator). */
  readonly statusReason: string | null;
  readonly revision: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export interface SubscriptionDraft {
  readonly consumerId: string;
  readonly description?: string;
  readonly eventTypes: readonly string[];
  readonly filters?: SubscriptionFilters;
  readonly transport: string;
  readonly url?: string | null;
  /** Defaults to the consumer's purpose when it has exactly one. */
  readonly purpose?: string;
  /** Defaults to the consumer's channel when it has exactly one. */
  readonly channel?: string;
}

/** What of the consumer a draft is checked against. */
export interface ConsumerScope {
  readonly status: string;
  readonly purposes: readonly string[];
  readonly channels: readonly string[];
}

export interface CheckedDraft {
  readonly issues: ErrorDetail[];
  readonly purpose: string;
  readonly channel: string;
}

const pick = (given: string | undefined, allowed: readonly string[]): string =>
  given ?? (allowed.length === 1 ? (allowed[0] as string) : '');

/** Every problem of a draft against its consumer (the URL's reachability is checked apart, target-guard.ts). */
export const checkSubscriptionDraft = (draft: SubscriptionDraft, consumer: ConsumerScope): CheckedDraft => {
  const issues: ErrorDetail[] = [];
  const issue = (path: string, code: string, message: string) => issues.push({ path, code, message });
  if (consumer.status !== 'active') issue('/consumerId', 'CONSUMER_NOT_ACTIVE', 'the consumer is deleted');
  if (draft.eventTypes.length === 0) issue('/eventTypes', 'EMPTY', 'subscribe to at least one event type');
  draft.eventTypes.forEach((t, i) => {
    if (!isDeliveryEventType(t)) issue(`/eventTypes/${i}`, 'UNKNOWN_EVENT_TYPE', `'${t}' is not one of ${DELIVERY_EVENT_TYPES.join(', ')}`);
  });
  if (!(TRANSPORTS as readonly string[]).includes(draft.transport))
    issue('/transport', 'UNKNOWN_TRANSPORT', `transport is one of ${TRANSPORTS.join(', ')}`);
  else if (!(DELIVERED_TRANSPORTS as readonly string[]).includes(draft.transport))
    issue('/transport', 'TRANSPORT_NOT_AVAILABLE', `the ${draft.transport} transport is not available yet`);
  if (draft.transport === 'webhook' && (draft.url === undefined || draft.url === null || draft.url === ''))
    issue('/url', 'REQUIRED', 'a webhook subscription needs a url');
  const purpose = pick(draft.purpose, consumer.purposes);
  const channel = pick(draft.channel, consumer.channels);
  if (purpose === '') issue('/purpose', 'REQUIRED', `name the purpose: one of the consumer's ${consumer.purposes.join(', ')}`);
  else if (!consumer.purposes.includes(purpose))
    issue('/purpose', 'PURPOSE_NOT_REGISTERED', `the consumer is not registered for '${purpose}'`);
  if (channel === '') issue('/channel', 'REQUIRED', `name the channel: one of the consumer's ${consumer.channels.join(', ')}`);
  else if (!consumer.channels.includes(channel))
    issue('/channel', 'CHANNEL_NOT_REGISTERED', `the consumer is not registered for '${channel}'`);
  (draft.filters?.audienceIds ?? []).forEach((a, i) => {
    if (a.trim() === '') issue(`/filters/audienceIds/${i}`, 'EMPTY', 'an audience id is not blank');
  });
  return { issues, purpose, channel };
};

/** The secrets that sign at `now`: the newest first, an old one until its expiry. */
export const signingSecrets = (secrets: readonly SubscriptionSecret[], now: Date): string[] =>
  [...secrets]
    .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime())
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((s) => s.secret);

/** After a rotation: the new secret, and the current ones kept until `graceUntil` (expired ones dropped). */
export const rotateSecrets = (secrets: readonly SubscriptionSecret[], fresh: string, now: Date, graceUntil: Date): SubscriptionSecret[] => {
  const kept = secrets
    .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime())
    .map((s) => ({
      ...s,
      expiresAt: s.expiresAt !== null && Date.parse(s.expiresAt) < graceUntil.getTime() ? s.expiresAt : graceUntil.toISOString(),
    }));
  return [{ secret: fresh, createdAt: now.toISOString(), expiresAt: null }, ...kept];
};

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether an outbox message goes to the subscription: its type, its filters, and created since the subscription. */
export const subscriptionMatches = (
  subscription: Pick<Subscription, 'eventTypes' | 'filters' | 'createdAt'>,
  message: { readonly type: string; readonly data: unknown; readonly createdAt: string },
): boolean => {
  if (!(subscription.eventTypes as readonly string[]).includes(message.type)) return false;
  if (message.createdAt < subscription.createdAt) return false;
  const audiences = subscription.filters.audienceIds;
  if (audiences !== undefined && audiences.length > 0 && message.type.startsWith('audience.')) {
    const audienceId = isRecord(message.data) ? message.data.audienceId : undefined;
    return typeof audienceId === 'string' && audiences.includes(audienceId);
  }
  return true;
};
