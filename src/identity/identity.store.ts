import type { Selectable } from 'kysely';
import type { Db, IdentityEdgeTable, IdentityNodeTable } from '../storage/index.js';
import type { EventRef } from './observe.js';

// Stay well below SQLite's bound-parameter limit in IN lists.
const CHUNK = 2000;
const chunks = <T>(items: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
};

export interface StoredValue {
  readonly valueKey: string;
  readonly component: string;
  readonly firstEvent: EventRef;
}

export interface StoredEdge {
  readonly a: string;
  readonly b: string;
  readonly component: string;
  readonly first: EventRef;
  readonly last: EventRef;
}

export interface StoredNode {
  readonly nodeKey: string;
  readonly valueKey: string;
  readonly type: string;
  readonly value: string;
  readonly epoch: number;
  readonly validFrom: string | null;
  readonly validTo: string | null;
  readonly profileId: string;
  readonly component: string;
  readonly reason: unknown;
}

export interface AccountRelationRow {
  readonly profile_id: string;
  readonly account_id: string;
  readonly role: string;
  readonly first_at: string;
  readonly last_at: string;
}

export const pairKey = (a: string, b: string): [string, string] => (a < b ? [a, b] : [b, a]);

/** Kysely queries of the identity tables; every function runs inside or outside a transaction. */
export const identityStore = {
  async values(db: Db, keys: readonly string[]): Promise<Map<string, StoredValue>> {
    const out = new Map<string, StoredValue>();
    for (const part of chunks([...new Set(keys)])) {
      const rows = await db.selectFrom('identity_values').selectAll().where('value_key', 'in', part).execute();
      for (const r of rows)
        out.set(r.value_key, { valueKey: r.value_key, component: r.component, firstEvent: JSON.parse(r.first_event) as EventRef });
    }
    return out;
  },

  async existingEdges(db: Db, pairs: readonly (readonly [string, string])[]): Promise<Map<string, StoredEdge>> {
    const out = new Map<string, StoredEdge>();
    const byA = new Map<string, Set<string>>();
    for (const [a, b] of pairs) byA.set(a, (byA.get(a) ?? new Set()).add(b));
    for (const part of chunks([...byA.keys()])) {
      const rows = await db.selectFrom('identity_edges').selectAll().where('a_key', 'in', part).execute();
      for (const r of rows) {
        if (!byA.get(r.a_key)?.has(r.b_key)) continue;
        out.set(`${r.a_key}|${r.b_key}`, edgeOf(r));
      }
    }
    return out;
  },

  async lineEnds(db: Db, valueKeys: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const part of chunks([...new Set(valueKeys)])) {
      const rows = await db
        .selectFrom('identity_line_ends')
        .select(['value_key', 'at'])
        .where('value_key', 'in', part)
        .orderBy('at')
        .execute();
      for (const r of rows) out.set(r.value_key, [...(out.get(r.value_key) ?? []), r.at]);
    }
    return out;
  },

  async componentData(db: Db, components: readonly string[]) {
    const values: StoredValue[] = [];
    const edges: StoredEdge[] = [];
    const nodes: StoredNode[] = [];
    for (const part of chunks([...new Set(components)])) {
      for (const r of await db.selectFrom('identity_values').selectAll().where('component', 'in', part).execute()) {
        values.push({ valueKey: r.value_key, component: r.component, firstEvent: JSON.parse(r.first_event) as EventRef });
      }
      for (const r of await db.selectFrom('identity_edges').selectAll().where('component', 'in', part).execute()) edges.push(edgeOf(r));
      for (const r of await db.selectFrom('identity_nodes').selectAll().where('component', 'in', part).execute()) nodes.push(nodeOf(r));
    }
    return { values, edges, nodes };
  },

  async nodesOfValues(db: Db, valueKeys: readonly string[]): Promise<StoredNode[]> {
    const out: StoredNode[] = [];
    for (const part of chunks([...new Set(valueKeys)])) {
      for (const r of await db.selectFrom('identity_nodes').selectAll().where('value_key', 'in', part).execute()) out.push(nodeOf(r));
    }
    return out;
  },

  async nodesOfProfile(db: Db, profileId: string): Promise<StoredNode[]> {
    const rows = await db.selectFrom('identity_nodes').selectAll().where('profile_id', '=', profileId).orderBy('node_key').execute();
    return rows.map(nodeOf);
  },

  async removedLinks(db: Db): Promise<Set<string>> {
    const rows = await db.selectFrom('identity_removed_links').select('link_key').execute();
    return new Set(rows.map((r) => r.link_key));
  },

  /** Profiles that stand for a person now (not merged into another). */
  async liveProfileCount(db: Db): Promise<number> {
    const row = await db
      .selectFrom('profiles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('merged_into', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async profilesCreated(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks([...new Set(ids)])) {
      for (const r of await db.selectFrom('profiles').select(['id', 'created_at']).where('id', 'in', part).execute())
        out.set(r.id, r.created_at);
    }
    return out;
  },

  async insertValues(db: Db, values: readonly StoredValue[]): Promise<void> {
    for (const part of chunks(values)) {
      await db
        .insertInto('identity_values')
        .values(
          part.map((v) => ({
            value_key: v.valueKey,
            component: v.component,
            first_event: JSON.stringify(v.firstEvent),
            first_at: v.firstEvent.at,
          })),
        )
        .onConflict((oc) => oc.column('value_key').doNothing())
        .execute();
    }
  },

  async upsertEdges(db: Db, edges: readonly StoredEdge[]): Promise<void> {
    for (const part of chunks(edges)) {
      await db
        .insertInto('identity_edges')
        .values(
          part.map((e) => ({
            a_key: e.a,
            b_key: e.b,
            component: e.component,
            first_event: JSON.stringify(e.first),
            first_at: e.first.at,
            last_event: JSON.stringify(e.last),
            last_at: e.last.at,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['a_key', 'b_key']).doUpdateSet((eb) => ({
            component: eb.ref('excluded.component'),
            first_event: eb.ref('excluded.first_event'),
            first_at: eb.ref('excluded.first_at'),
            last_event: eb.ref('excluded.last_event'),
            last_at: eb.ref('excluded.last_at'),
          })),
        )
        .execute();
    }
  },

  async insertLineEnds(db: Db, ends: readonly { valueKey: string; event: EventRef }[]): Promise<void> {
    for (const part of chunks(ends)) {
      await db
        .insertInto('identity_line_ends')
        .values(part.map((e) => ({ value_key: e.valueKey, at: e.event.at, event: JSON.stringify(e.event) })))
        .onConflict((oc) => oc.columns(['value_key', 'at']).doNothing())
        .execute();
    }
  },

  /** Moves every value, edge and node of the old components into their new components. */
  async relabel(db: Db, moves: ReadonlyMap<string, string>): Promise<void> {
    for (const [from, to] of moves) {
      await db.updateTable('identity_values').set({ component: to }).where('component', '=', from).execute();
      await db.updateTable('identity_edges').set({ component: to }).where('component', '=', from).execute();
      await db.updateTable('identity_nodes').set({ component: to }).where('component', '=', from).execute();
    }
  },

  /** Records (or widens) a person's relation to an account. */
  /** Records person ↔ account relations; rows for the same relation are folded first (earliest first, latest last). */
  async upsertAccounts(db: Db, rows: readonly AccountRelationRow[]): Promise<void> {
    const folded = new Map<string, AccountRelationRow>();
    for (const r of rows) {
      const key = `${r.profile_id}\u0000${r.account_id}\u0000${r.role}`;
      const known = folded.get(key);
      folded.set(
        key,
        known
          ? {
              ...r,
              first_at: known.first_at < r.first_at ? known.first_at : r.first_at,
              last_at: known.last_at > r.last_at ? known.last_at : r.last_at,
            }
          : r,
      );
    }
    for (const part of chunks([...folded.values()])) {
      await db
        .insertInto('profile_accounts')
        .values(part)
        .onConflict((oc) =>
          oc.columns(['profile_id', 'account_id', 'role']).doUpdateSet((eb) => ({
            // CASE rather than min()/max(): two-argument min is scalar on SQLite but an aggregate on PostgreSQL.
            first_at: eb
              .case()
              .when(eb.ref('excluded.first_at'), '<', eb.ref('profile_accounts.first_at'))
              .then(eb.ref('excluded.first_at'))
              .else(eb.ref('profile_accounts.first_at'))
              .end(),
            last_at: eb
              .case()
              .when(eb.ref('excluded.last_at'), '>', eb.ref('profile_accounts.last_at'))
              .then(eb.ref('excluded.last_at'))
              .else(eb.ref('profile_accounts.last_at'))
              .end(),
          })),
        )
        .execute();
    }
  },

  async moveAccounts(db: Db, from: readonly string[], to: string): Promise<void> {
    const rows = await db
      .selectFrom('profile_accounts')
      .selectAll()
      .where('profile_id', 'in', [...from])
      .execute();
    await identityStore.upsertAccounts(
      db,
      rows.map((r) => ({ ...r, profile_id: to })),
    );
    await db
      .deleteFrom('profile_accounts')
      .where('profile_id', 'in', [...from])
      .execute();
  },

  async replaceNodes(db: Db, components: readonly string[], nodes: readonly StoredNode[]): Promise<void> {
    for (const part of chunks([...new Set(components)])) await db.deleteFrom('identity_nodes').where('component', 'in', part).execute();
    for (const part of chunks(nodes)) {
      await db
        .insertInto('identity_nodes')
        .values(
          part.map((n) => ({
            node_key: n.nodeKey,
            value_key: n.valueKey,
            id_type: n.type,
            id_value: n.value,
            epoch: n.epoch,
            valid_from: n.validFrom,
            valid_to: n.validTo,
            profile_id: n.profileId,
            component: n.component,
            reason: JSON.stringify(n.reason),
          })),
        )
        .onConflict((oc) =>
          oc.column('node_key').doUpdateSet((eb) => ({
            profile_id: eb.ref('excluded.profile_id'),
            component: eb.ref('excluded.component'),
            valid_from: eb.ref('excluded.valid_from'),
            valid_to: eb.ref('excluded.valid_to'),
            reason: eb.ref('excluded.reason'),
          })),
        )
        .execute();
    }
  },
};

const edgeOf = (r: Selectable<IdentityEdgeTable>): StoredEdge => ({
  a: r.a_key,
  b: r.b_key,
  component: r.component,
  first: JSON.parse(r.first_event) as EventRef,
  last: JSON.parse(r.last_event) as EventRef,
});

const nodeOf = (r: Selectable<IdentityNodeTable>): StoredNode => ({
  nodeKey: r.node_key,
  valueKey: r.value_key,
  type: r.id_type,
  value: r.id_value,
  epoch: r.epoch,
  validFrom: r.valid_from,
  validTo: r.valid_to,
  profileId: r.profile_id,
  component: r.component,
  reason: JSON.parse(r.reason) as unknown,
});
