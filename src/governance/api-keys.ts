import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { randomToken, sha256Hex } from '../core/hash.js';
import type { IdGenerator } from '../core/ids.js';
import type { Db } from '../storage/index.js';
import type { Principal, Scope } from './scopes.js';

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** The id of the admin key that TESSERA_ADMIN_KEY configures (or that the first start generated). */
export const BOOTSTRAP_KEY_ID = 'admin-bootstrap';
const CACHE_TTL_MS = 30_000;

/**
 * API keys: only a SHA-256 of each key is stored, so a copy of the database discloses no key.
 * Verified keys are cached briefly so authentication costs no query on the hot path; revocation
 * clears the cache of this process at once (other processes within the TTL).
 */
export class ApiKeys {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #cache = new Map<string, { principal: Principal | undefined; until: number }>();

  constructor(deps: { db: Db; clock: Clock; ids: IdGenerator }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#ids = deps.ids;
  }

  /**
   * Makes sure an admin key exists. With a configured key, its hash replaces the bootstrap key's.
   * Without one, a key is generated only when no active admin key exists, and returned so the
   * caller prints it once.
   */
  async ensureAdmin(configuredKey: string | undefined): Promise<string | undefined> {
    const now = this.#clock.now().toISOString();
    if (configuredKey !== undefined) {
      await this.#db
        .insertInto('api_keys')
        .values({
          id: BOOTSTRAP_KEY_ID,
          name: 'bootstrap admin (TESSERA_ADMIN_KEY)',
          key_hash: sha256Hex(configuredKey),
          scopes: JSON.stringify(['admin']),
          created_at: now,
          revoked_at: null,
        })
        .onConflict((oc) => oc.column('id').doUpdateSet({ key_hash: sha256Hex(configuredKey), revoked_at: null }))
        .execute();
      this.#cache.clear();
      return undefined;
    }
    const admins = await this.list();
    if (admins.some((k) => k.revokedAt === null && k.scopes.includes('admin'))) return undefined;
    const key = `tsk_${randomToken(40)}`;
    await this.#db
      .insertInto('api_keys')
      .values({
        id: BOOTSTRAP_KEY_ID,
        name: 'bootstrap admin (generated)',
        key_hash: sha256Hex(key),
        scopes: JSON.stringify(['admin']),
        created_at: now,
        revoked_at: null,
      })
      .onConflict((oc) => oc.column('id').doUpdateSet({ key_hash: sha256Hex(key), revoked_at: null }))
      .execute();
    return key;
  }

  async create(name: string, scopes: readonly Scope[]): Promise<{ apiKey: ApiKey; key: string }> {
    if (scopes.length === 0) throw new AppError('VALIDATION_FAILED', 'an API key needs at least one scope');
    const key = `tsk_${randomToken(40)}`;
    const apiKey: ApiKey = {
      id: this.#ids.next(),
      name,
      scopes: [...new Set(scopes)],
      createdAt: this.#clock.now().toISOString(),
      revokedAt: null,
    };
    await this.#db
      .insertInto('api_keys')
      .values({
        id: apiKey.id,
        name,
        key_hash: sha256Hex(key),
        scopes: JSON.stringify(apiKey.scopes),
        created_at: apiKey.createdAt,
        revoked_at: null,
      })
      .execute();
    return { apiKey, key };
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.#db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      scopes: JSON.parse(r.scopes) as Scope[],
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
    }));
  }

  async revoke(id: string): Promise<void> {
    const result = await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: this.#clock.now().toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new AppError('NOT_FOUND', `active API key '${id}' not found`);
    this.#cache.clear();
  }

  async verify(key: string): Promise<Principal | undefined> {
    const hash = sha256Hex(key);
    const now = this.#clock.now().getTime();
    const cached = this.#cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const row = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const principal: Principal | undefined = row
      ? { kind: 'api-key', keyId: row.id, name: row.name, scopes: JSON.parse(row.scopes) as Scope[] }
      : undefined;
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(hash, { principal, until: now + CACHE_TTL_MS });
    return principal;
  }
}
