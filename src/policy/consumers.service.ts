import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { ApiKeys, Scope } from '../governance/index.js';
import type { Db } from '../storage/index.js';
import { checkConsumerDraft, consumerFields, type Consumer, type ConsumerDraft } from './consumer.js';
import { consumersStore } from './consumers.store.js';

/*
 * Consumers as a stored resource. Registering one issues an API key bound to it (the key's
 * secret is answered once); deleting one revokes the key and keeps the row, so the disclosure log
 * still names it. Every change raises the revision, which keys the decision cache.
 */

/** What a consumer's key may do unless the registration says otherwise: read the profiles policy projects. */
export const DEFAULT_CONSUMER_SCOPES: readonly Scope[] = ['profiles:read'];

export interface ConsumerRegistration extends ConsumerDraft {
  readonly id?: string;
  /** Scopes of the consumer's API key; never `admin`. */
  readonly keyScopes?: readonly Scope[];
}

export class ConsumerService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #apiKeys: ApiKeys;

  constructor(deps: { db: Db; clock: Clock; ids: IdGenerator; apiKeys: ApiKeys }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#ids = deps.ids;
    this.#apiKeys = deps.apiKeys;
  }

  async create(registration: ConsumerRegistration, actor: string): Promise<{ consumer: Consumer; key: string }> {
    const id = registration.id ?? `c-${this.#ids.next().toLowerCase()}`;
    const issues = checkConsumerDraft(registration, registration.id);
    const scopes = registration.keyScopes ?? DEFAULT_CONSUMER_SCOPES;
    if (scopes.includes('admin'))
      issues.push({ path: '/keyScopes', code: 'ADMIN_SCOPE', message: "a consumer's key never has the admin scope" });
    if (scopes.length === 0) issues.push({ path: '/keyScopes', code: 'EMPTY', message: "a consumer's key needs at least one scope" });
    if (issues.length > 0) throw new AppError('VALIDATION_FAILED', 'the consumer is not valid', issues);
    if (await consumersStore.get(this.#db, id)) throw new AppError('CONFLICT', `consumer '${id}' already exists`);
    const { apiKey, key } = await this.#apiKeys.create(`consumer:${id}`, scopes);
    const at = this.#clock.now().toISOString();
    const consumer: Consumer = {
      id,
      ...consumerFields(registration),
      apiKeyId: apiKey.id,
      status: 'active',
      revision: 1,
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
    };
    if (!(await consumersStore.insert(this.#db, consumer))) {
      await this.#apiKeys.revoke(apiKey.id);
      throw new AppError('CONFLICT', `consumer '${id}' already exists`);
    }
    return { consumer, key };
  }

  async get(id: string): Promise<Consumer> {
    const consumer = await consumersStore.get(this.#db, id);
    if (!consumer) throw new AppError('NOT_FOUND', `consumer '${id}' not found`);
    return consumer;
  }

  /** The active consumer an API key is bound to, if any: how an exit knows who is asking. */
  async forApiKey(apiKeyId: string): Promise<Consumer | undefined> {
    return consumersStore.byApiKey(this.#db, apiKeyId);
  }

  async list(filter: { status?: Consumer['status']; after?: string; limit: number }): Promise<Consumer[]> {
    return consumersStore.list(this.#db, filter);
  }

  /** Replaces purposes, channels, signals and the rest; the API key stays. */
  async update(id: string, draft: ConsumerDraft, actor: string): Promise<Consumer> {
    const issues = checkConsumerDraft(draft);
    if (issues.length > 0) throw new AppError('VALIDATION_FAILED', 'the consumer is not valid', issues);
    const stored = await this.get(id);
    if (stored.status !== 'active') throw new AppError('CONFLICT', `consumer '${id}' is deleted; register a new one instead`);
    const next: Consumer = {
      ...stored,
      ...consumerFields(draft),
      revision: stored.revision + 1,
      updatedAt: this.#clock.now().toISOString(),
      updatedBy: actor,
    };
    if (!(await consumersStore.update(this.#db, next, stored.revision)))
      throw new AppError('CONFLICT', `consumer '${id}' was changed meanwhile: reload and edit again`);
    return next;
  }

  /** Marks the consumer deleted and revokes its key; deleting a deleted consumer changes nothing. */
  async delete(id: string, actor: string): Promise<Consumer> {
    const stored = await this.get(id);
    if (stored.status === 'deleted') return stored;
    const next: Consumer = {
      ...stored,
      status: 'deleted',
      revision: stored.revision + 1,
      updatedAt: this.#clock.now().toISOString(),
      updatedBy: actor,
    };
    if (!(await consumersStore.update(this.#db, next, stored.revision)))
      throw new AppError('CONFLICT', `consumer '${id}' was changed meanwhile: try again`);
    if (stored.apiKeyId !== null) {
      try {
        await this.#apiKeys.revoke(stored.apiKeyId);
      } catch (err) {
        // Already revoked by an administrator through /v1/api-keys: nothing left to do.
        if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
      }
    }
    return next;
  }
}
