import type { Kysely, Migration } from 'kysely';

/**
 * Memberships by member (issue 6): the pipeline reads the current memberships of every profile a
 * batch touches (`member_id in (…)`), and erasure and merges delete by member. The primary key
 * leads with `audience_id`, so those reads scanned the whole table — every batch, growing with the
 * population (measured: 4.6 ms a batch at 5,000 profiles, BENCHMARKS.md 2026-12-07). Never edit
 * this file once it has landed: add a migration instead.
 */
export const membersByMember = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('audience_members_member').ifNotExists().on('audience_members').column('member_id').execute();
  },
});
