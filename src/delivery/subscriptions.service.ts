import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Consumer } from '../policy/index.js';
import type { Db } from '../storage/index.js';
import { deliveriesStore, type Delivery, type DeliveryStatus } from './deliveries.store.js';
import type { DeliveryEventType, Transport } from './event-types.js';
import {
  checkSubscriptionDraft,
  rotateSecrets,
  type Subscription,
  type SubscriptionDraft,
  type SubscriptionStatus,
} from './subscription.js';
import { subscriptionsStore } from './subscriptions.store.js';
import { checkWebhookUrl, type Resolve } from './target-guard.js';
import { generateSecret } from './webhook-signature.js';

/*
 * Subscriptions as a stored resource, their secrets, and their deliveries (inspection, replay).
 * A secret is answered once — at creation and at each rotation — and never again, nor logged.
 */

export interface SubscriptionServiceDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly consumers: { get(id: string): Promise<Consumer> };
  readonly allowPrivateTargets: boolean;
  readonly resolve?: Resolve;
}

/** How long the old secret keeps signing after a rotation unless the request says otherwise. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 60 * 60;

export interface SubscriptionUpdate extends Omit<SubscriptionDraft, 'consumerId'> {
  /** `active` re-enables a subscription disabled by a 410 or an operator; `disabled` pauses it. */
  readonly status?: 'active' | 'disabled';
}

export class SubscriptionService {
  readonly #deps: SubscriptionServiceDeps;

  constructor(deps: SubscriptionServiceDeps) {
    this.#deps = deps;
  }

