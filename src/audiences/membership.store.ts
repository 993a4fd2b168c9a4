import type { Db } from '../storage/index.js';
import { decodeActivity, encodeActivity, type Activity, type TrackedEvent } from './activity.js';
import type { EntityType } from './rule.js';

/*
 * Kysely queries over the membership tables (migrations 0006 and 0008): current members, each
 * person's activity, the entities' wake-ups, the tracked event types and the materialisation
 * progress. Every function takes the handle it runs on (the pipeline's batch transaction).
 */

const CHUNK = 500;

/** Where each entity type's rows are, and their key: what a materialisation or a scan walks in key order. */
export const ENTITY_TABLES = {
  person: { table: 'profile_state', key: 'profile_id' },
  account: { table: 'account_state', key: 'account_id' },
  organisation: { table: 'organisation_state', key: 'organisation_id' },
} as const;

export interface MemberRow {
  readonly audienceId: string;
  readonly memberId: string;
  readonly version: number;
  readonly enteredAt: string;
  /** JSON text of the evaluation that made (or keeps) the entity a member. */
  readonly explanation: string;
  readonly heldOut: boolean;
  readonly nextChangeAt: string | null;
}

/**
 * A membership as the pipeline reads it before evaluating: the row without its explanation, which
 * only the members API shows (measured: the explanations were most of the bytes the pipeline read
 * for each batch's profiles).
 */
export type CurrentMembership = Omit<MemberRow, 'explanation'>;

export interface MemberPage {
  readonly members: readonly MemberRow[];
  readonly next: string | null;
}

const chunks = <T>(items: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
};

const toMember = (r: {
  audience_id: string;
  member_id: string;
  version: number;
  entered_at: string;
  explanation: string;
  held_out: number;
  next_change_at: string | null;
}): MemberRow => ({
  audienceId: r.audience_id,
  memberId: r.member_id,
  version: Number(r.version),
  enteredAt: r.entered_at,
  explanation: r.explanation,
  heldOut: Number(r.held_out) === 1,
  nextChangeAt: r.next_change_at,
});

