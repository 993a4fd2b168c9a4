import type { Selectable } from 'kysely';
import type { AudienceExportTable, Db } from '../storage/index.js';
import type { ExportFormat, ExportMode, ExportOp } from './audience-export.js';

/* Audience exports and what each sent; both append-only. */

export interface ExportCounts {
  /** Members of the audience when exported, held-out ones included. */
  readonly members: number;
  readonly heldOut: number;
  /** Members the policy refused (no valid basis, a missing signal, …). */
  readonly denied: number;
  readonly added: number;
  readonly kept: number;
  readonly removed: number;
  /** How many members each deciding rule refused. */
  readonly deniedBy: Readonly<Record<string, number>>;
}

export interface AudienceExport {
  readonly id: string;
  readonly audienceId: string;
  readonly audienceVersion: number;
  readonly consumerId: string;
  readonly purpose: string;
  readonly channel: string;
  readonly format: ExportFormat;
  readonly mode: ExportMode;
  readonly baseExportId: string | null;
  readonly hashing: string | null;
  readonly status: 'completed';
  /** Relative to the data directory. */
  readonly file: string;
  readonly fileSha256: string;
  readonly counts: ExportCounts;
  /** Attributes released to at least one member, and redacted for at least one. */
  readonly released: readonly string[];
  readonly redacted: readonly string[];
  readonly policyVersion: number;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface ExportMember {
  readonly memberId: string;
  readonly op: ExportOp;
  readonly consentEventId: string | null;
  readonly consentSubject: string | null;
  readonly legalBasis: string | null;
  readonly noticeId: string | null;
  readonly noticeVersion: string | null;
  readonly consentEvents: readonly string[];
}

const rowToExport = (row: Selectable<AudienceExportTable>): AudienceExport => ({
  id: row.id,
  audienceId: row.audience_id,
  audienceVersion: row.audience_version,
  consumerId: row.consumer_id,
  purpose: row.purpose,
  channel: row.channel,
  format: row.format as ExportFormat,
  mode: row.mode as ExportMode,
  baseExportId: row.base_export_id,
  hashing: row.hashing,
  status: 'completed',
  file: row.file,
  fileSha256: row.file_sha256,
  counts: JSON.parse(row.counts) as ExportCounts,
  released: JSON.parse(row.released) as string[],
  redacted: JSON.parse(row.redacted) as string[],
  policyVersion: row.policy_version,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

export const exportsStore = {
  async insert(db: Db, record: AudienceExport, members: readonly ExportMember[]): Promise<void> {
    await db
      .insertInto('audience_exports')
      .values({
        id: record.id,
        audience_id: record.audienceId,
        audience_version: record.audienceVersion,
        consumer_id: record.consumerId,
        purpose: record.purpose,
        channel: record.channel,
        format: record.format,
        mode: record.mode,
        base_export_id: record.baseExportId,
        hashing: record.hashing,
        status: record.status,
        file: record.file,
        file_sha256: record.fileSha256,
        counts: JSON.stringify(record.counts),
        released: JSON.stringify(record.released),
        redacted: JSON.stringify(record.redacted),
        policy_version: record.policyVersion,
        created_at: record.createdAt,
        created_by: record.createdBy,
      })
      .execute();
    // PostgreSQL allows 65,535 parameters a statement; 9 columns a row.
    for (let i = 0; i < members.length; i += 5_000) {
      await db
        .insertInto('audience_export_members')
        .values(
          members.slice(i, i + 5_000).map((m) => ({
            export_id: record.id,
            member_id: m.memberId,
            op: m.op,
            consent_event_id: m.consentEventId,
            consent_subject: m.consentSubject,
            legal_basis: m.legalBasis,
            notice_id: m.noticeId,
            notice_version: m.noticeVersion,
            consent_events: JSON.stringify(m.consentEvents),
          })),
        )
        .execute();
    }
  },

  async get(db: Db, id: string): Promise<AudienceExport | undefined> {
    const row = await db.selectFrom('audience_exports').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToExport(row) : undefined;
  },

  /** The consumer's latest export of the audience (ids are ULIDs: time order). */
  async latest(db: Db, audienceId: string, consumerId: string): Promise<AudienceExport | undefined> {
    const row = await db
      .selectFrom('audience_exports')
      .selectAll()
      .where('audience_id', '=', audienceId)
      .where('consumer_id', '=', consumerId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row ? rowToExport(row) : undefined;
  },

  /** The members the consumer holds after an export: its adds and keeps. */
  async held(db: Db, exportId: string): Promise<Set<string>> {
    const rows = await db
      .selectFrom('audience_export_members')
      .select('member_id')
      .where('export_id', '=', exportId)
      .where('op', 'in', ['add', 'keep'])
      .execute();
    return new Set(rows.map((r) => r.member_id));
  },

  async members(db: Db, exportId: string): Promise<ExportMember[]> {
    const rows = await db
      .selectFrom('audience_export_members')
      .selectAll()
      .where('export_id', '=', exportId)
      .orderBy('member_id')
      .execute();
    return rows.map((r) => ({
      memberId: r.member_id,
      op: r.op as ExportOp,
      consentEventId: r.consent_event_id,
      consentSubject: r.consent_subject,
      legalBasis: r.legal_basis,
      noticeId: r.notice_id,
      noticeVersion: r.notice_version,
      consentEvents: JSON.parse(r.consent_events) as string[],
    }));
  },
};
