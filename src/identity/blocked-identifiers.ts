import type { IdentifierTypeName } from '../contracts/index.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../storage/index.js';
import type { IdentifierNormaliser } from './normalise.js';

export interface BlockedIdentifier {
  readonly type: IdentifierTypeName;
  readonly value: string;
  readonly reason: string;
  readonly createdAt: string;
}

const key = (type: string, value: string): string => `${type}\u0000${value}`;

/**
 * Identifier values the operator has blocked (test numbers, a shared corporate mailbox, a value
 * known to be wrong): an event carrying one is quarantined. Held in memory for the hot path.
 */
export class BlockedIdentifiers {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #normaliser: IdentifierNormaliser;
  #values = new Map<string, BlockedIdentifier>();
  #reloaded: () => Promise<void> = async () => undefined;

  constructor(deps: { db: Db; clock: Clock; normaliser: IdentifierNormaliser }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#normaliser = deps.normaliser;
  }

  async load(): Promise<void> {
    const rows = await this.#db.selectFrom('blocked_identifiers').selectAll().execute();
    this.#values = new Map(
      rows.map((r) => [
        key(r.id_type, r.value),
        { type: r.id_type as IdentifierTypeName, value: r.value, reason: r.reason, createdAt: r.created_at },
      ]),
    );
    await this.#reloaded();
  }

  /** Runs after every load — every change reloads — so a copy held by another thread can follow. */
  onReload(listener: () => Promise<void>): void {
    this.#reloaded = listener;
  }

  has(type: IdentifierTypeName, normalisedValue: string): boolean {
    return this.#values.size > 0 && this.#values.has(key(type, normalisedValue));
  }

  list(): BlockedIdentifier[] {
    return [...this.#values.values()].sort((a, b) => a.type.localeCompare(b.type) || a.value.localeCompare(b.value));
  }

  /** Blocks a value; it is normalised first so "8 (916) 123-45-67" blocks +79161234567. */
  async add(type: IdentifierTypeName, rawValue: string, reason: string): Promise<BlockedIdentifier> {
    const normalised = this.#normaliser.normalise(type, rawValue);
    // A placeholder is refused anyway; blocking it is allowed and harmless, so keep its raw form.
    if (!normalised.ok && normalised.code === 'INVALID_IDENTIFIER') {
      throw new AppError('INVALID_IDENTIFIER', normalised.message);
    }
    const value = normalised.ok ? normalised.value : rawValue.trim();
    const entry: BlockedIdentifier = { type, value, reason, createdAt: this.#clock.now().toISOString() };
    await this.#db
      .insertInto('blocked_identifiers')
      .values({ id_type: type, value, reason, created_at: entry.createdAt })
      .onConflict((oc) => oc.columns(['id_type', 'value']).doUpdateSet({ reason }))
      .execute();
    await this.load();
    return this.#values.get(key(type, value)) ?? entry;
  }

  async remove(type: IdentifierTypeName, value: string): Promise<boolean> {
    const normalised = this.#normaliser.normalise(type, value);
    const stored = normalised.ok ? normalised.value : value.trim();
    const result = await this.#db
      .deleteFrom('blocked_identifiers')
      .where('id_type', '=', type)
      .where('value', '=', stored)
      .executeTakeFirst();
    await this.load();
    return Number(result.numDeletedRows) > 0;
  }
}
