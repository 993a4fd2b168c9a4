import type { FastifyRequest } from 'fastify';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { Delivery } from './deliveries.store.js';
import {
  CreateSubscriptionBody,
  DeliveryListResponse,
  DeliveryParams,
  DeliveryResponse,
  ListDeliveriesQuery,
  ListSubscriptionsQuery,
  ReplayBody,
  ReplayResponse,
  RotateSecretQuery,
  SubscriptionListResponse,
  SubscriptionParams,
  SubscriptionResponse,
  SubscriptionWithSecretResponse,
  UpdateSubscriptionBody,
} from './delivery.schemas.js';
import type { Subscription } from './subscription.js';
import { DEFAULT_ROTATION_GRACE_SECONDS, type SubscriptionService } from './subscriptions.service.js';

/** Who made a change: the API key's id. */
const actorOf = (request: FastifyRequest): string => (request.principal?.kind === 'api-key' ? request.principal.keyId : 'unknown');

/** A subscription as answered: never its secrets, only when they were made and until when they sign. */
const present = (s: Subscription) => ({
  ...s,
  eventTypes: [...s.eventTypes],
  filters: s.filters.audienceIds ? { audienceIds: [...s.filters.audienceIds] } : {},
  secrets: s.secrets.map((x) => ({ createdAt: x.createdAt, expiresAt: x.expiresAt })),
});
const presentDelivery = (d: Delivery) => ({ ...d });

export const registerSubscriptionRoutes = (app: HttpServer, deps: { subscriptions: SubscriptionService }): void => {
  const { subscriptions } = deps;
  const read = { auth: { scope: 'subscriptions:read' } } as const;
  const write = { auth: { scope: 'subscriptions:write' } } as const;
  const tags = ['delivery'];

  app.post(
    '/v1/subscriptions',
    {
      config: write,
      schema: {
        tags,
        summary: 'Subscribe a consumer to event types over a transport; the whsec_ signing secret is shown once',
        description:
          'Webhook URLs must be public http(s) addresses (400 PRIVATE_TARGET otherwise, unless TESSERA_WEBHOOK_ALLOW_PRIVATE). Purpose and channel must be among the consumer’s; every delivery is decided by the policy for them.',
        body: CreateSubscriptionBody,
        response: { 201: SubscriptionWithSecretResponse, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { subscription, secret } = await subscriptions.create(request.body, actorOf(request));
      void reply.status(201).header('location', `/v1/subscriptions/${subscription.id}`);
      return { ...present(subscription), secret };
    },
  );

  app.get(
    '/v1/subscriptions',
    {
      config: read,
      schema: {
        tags,
        summary: 'Subscriptions by id; page with `after`',
        querystring: ListSubscriptionsQuery,
        response: { 200: SubscriptionListResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { consumerId, status, after, limit = 100 } = request.query;
      const items = await subscriptions.list({
        ...(consumerId !== undefined ? { consumerId } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(after !== undefined ? { after } : {}),
        limit,
      });
      return { items: items.map(present), next: items.length === limit ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/v1/subscriptions/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'One subscription',
        params: SubscriptionParams,
        response: { 200: SubscriptionResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => present(await subscriptions.get(request.params.id)),
  );

  app.put(
    '/v1/subscriptions/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Replace a subscription’s types, filters, target, purpose and channel; `status` re-enables or pauses it',
        params: SubscriptionParams,
        body: UpdateSubscriptionBody,
        response: { 200: SubscriptionResponse, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => present(await subscriptions.update(request.params.id, request.body, actorOf(request))),
  );

  app.delete(
    '/v1/subscriptions/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a subscription: nothing more is delivered; waiting deliveries become dead letters',
        params: SubscriptionParams,
        response: { 200: SubscriptionResponse, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => present(await subscriptions.delete(request.params.id, actorOf(request))),
  );

  app.post(
    '/v1/subscriptions/:id/rotate-secret',
    {
      config: write,
      schema: {
        tags,
        summary: 'A new signing secret (shown once); the current one keeps signing for `graceSeconds` (query, default a day)',
        description: 'During the grace period every delivery carries two signatures in webhook-signature, one per valid secret.',
        params: SubscriptionParams,
        querystring: RotateSecretQuery,
        response: { 200: SubscriptionWithSecretResponse, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const grace = request.query.graceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
      const { subscription, secret } = await subscriptions.rotateSecret(request.params.id, grace, actorOf(request));
      return { ...present(subscription), secret };
    },
  );

  app.get(
    '/v1/subscriptions/:id/deliveries',
    {
      config: read,
      schema: {
        tags,
        summary: 'Deliveries in fan-out order: status, attempts, next attempt, last answer and error; page with `afterSeq`',
        params: SubscriptionParams,
        querystring: ListDeliveriesQuery,
        response: { 200: DeliveryListResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { status, afterSeq, limit = 100 } = request.query;
      const items = await subscriptions.deliveries(request.params.id, {
        ...(status !== undefined ? { status } : {}),
        ...(afterSeq !== undefined ? { afterSeq } : {}),
        limit,
      });
      return { items: items.map(presentDelivery), next: items.length === limit ? (items.at(-1)?.seq ?? null) : null };
    },
  );

  app.get(
    '/v1/subscriptions/:id/deliveries/:deliveryId',
    {
      config: read,
      schema: {
        tags,
        summary: 'One delivery, by its id or its message id (webhook-id)',
        params: DeliveryParams,
        response: { 200: DeliveryResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => presentDelivery(await subscriptions.delivery(request.params.id, request.params.deliveryId)),
  );

  app.post(
    '/v1/subscriptions/:id/deliveries/:deliveryId/replay',
    {
      config: write,
      schema: {
        tags,
        summary: 'Send one message again under its original webhook-id (the policy decides again at send time)',
        params: DeliveryParams,
        response: { 200: DeliveryResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => presentDelivery(await subscriptions.replayOne(request.params.id, request.params.deliveryId)),
  );

  app.post(
    '/v1/subscriptions/:id/replay',
    {
      config: write,
      schema: {
        tags,
        summary: 'Send every dead letter created since a time again, under the original ids',
        params: SubscriptionParams,
        body: ReplayBody,
        response: { 200: ReplayResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({ replayed: await subscriptions.replayFailed(request.params.id, request.body.since) }),
  );
};
