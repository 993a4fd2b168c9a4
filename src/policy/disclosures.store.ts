import type { Selectable } from 'kysely';
import type { Db, DisclosureTable } from '../storage/index.js';
import type { DisclosureExit, DisclosureRecord } from './enforcement.js';

/* The disclosure log: append-only. There is no update or delete here on purpose. */

export const disclosureRowToRecord = (row: Selectable<DisclosureTable>): DisclosureRecord => ({
  id: row.id,
  at: row.at,
  subject: row.subject,
  consumerId: row.consumer_id,
  exit: row.exit as DisclosureExit,
  purpose: row.purpose,
  channel: row.channel,
  released: JSON.parse(row.released) as string[],
  redacted: JSON.parse(row.redacted) as string[],
  consentEvents: JSON.parse(row.consent_events) as string[],
  policyVersion: row.policy_version,
  reference: row.reference,
});

export interface DisclosureFilter {
  readonly subject?: string;
  readonly consumerId?: string;
  /** Records whose id sorts after this one (ids are ULIDs: time order). */
  readonly after?: string;
  readonly limit: number;
}

export const disclosuresStore = {
  async append(db: Db, records: readonly DisclosureRecord[]): Promise<void> {
    // PostgreSQL allows 65,535 parameters a statement; 12 columns a row.
    for (let i = 0; i < records.length; i += 2_000) {
      await db
        .insertInto('disclosures')
        .values(
          records.slice(i, i + 2_000).map((r) => ({
            id: r.id,
            at: r.at,
            subject: r.subject,
            consumer_id: r.consumerId,
            exit: r.exit,
            purpose: r.purpose,
            channel: r.channel,
            released: JSON.stringify(r.released),
            redacted: JSON.stringify(r.redacted),
            consent_events: JSON.stringify(r.consentEvents),
            policy_version: r.policyVersion,
            reference: r.reference,
          })),
        )
        .execute();
    }
  },

  async list(db: Db, filter: DisclosureFilter): Promise<DisclosureRecord[]> {
    let query = db.selectFrom('disclosures').selectAll();
    if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
    if (filter.consumerId !== undefined) query = query.where('consumer_id', '=', filter.consumerId);
    if (filter.after !== undefined) query = query.where('id', '>', filter.after);
    const rows = await query.orderBy('id').limit(filter.limit).execute();
    return rows.map(disclosureRowToRecord);
  },
};
