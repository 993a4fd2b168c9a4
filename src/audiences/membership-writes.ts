import { sql } from 'kysely';
import { sha256Hex } from '../core/hash.js';
import type { Db } from '../storage/index.js';
import { membershipStore, type MemberRow } from './membership.store.js';
import type { EntityType } from './rule.js';

/*
 * What one membership evaluation step (a batch, a scheduler step, a materialisation chunk) writes,
 * gathered while it evaluates and written at the end in the step's transaction: member rows,
 * removals, outbox messages, and the entities' wake-ups.
 */

export interface PendingWrites {
  readonly upserts: MemberRow[];
  readonly removals: Map<string, string[]>;
  readonly messages: { id: string; type: string; subject: string; data: string; created_at: string }[];
  /** Wake-ups that may only move earlier (an event-driven evaluation saw some audiences only). */
  readonly earlier: Record<EntityType, Map<string, string | null>>;
  /** Wake-ups found over every audience of the entity's type. */
  readonly exact: Record<EntityType, Map<string, string | null>>;
}

export const pendingWrites = (): PendingWrites => ({
  upserts: [],
  removals: new Map(),
  messages: [],
  earlier: { person: new Map(), account: new Map(), organisation: new Map() },
  exact: { person: new Map(), account: new Map(), organisation: new Map() },
});

/** Outbox ids named by what they describe, so a repeated batch writes no row twice. */
export const messageId = (...parts: readonly (string | number)[]): string => `ob_${sha256Hex(parts.join('\u0000')).slice(0, 32)}`;

/** Writes what the step gathered. */
export const flushWrites = async (trx: Db, writes: PendingWrites): Promise<void> => {
  await membershipStore.upsertMembers(trx, writes.upserts);
  for (const [audienceId, ids] of writes.removals) await membershipStore.removeMembers(trx, audienceId, ids);
  for (let i = 0; i < writes.messages.length; i += 500)
    await trx
      .insertInto('outbox')
      .values(writes.messages.slice(i, i + 500))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  for (const entity of ['person', 'account', 'organisation'] as const) {
    await membershipStore.setWakeups(trx, entity, writes.exact[entity]);
    await setEarlierWakeups(trx, entity, writes.earlier[entity]);
  }
};

/** Wake-ups that may only move earlier: an upsert keeping the earlier of the stored and the new. */
const setEarlierWakeups = async (db: Db, entity: EntityType, wakeups: ReadonlyMap<string, string | null>): Promise<void> => {
  const rows = [...wakeups].filter((w): w is [string, string] => w[1] !== null);
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('audience_wakeups')
      .values(rows.slice(i, i + 500).map(([id, at]) => ({ entity, entity_id: id, wake_at: at })))
      .onConflict((oc) =>
        oc.columns(['entity', 'entity_id']).doUpdateSet({
          wake_at: sql<string>`case when excluded.wake_at < audience_wakeups.wake_at then excluded.wake_at else audience_wakeups.wake_at end`,
        }),
      )
      .execute();
};