export const membershipStore = {
  /** The entities' current memberships: member id → audience id → membership. */
  async membershipsOf(db: Db, memberIds: readonly string[]): Promise<Map<string, Map<string, CurrentMembership>>> {
    const out = new Map<string, Map<string, CurrentMembership>>();
    for (const part of chunks([...new Set(memberIds)])) {
      const rows = await db
        .selectFrom('audience_members')
        .select(['audience_id', 'member_id', 'version', 'entered_at', 'held_out', 'next_change_at'])
        .where('member_id', 'in', part)
        .execute();
      for (const row of rows) {
        const member: CurrentMembership = {
          audienceId: row.audience_id,
          memberId: row.member_id,
          version: Number(row.version),
          enteredAt: row.entered_at,
          heldOut: Number(row.held_out) === 1,
          nextChangeAt: row.next_change_at,
        };
        let of = out.get(member.memberId);
        if (!of) out.set(member.memberId, (of = new Map()));
        of.set(member.audienceId, member);
      }
    }
    return out;
  },

  /** One audience's members among the given ids. */
  async membersAmong(db: Db, audienceId: string, memberIds: readonly string[]): Promise<Map<string, MemberRow>> {
    const out = new Map<string, MemberRow>();
    for (const part of chunks(memberIds)) {
      const rows = await db
        .selectFrom('audience_members')
        .selectAll()
        .where('audience_id', '=', audienceId)
        .where('member_id', 'in', part)
        .execute();
      for (const row of rows) out.set(row.member_id, toMember(row));
    }
    return out;
  },

  async upsertMembers(db: Db, rows: readonly MemberRow[]): Promise<void> {
    for (const part of chunks(rows)) {
      await db
        .insertInto('audience_members')
        .values(
          part.map((r) => ({
            audience_id: r.audienceId,
            member_id: r.memberId,
            version: r.version,
            entered_at: r.enteredAt,
            explanation: r.explanation,
            held_out: r.heldOut ? 1 : 0,
            next_change_at: r.nextChangeAt,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['audience_id', 'member_id']).doUpdateSet((eb) => ({
            version: eb.ref('excluded.version'),
            explanation: eb.ref('excluded.explanation'),
            held_out: eb.ref('excluded.held_out'),
            next_change_at: eb.ref('excluded.next_change_at'),
          })),
        )
        .execute();
    }
  },

  async removeMembers(db: Db, audienceId: string, memberIds: readonly string[]): Promise<void> {
    for (const part of chunks(memberIds))
      await db.deleteFrom('audience_members').where('audience_id', '=', audienceId).where('member_id', 'in', part).execute();
  },

  /** Every membership of these entities (profiles merged away). */
  async removeEntities(db: Db, memberIds: readonly string[]): Promise<void> {
    for (const part of chunks(memberIds)) await db.deleteFrom('audience_members').where('member_id', 'in', part).execute();
  },

  /** A page of an audience's members in id order. */
  async members(db: Db, audienceId: string, options: { after?: string; limit: number; heldOut?: boolean }): Promise<MemberPage> {
    let query = db.selectFrom('audience_members').selectAll().where('audience_id', '=', audienceId);
    if (options.after !== undefined) query = query.where('member_id', '>', options.after);
    if (options.heldOut !== undefined) query = query.where('held_out', '=', options.heldOut ? 1 : 0);
    const rows = await query
      .orderBy('member_id')
      .limit(options.limit + 1)
      .execute();
    const members = rows.slice(0, options.limit).map(toMember);
    return { members, next: rows.length > options.limit ? (members.at(-1)?.memberId ?? null) : null };
  },

  async counts(db: Db, audienceId: string): Promise<{ members: number; heldOut: number }> {
    const rows = await db
      .selectFrom('audience_members')
      .select(['held_out', (eb) => eb.fn.countAll<number>().as('n')])
      .where('audience_id', '=', audienceId)
      .groupBy('held_out')
      .execute();
    let members = 0;
    let heldOut = 0;
    for (const r of rows) {
      members += Number(r.n);
      if (Number(r.held_out) === 1) heldOut += Number(r.n);
    }
    return { members, heldOut };
  },

  /** Member ids of one audience after `after`, in id order (a recompute's diff). */
  async memberIds(db: Db, audienceId: string, range: { after: string | null; upTo: string | null }): Promise<string[]> {
    let query = db.selectFrom('audience_members').select('member_id').where('audience_id', '=', audienceId);
    if (range.after !== null) query = query.where('member_id', '>', range.after);
    if (range.upTo !== null) query = query.where('member_id', '<=', range.upTo);
    return (await query.orderBy('member_id').execute()).map((r) => r.member_id);
  },

  async removeAudience(db: Db, audienceId: string): Promise<void> {
    await db.deleteFrom('audience_members').where('audience_id', '=', audienceId).execute();
    await db.deleteFrom('audience_materialisations').where('audience_id', '=', audienceId).execute();
  },

  // ---- activity -------------------------------------------------------------------------------

  async activities(db: Db, profileIds: readonly string[]): Promise<Map<string, Activity>> {
    const out = new Map<string, Activity>();
    for (const part of chunks([...new Set(profileIds)])) {
      const rows = await db.selectFrom('audience_activity').select(['profile_id', 'body']).where('profile_id', 'in', part).execute();
      for (const r of rows) out.set(r.profile_id, decodeActivity(r.body));
    }
    return out;
  },

  /** Writes activities; an empty one deletes the row. */
  async writeActivities(db: Db, rows: ReadonlyMap<string, Activity>, now: string): Promise<void> {
    const kept: { profile_id: string; body: string; updated_at: string }[] = [];
    const empty: string[] = [];
    for (const [profileId, activity] of rows) {
      if (Object.keys(activity).length === 0) empty.push(profileId);
      else kept.push({ profile_id: profileId, body: encodeActivity(activity), updated_at: now });
    }
    for (const part of chunks(kept))
      await db
        .insertInto('audience_activity')
        .values(part)
        .onConflict((oc) =>
          oc.column('profile_id').doUpdateSet((eb) => ({ body: eb.ref('excluded.body'), updated_at: eb.ref('excluded.updated_at') })),
        )
        .execute();
    for (const part of chunks(empty)) await db.deleteFrom('audience_activity').where('profile_id', 'in', part).execute();
  },

  async removeActivities(db: Db, profileIds: readonly string[]): Promise<void> {
    for (const part of chunks(profileIds)) await db.deleteFrom('audience_activity').where('profile_id', 'in', part).execute();
  },

  async trackedEvents(db: Db): Promise<Map<string, TrackedEvent>> {
    const rows = await db.selectFrom('audience_tracked_events').selectAll().execute();
    return new Map(
      rows.map((r) => [r.event_type, { from: Date.parse(r.complete_from), properties: new Set(JSON.parse(r.properties) as string[]) }]),
    );
  },

  async writeTrackedEvents(db: Db, tracked: ReadonlyMap<string, TrackedEvent>, now: string): Promise<void> {
    await db.deleteFrom('audience_tracked_events').execute();
    const rows = [...tracked].map(([type, t]) => ({
      event_type: type,
      complete_from: new Date(t.from).toISOString(),
      properties: JSON.stringify([...t.properties].sort()),
      updated_at: now,
    }));
    for (const part of chunks(rows)) await db.insertInto('audience_tracked_events').values(part).execute();
  },

  // ---- wake-ups -------------------------------------------------------------------------------

  /** Sets (or, with null, clears) each entity's wake-up. */
  async setWakeups(db: Db, entity: EntityType, wakeups: ReadonlyMap<string, string | null>): Promise<void> {
    const set = [...wakeups].filter((w): w is [string, string] => w[1] !== null);
    const cleared = [...wakeups].filter(([, at]) => at === null).map(([id]) => id);
    for (const part of chunks(set))
      await db
        .insertInto('audience_wakeups')
        .values(part.map(([id, at]) => ({ entity, entity_id: id, wake_at: at })))
        .onConflict((oc) => oc.columns(['entity', 'entity_id']).doUpdateSet((eb) => ({ wake_at: eb.ref('excluded.wake_at') })))
        .execute();
    for (const part of chunks(cleared))
      await db.deleteFrom('audience_wakeups').where('entity', '=', entity).where('entity_id', 'in', part).execute();
  },

  async dueWakeups(db: Db, now: string, limit: number): Promise<{ entity: EntityType; id: string; wakeAt: string }[]> {
    const rows = await db
      .selectFrom('audience_wakeups')
      .select(['entity', 'entity_id', 'wake_at'])
      .where('wake_at', '<=', now)
      .orderBy('wake_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ entity: r.entity as EntityType, id: r.entity_id, wakeAt: r.wake_at }));
  },

  // ---- materialisation --------------------------------------------------------------------------

  /** Per audience: the version materialised (0 while a recompute runs), its target, the cursor, and when it last moved. */
  async materialisations(
    db: Db,
  ): Promise<Map<string, { version: number; targetVersion: number; cursor: string | null; updatedAt: string }>> {
    const rows = await db.selectFrom('audience_materialisations').selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.audience_id,
        { version: Number(r.version), targetVersion: Number(r.target_version), cursor: r.cursor, updatedAt: r.updated_at },
      ]),
    );
  },

  async setMaterialisation(
    db: Db,
    audienceId: string,
    state: { version: number; targetVersion: number; cursor: string | null },
    now: string,
  ): Promise<void> {
    await db
      .insertInto('audience_materialisations')
      .values({
        audience_id: audienceId,
        version: state.version,
        target_version: state.targetVersion,
        cursor: state.cursor,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('audience_id').doUpdateSet({
          version: state.version,
          target_version: state.targetVersion,
          cursor: state.cursor,
          updated_at: now,
        }),
      )
      .execute();
  },

  /** The profiles consent subjects name: `profile:<id>` itself, an identifier the profile holds now. */
  async profilesOfConsentSubjects(db: Db, subjects: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    const identifiers: { type: string; value: string }[] = [];
    for (const subject of new Set(subjects)) {
      const colon = subject.indexOf(':');
      const type = subject.slice(0, colon);
      const value = subject.slice(colon + 1);
      if (type === 'profile') out.add(value);
      else identifiers.push({ type, value });
    }
    for (let i = 0; i < identifiers.length; i += 200) {
      const part = identifiers.slice(i, i + 200);
      const rows = await db
        .selectFrom('identity_nodes')
        .select('profile_id')
        .where('valid_to', 'is', null)
        .where((eb) => eb.or(part.map((p) => eb.and([eb('id_type', '=', p.type), eb('id_value', '=', p.value)]))))
        .execute();
      for (const r of rows) out.add(r.profile_id);
    }
    return [...out];
  },

  /** Everything membership derived from the log (a rebuild starts again). */
  async reset(db: Db): Promise<void> {
    await db.deleteFrom('audience_members').execute();
    await db.deleteFrom('audience_activity').execute();
    await db.deleteFrom('audience_tracked_events').execute();
    await db.deleteFrom('audience_wakeups').execute();
    await db.deleteFrom('audience_materialisations').execute();
  },
};
