/*
 * Delivery (issue 8, part A): subscriptions per consumer, the outbox fan-out, CloudEvents envelopes
 * decided by the policy for each consumer, and signed webhooks (Standard Webhooks 1.0) with
 * retries, dead letters and replay. docs/delivery.md describes the model and the API.
 */
export { DELIVERY_EVENT_TYPES, TRANSPORTS, isDeliveryEventType, type DeliveryEventType, type Transport } from './event-types.js';
export {
  checkSubscriptionDraft,
  rotateSecrets,
  signingSecrets,
  subscriptionMatches,
  type Subscription,
  type SubscriptionDraft,
  type SubscriptionFilters,
  type SubscriptionSecret,
} from './subscription.js';
export { SECRET_PREFIX, generateSecret, sign, verifySignature, webhookHeaders, type WebhookHeaders } from './webhook-signature.js';
export { MAX_ATTEMPTS, RETRY_DELAYS_MS, attemptOutcome, parseRetryAfter, retryDelayMs, type AttemptResult } from './retry-schedule.js';
export { checkWebhookUrl, guardedLookup, isPublicAddress, systemResolve, type Resolve } from './target-guard.js';
export { httpWebhookTransport, type WebhookRequest, type WebhookTransport } from './webhook-transport.js';
export { DELIVERY_STATUSES, deliveriesStore, type Delivery, type DeliveryStatus } from './deliveries.store.js';
export { createDeliveryMetrics, type DeliveryMetrics } from './delivery-metrics.js';
export { OutboxFanOut } from './fan-out.js';
export { Dispatcher, type DispatcherOptions, type RoundStats } from './dispatcher.js';
export { SubscriptionService } from './subscriptions.service.js';
export { registerSubscriptionRoutes } from './delivery.routes.js';