  async create(draft: SubscriptionDraft, actor: string): Promise<{ subscription: Subscription; secret: string }> {
    const consumer = await this.#consumer(draft.consumerId);
    const checked = await this.#check(draft, consumer);
    const at = this.#deps.clock.now().toISOString();
    const secret = generateSecret();
    const subscription: Subscription = {
      id: `sub_${this.#deps.ids.next().toLowerCase()}`,
      consumerId: consumer.id,
      description: draft.description ?? '',
      eventTypes: [...new Set(draft.eventTypes)] as DeliveryEventType[],
      filters: draft.filters?.audienceIds ? { audienceIds: [...new Set(draft.filters.audienceIds)] } : {},
      transport: draft.transport as Transport,
      url: draft.url ?? null,
      purpose: checked.purpose,
      channel: checked.channel,
      secrets: [{ secret, createdAt: at, expiresAt: null }],
      status: 'active',
      statusReason: null,
      revision: 1,
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
    };
    await subscriptionsStore.insert(this.#deps.db, subscription);
    return { subscription, secret };
  }

  async get(id: string): Promise<Subscription> {
    const subscription = await subscriptionsStore.get(this.#deps.db, id);
    if (!subscription || subscription.status === 'deleted') throw new AppError('NOT_FOUND', `subscription '${id}' not found`);
    return subscription;
  }

  async list(filter: { consumerId?: string; status?: SubscriptionStatus; after?: string; limit: number }): Promise<Subscription[]> {
    const rows = await subscriptionsStore.list(this.#deps.db, filter);
    return filter.status === undefined ? rows.filter((s) => s.status !== 'deleted') : rows;
  }

  /** Replaces types, filters, target, purpose and channel; `status` enables or pauses. The secrets stay. */
  async update(id: string, update: SubscriptionUpdate, actor: string): Promise<Subscription> {
    const stored = await this.get(id);
    const consumer = await this.#consumer(stored.consumerId);
    const checked = await this.#check({ ...update, consumerId: stored.consumerId }, consumer);
    const status = update.status ?? stored.status;
    const next: Subscription = {
      ...stored,
      description: update.description ?? stored.description,
      eventTypes: [...new Set(update.eventTypes)] as DeliveryEventType[],
      filters: update.filters?.audienceIds ? { audienceIds: [...new Set(update.filters.audienceIds)] } : {},
      transport: update.transport as Transport,
      url: update.url ?? null,
      purpose: checked.purpose,
      channel: checked.channel,
      status,
      statusReason: status === 'active' ? null : status === stored.status ? stored.statusReason : `disabled by ${actor}`,
      revision: stored.revision + 1,
      updatedAt: this.#deps.clock.now().toISOString(),
      updatedBy: actor,
    };
    if (!(await subscriptionsStore.update(this.#deps.db, next, stored.revision)))
      throw new AppError('CONFLICT', `subscription '${id}' was changed meanwhile: reload and edit again`);
    return next;
  }

  /** Marks it deleted (nothing more is delivered; its deliveries stay inspectable by id). */
  async delete(id: string, actor: string): Promise<Subscription> {
    const stored = await this.get(id);
    const at = this.#deps.clock.now().toISOString();
    const next: Subscription = {
      ...stored,
      status: 'deleted',
      statusReason: `deleted by ${actor}`,
      revision: stored.revision + 1,
      updatedAt: at,
      updatedBy: actor,
    };
    await this.#deps.db.transaction().execute(async (trx) => {
      if (!(await subscriptionsStore.update(trx, next, stored.revision)))
        throw new AppError('CONFLICT', `subscription '${id}' was changed meanwhile: try again`);
      await deliveriesStore.killPending(trx, id, 'the subscription is deleted', at);
    });
    return next;
  }

  /**
   * A new secret, answered once; the current ones keep signing for `graceSeconds` (the header
   * carries a signature per valid secret), so receivers can switch without losing a delivery.
   */
  async rotateSecret(id: string, graceSeconds: number, actor: string): Promise<{ subscription: Subscription; secret: string }> {
    const stored = await this.get(id);
    const now = this.#deps.clock.now();
    const secret = generateSecret();
    const next: Subscription = {
      ...stored,
      secrets: rotateSecrets(stored.secrets, secret, now, new Date(now.getTime() + graceSeconds * 1000)),
      revision: stored.revision + 1,
      updatedAt: now.toISOString(),
      updatedBy: actor,
    };
    if (!(await subscriptionsStore.update(this.#deps.db, next, stored.revision)))
      throw new AppError('CONFLICT', `subscription '${id}' was changed meanwhile: try again`);
    return { subscription: next, secret };
  }

  async deliveries(id: string, filter: { status?: DeliveryStatus; afterSeq?: number; limit: number }): Promise<Delivery[]> {
    await this.#existing(id);
    return deliveriesStore.list(this.#deps.db, { subscriptionId: id, ...filter });
  }

  /** One delivery by its id or its message id (the webhook-id). */
  async delivery(id: string, deliveryId: string): Promise<Delivery> {
    await this.#existing(id);
    const delivery = await deliveriesStore.get(this.#deps.db, id, deliveryId);
    if (!delivery) throw new AppError('NOT_FOUND', `delivery '${deliveryId}' not found`);
    return delivery;
  }

  /** Sends one message again (whatever became of it), under its original id. */
  async replayOne(id: string, deliveryId: string): Promise<Delivery> {
    const delivery = await this.delivery(id, deliveryId);
    if (delivery.status === 'pending') return delivery;
    await deliveriesStore.replay(this.#deps.db, { subscriptionId: id, id: delivery.id }, this.#deps.clock.now().toISOString());
    return this.delivery(id, delivery.id);
  }

  /** Every dead letter created since `since` back to pending, under the original ids. */
  async replayFailed(id: string, since: string): Promise<number> {
    await this.#existing(id);
    if (Number.isNaN(Date.parse(since)))
      throw new AppError('VALIDATION_FAILED', 'since is an ISO 8601 time', [
        { path: '/since', code: 'INVALID_TIME', message: 'since is an ISO 8601 time' },
      ]);
    return deliveriesStore.replay(
      this.#deps.db,
      { subscriptionId: id, since: new Date(since).toISOString() },
      this.#deps.clock.now().toISOString(),
    );
  }

  async #existing(id: string): Promise<Subscription> {
    const subscription = await subscriptionsStore.get(this.#deps.db, id);
    if (!subscription) throw new AppError('NOT_FOUND', `subscription '${id}' not found`);
    return subscription;
  }

  async #consumer(id: string): Promise<Consumer> {
    try {
      return await this.#deps.consumers.get(id);
    } catch (err) {
      if (err instanceof AppError && err.code === 'NOT_FOUND')
        throw new AppError('VALIDATION_FAILED', 'the subscription is not valid', [
          { path: '/consumerId', code: 'UNKNOWN_CONSUMER', message: `consumer '${id}' is not registered` },
        ]);
      throw err;
    }
  }

  async #check(draft: SubscriptionDraft, consumer: Consumer) {
    const checked = checkSubscriptionDraft(draft, consumer);
    if (draft.transport === 'webhook' && typeof draft.url === 'string' && draft.url !== '')
      checked.issues.push(
        ...(await checkWebhookUrl(draft.url, {
          allowPrivate: this.#deps.allowPrivateTargets,
          ...(this.#deps.resolve ? { resolve: this.#deps.resolve } : {}),
        })),
      );
    if (checked.issues.length > 0) throw new AppError('VALIDATION_FAILED', 'the subscription is not valid', checked.issues);
    return checked;
  }
}
