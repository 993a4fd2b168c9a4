import type { Selectable } from 'kysely';
import type { Db, PrivacyRequestTable } from '../storage/index.js';
import type { PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus } from './privacy-model.js';
import type { Tombstone } from './tombstones.js';

/** Rows per statement: PostgreSQL allows 65,535 parameters, SQLite 32,766. */
export const CHUNK = 1000;

export const chunks = <T>(items: readonly T[], size = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export const requestRowToRequest = (row: Selectable<PrivacyRequestTable>): PrivacyRequest => ({
  id: row.id,
  kind: row.kind as PrivacyRequestKind,
  subject: row.subject,
  status: row.status as PrivacyRequestStatus,
  profileId: row.profile_id,
  requestedBy: { apiKeyId: row.requested_by, name: row.requested_by_name },
  requestedAt: row.requested_at,
  completedAt: row.completed_at,
  result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>),
});

export const privacyStore = {
  async insertRequest(db: Db, request: PrivacyRequest): Promise<void> {
    await db
      .insertInto('privacy_requests')
      .values({
        id: request.id,
        kind: request.kind,
        subject: request.subject,
        status: request.status,
        profile_id: request.profileId,
        requested_by: request.requestedBy.apiKeyId,
        requested_by_name: request.requestedBy.name,
        requested_at: request.requestedAt,
        completed_at: request.completedAt,
        result: request.result === null ? null : JSON.stringify(request.result),
      })
      .execute();
  },

  async request(db: Db, id: string): Promise<PrivacyRequest | undefined> {
    const row = await db.selectFrom('privacy_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? requestRowToRequest(row) : undefined;
  },

  async list(db: Db, filter: { subject?: string; after?: string; limit: number }): Promise<PrivacyRequest[]> {
    let query = db.selectFrom('privacy_requests').selectAll();
    if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
    if (filter.after !== undefined) query = query.where('id', '>', filter.after);
    const rows = await query.orderBy('id').limit(filter.limit).execute();
    return rows.map(requestRowToRequest);
  },

  /** Drops the exports earlier access requests gave about these profiles (their subject is being erased). */
  async purgeAccessExports(db: Db, profileIds: readonly string[], at: string): Promise<number> {
    let purged = 0;
    for (const ids of chunks(profileIds)) {
      const result = await db
        .updateTable('privacy_requests')
        .set({ result: JSON.stringify({ purged: true, purgedAt: at }), status: 'purged' })
        .where('kind', '=', 'access')
        .where('profile_id', 'in', ids)
        .executeTakeFirst();
      purged += Number(result.numUpdatedRows);
    }
    return purged;
  },

  async insertTombstones(db: Db, requestId: string, at: string, tombstones: readonly Tombstone[]): Promise<void> {
    // One tombstone per hash and request: the same value in several windows keeps the widest.
    const byHash = new Map<string, Tombstone>();
    for (const t of tombstones) {
      const known = byHash.get(t.idHash);
      if (!known) byHash.set(t.idHash, t);
      else
        byHash.set(t.idHash, {
          ...t,
          validFrom:
            known.validFrom === null || t.validFrom === null ? null : known.validFrom < t.validFrom ? known.validFrom : t.validFrom,
          validTo: known.validTo === null || t.validTo === null ? null : known.validTo > t.validTo ? known.validTo : t.validTo,
        });
    }
    for (const list of chunks([...byHash.values()], 500)) {
      await db
        .insertInto('erased_identifiers')
        .values(
          list.map((t) => ({
            id_hash: t.idHash,
            bucket: t.bucket,
            id_type: t.idType,
            valid_from: t.validFrom,
            valid_to: t.validTo,
            request_id: requestId,
            erased_at: at,
          })),
        )
        .onConflict((oc) => oc.columns(['id_hash', 'request_id']).doNothing())
        .execute();
    }
  },

  /** Replaces every tombstone of one hash with these windows, under the release request (its time makes the guards reload). */
  async replaceTombstones(
    db: Db,
    idHash: string,
    idType: string,
    bucket: number,
    requestId: string,
    at: string,
    windows: readonly { validFrom: string | null; validTo: string | null }[],
  ): Promise<void> {
    await db.deleteFrom('erased_identifiers').where('id_hash', '=', idHash).execute();
    // One row per hash and request: keep the widest window when several remain.
    const from = windows.some((w) => w.validFrom === null) ? null : (windows.map((w) => w.validFrom as string).sort()[0] ?? null);
    const to = windows.some((w) => w.validTo === null)
      ? null
      : (windows
          .map((w) => w.validTo as string)
          .sort()
          .at(-1) ?? null);
    if (windows.length === 0) return;
    await db
      .insertInto('erased_identifiers')
      .values({ id_hash: idHash, bucket, id_type: idType, valid_from: from, valid_to: to, request_id: requestId, erased_at: at })
      .execute();
  },

  async tombstonesOf(db: Db, idHash: string): Promise<{ validFrom: string | null; validTo: string | null }[]> {
    const rows = await db.selectFrom('erased_identifiers').select(['valid_from', 'valid_to']).where('id_hash', '=', idHash).execute();
    return rows.map((r) => ({ validFrom: r.valid_from, validTo: r.valid_to }));
  },

  async tombstones(db: Db): Promise<Tombstone[]> {
    const rows = await db.selectFrom('erased_identifiers').selectAll().execute();
    return rows.map((r) => ({ idHash: r.id_hash, bucket: r.bucket, idType: r.id_type, validFrom: r.valid_from, validTo: r.valid_to }));
  },

  /** Changes whenever a tombstone is added (tombstones are only ever added). */
  async tombstoneVersion(db: Db): Promise<string> {
    const row = await db
      .selectFrom('erased_identifiers')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('erased_at').as('last')])
      .executeTakeFirst();
    return `${Number(row?.n ?? 0)}|${row?.last ?? ''}`;
  },

  /** Deletes logged events and everything indexed by their sequence numbers. */
  async deleteEvents(db: Db, seqs: readonly number[]): Promise<number> {
    let deleted = 0;
    for (const list of chunks(seqs)) {
      const result = await db.deleteFrom('event_log').where('seq', 'in', list).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
      await db.deleteFrom('event_profiles').where('seq', 'in', list).execute();
    }
    return deleted;
  },
};
