import { sql, type Selectable } from 'kysely';
import type { Backend, ConsentEventTable, ConsentNoticeTable, ConsentPurposeTable, Db } from '../storage/index.js';
import type { ConsentAction, ConsentEvent, ConsentProof, ConsentSource, LegalBasis, Notice, Purpose } from './consent-model.js';

/*
 * Kysely queries over the consent tables; the mappers below are the only place their rows are
 * read. Every function takes the handle it runs on, so the service decides what shares a
 * transaction. Nothing here updates or deletes a consent event: the ledger is append-only.
 */

/** A constant of its own for the per-subject advisory locks (PostgreSQL); beside the audiences' 7_245_006. */
const SUBJECT_LOCK_SPACE = 7_245_007;

export const purposeRowToPurpose = (row: Selectable<ConsentPurposeTable>): Purpose => ({
  code: row.code,
  version: Number(row.version),
  name: row.name,
  description: row.description,
  legalBases: JSON.parse(row.legal_bases) as LegalBasis[],
  tcfPurposeId: row.tcf_purpose_id === null ? null : Number(row.tcf_purpose_id),
  advertising: Number(row.advertising) === 1,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

export const noticeRowToNotice = (row: Selectable<ConsentNoticeTable>): Notice => ({
  id: row.id,
  version: row.version,
  language: row.language,
  title: row.title,
  textHash: row.text_hash,
  url: row.url,
  purposes: JSON.parse(row.purposes) as string[],
  publishedAt: row.published_at,
  createdBy: row.created_by,
});

export const eventRowToEvent = (row: Selectable<ConsentEventTable>): ConsentEvent => ({
  eventId: row.event_id,
  subject: row.subject,
  seq: Number(row.seq),
  purpose: row.purpose,
  purposeVersion: Number(row.purpose_version),
  channel: row.channel,
  action: row.action as ConsentAction,
  legalBasis: row.legal_basis as LegalBasis,
  jurisdiction: row.jurisdiction,
  validFrom: row.valid_from,
  expiresAt: row.expires_at,
  source: JSON.parse(row.source) as ConsentSource,
  proof: JSON.parse(row.proof) as ConsentProof,
  tcfString: row.tcf_string,
  tcfVendorId: row.tcf_vendor_id === null ? null : Number(row.tcf_vendor_id),
  recordedAt: row.recorded_at,
  prevHash: row.prev_hash,
  hash: row.hash,
});

const eventToRow = (event: ConsentEvent): ConsentEventTable => ({
  subject: event.subject,
  seq: event.seq,
  event_id: event.eventId,
  purpose: event.purpose,
  purpose_version: event.purposeVersion,
  channel: event.channel,
  action: event.action,
  legal_basis: event.legalBasis,
  jurisdiction: event.jurisdiction,
  valid_from: event.validFrom,
  expires_at: event.expiresAt,
  source: JSON.stringify(event.source),
  proof: JSON.stringify(event.proof),
  tcf_string: event.tcfString,
  tcf_vendor_id: event.tcfVendorId,
  recorded_at: event.recordedAt,
  prev_hash: event.prevHash,
  hash: event.hash,
});

export const consentStore = {
  /**
   * Serialises appends to one subject's chain. SQLite transactions already begin IMMEDIATE (one
   * writer); PostgreSQL takes a transaction-scoped advisory lock per subject. Callers lock subjects
   * in sorted order, so two batches never wait on each other in a cycle.
   */
  async lockSubject(trx: Db, backend: Backend, subject: string): Promise<void> {
    if (backend === 'postgres') await sql`select pg_advisory_xact_lock(${SUBJECT_LOCK_SPACE}, hashtext(${subject}))`.execute(trx);
  },

  /** The current (highest) version of every purpose. */
  async currentPurposes(db: Db): Promise<Purpose[]> {
    const rows = await db.selectFrom('consent_purposes').selectAll().orderBy('code').orderBy('version').execute();
    const latest = new Map<string, Purpose>();
    for (const row of rows) latest.set(row.code, purposeRowToPurpose(row));
    return [...latest.values()];
  },

  async purposeVersions(db: Db, code: string): Promise<Purpose[]> {
    const rows = await db.selectFrom('consent_purposes').selectAll().where('code', '=', code).orderBy('version').execute();
    return rows.map(purposeRowToPurpose);
  },

  /** Appends a purpose version; false when that (code, version) exists. */
  async insertPurpose(db: Db, purpose: Purpose): Promise<boolean> {
    const result = await db
      .insertInto('consent_purposes')
      .values({
        code: purpose.code,
        version: purpose.version,
        name: purpose.name,
        description: purpose.description,
        legal_bases: JSON.stringify(purpose.legalBases),
        tcf_purpose_id: purpose.tcfPurposeId,
        advertising: purpose.advertising ? 1 : 0,
        created_at: purpose.createdAt,
        created_by: purpose.createdBy,
      })
      .onConflict((oc) => oc.columns(['code', 'version']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  async notices(db: Db, id?: string): Promise<Notice[]> {
    let query = db.selectFrom('consent_notices').selectAll();
    if (id !== undefined) query = query.where('id', '=', id);
    const rows = await query.orderBy('id').orderBy('published_at').orderBy('version').execute();
    return rows.map(noticeRowToNotice);
  },

  async notice(db: Db, id: string, version: string): Promise<Notice | undefined> {
    const row = await db.selectFrom('consent_notices').selectAll().where('id', '=', id).where('version', '=', version).executeTakeFirst();
    return row ? noticeRowToNotice(row) : undefined;
  },

  /** Appends a notice version; false when that (id, version) exists. */
  async insertNotice(db: Db, notice: Notice): Promise<boolean> {
    const result = await db
      .insertInto('consent_notices')
      .values({
        id: notice.id,
        version: notice.version,
        language: notice.language,
        title: notice.title,
        text_hash: notice.textHash,
        url: notice.url,
        purposes: JSON.stringify(notice.purposes),
        published_at: notice.publishedAt,
        created_by: notice.createdBy,
      })
      .onConflict((oc) => oc.columns(['id', 'version']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  /** Stored events with these client event ids. */
  async eventsById(db: Db, eventIds: readonly string[]): Promise<ConsentEvent[]> {
    if (eventIds.length === 0) return [];
    const out: ConsentEvent[] = [];
    // Chunks keep the parameter count under SQLite's and PostgreSQL's limits.
    for (let i = 0; i < eventIds.length; i += 500) {
      const rows = await db
        .selectFrom('consent_events')
        .selectAll()
        .where('event_id', 'in', eventIds.slice(i, i + 500))
        .execute();
      out.push(...rows.map(eventRowToEvent));
    }
    return out;
  },

  /** The last link of a subject's chain (its highest seq). */
  async head(db: Db, subject: string): Promise<Pick<ConsentEvent, 'seq' | 'hash'> | undefined> {
    const row = await db
      .selectFrom('consent_events')
      .select(['seq', 'hash'])
      .where('subject', '=', subject)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
  },

  /** A subject's whole chain, in seq order. */
  async history(db: Db, subject: string): Promise<ConsentEvent[]> {
    const rows = await db.selectFrom('consent_events').selectAll().where('subject', '=', subject).orderBy('seq').execute();
    return rows.map(eventRowToEvent);
  },

  /** The events of many subjects (a person's subjects, an export's members), in chunks. */
  async histories(db: Db, subjects: readonly string[]): Promise<ConsentEvent[]> {
    const out: ConsentEvent[] = [];
    const unique = [...new Set(subjects)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await db
        .selectFrom('consent_events')
        .selectAll()
        .where('subject', 'in', unique.slice(i, i + 500))
        .orderBy('subject')
        .orderBy('seq')
        .execute();
      out.push(...rows.map(eventRowToEvent));
    }
    return out;
  },

  /** Every event about one purpose (a purpose's new version may end the bases they gave). */
  async purposeEvents(db: Db, code: string): Promise<ConsentEvent[]> {
    const rows = await db.selectFrom('consent_events').selectAll().where('purpose', '=', code).orderBy('subject').orderBy('seq').execute();
    return rows.map(eventRowToEvent);
  },

  async insertEvent(db: Db, event: ConsentEvent): Promise<void> {
    await db.insertInto('consent_events').values(eventToRow(event)).execute();
  },
};
