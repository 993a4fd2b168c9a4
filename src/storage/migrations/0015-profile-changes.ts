import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A change log for what a person's audience fields are read from: every write to a
 * `profile_state` row or a `profile_accounts` row (insert, update or delete) appends the profile
 * id to `profile_change_log`. The API thread keeps audience columns in memory and, before
 * answering, re-reads only the profiles logged since it last looked
 * (`src/audiences/profile-changes.ts`).
 *
 * Triggers write it, so every writer is covered — the pipeline, merges, splits, the scheduler,
 * erasure, a rebuild — without any of them knowing. An append costs a profile write almost
 * nothing (measured: within noise), where keeping one row per profile with an indexed sequence
 * doubled it. The log keeps the newest `KEEP` entries: every 10,000th append deletes those older,
 * a contiguous range at the front. A reader that fell further behind sees the gap and reads
 * everything again.
 *
 * - SQLite: `seq` is the rowid. Write transactions are serialised and the newest row is never
 *   deleted, so committed entries are numbered 1, 2, 3, … in commit order with no holes but the
 *   pruned front.
 * - PostgreSQL: `seq` comes from a sequence and `xid` is the writing transaction's id. Transactions
 *   commit out of order, so a reader remembers its snapshot's xmin (every transaction still running
 *   then has an id at least that large) and next time reads every entry from there on.
 *
 * Never edit this file once it has landed: add a migration (expand/contract) instead.
 */
const KEEP = 2_000_000;

export const profileChanges = (backend: 'sqlite' | 'postgres'): Migration => ({
  async up(db: Kysely<unknown>) {
    const tables = ['profile_state', 'profile_accounts'] as const;
    if (backend === 'sqlite') {
      await sql`create table if not exists profile_change_log (seq integer primary key, profile_id text not null)`.execute(db);
      for (const table of tables)
        for (const [when, row] of [
          ['insert', 'new'],
          ['update', 'new'],
          ['delete', 'old'],
        ] as const)
          await sql
            .raw(
              `create trigger if not exists ${table}_changes_${when} after ${when} on ${table} begin
                 insert into profile_change_log (profile_id) values (${row}.profile_id);
               end`,
            )
            .execute(db);
      await sql
        .raw(
          `create trigger if not exists profile_change_log_prune after insert on profile_change_log when new.seq % 10000 = 0 begin
             delete from profile_change_log where seq <= new.seq - ${KEEP};
           end`,
        )
        .execute(db);
      return;
    }
    await sql`create table if not exists profile_change_log (
      seq bigserial primary key,
      xid bigint not null default pg_current_xact_id()::text::bigint,
      profile_id text not null)`.execute(db);
    await sql`create index if not exists profile_change_log_xid on profile_change_log (xid)`.execute(db);
    await sql
      .raw(
        `create or replace function tessera_profile_changed() returns trigger language plpgsql as $$
         declare
           appended bigint;
         begin
           insert into profile_change_log (profile_id)
           values (case when tg_op = 'DELETE' then old.profile_id else new.profile_id end)
           returning seq into appended;
           if appended % 10000 = 0 then
             delete from profile_change_log where seq <= appended - ${KEEP};
           end if;
           return null;
         end $$`,
      )
      .execute(db);
    for (const table of tables)
      await sql
        .raw(
          `create or replace trigger ${table}_changes after insert or update or delete on ${table}
           for each row execute function tessera_profile_changed()`,
        )
        .execute(db);
  },
});
