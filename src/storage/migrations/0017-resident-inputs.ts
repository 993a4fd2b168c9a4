import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Change logs for the rest of what a person rule reads, so the API thread can keep event,
 * consent and membership inputs in memory and catch them up before each answer, as it does the
 * person columns (migration 0015, `src/audiences/resident-inputs.ts`):
 *
 * - `profile_change_log` also receives the profile ids of writes to `audience_activity` (the
 *   events active audiences count), `profiles` (merges move a profile's logged events to its
 *   survivor; erasure deletes it) and `identity_nodes` (a person's identifiers are its consent
 *   subjects). Most of these writes come with a write of the person's `profile_state` in the same
 *   batch, so they add few ids a reader did not already read again.
 * - `resident_change_log (seq, entry)`: `member:<audience id>:<member id>` for every membership
 *   entered or left (`audience_members` inserts and deletes; an update keeps the membership) and
 *   `consent:<subject>` for every consent event recorded. Kept apart from the profile log so that
 *   materialising an audience of a million members does not make a reader decode a million
 *   profiles again.
 *
 * Both backends number and prune the new log as 0015 does the profile log (SQLite: rowid, in
 * commit order; PostgreSQL: a sequence and the writing transaction's id). Never edit this file
 * once it has landed: add a migration (expand/contract) instead.
 */
const KEEP = 2_000_000;

/** Profile-keyed tables and the column that names the profile. */
const PROFILE_KEYED = [
  ['audience_activity', 'profile_id'],
  ['profiles', 'id'],
  ['identity_nodes', 'profile_id'],
] as const;

export const residentInputs = (backend: 'sqlite' | 'postgres'): Migration => ({
  async up(db: Kysely<unknown>) {
    if (backend === 'sqlite') {
      for (const [table, column] of PROFILE_KEYED) {
        await sql
          .raw(
            `create trigger if not exists ${table}_changes_insert after insert on ${table} begin
               insert into profile_change_log (profile_id) values (new.${column});
             end`,
          )
          .execute(db);
        // An update that moves the row to another profile (an identity node) changes both.
        await sql
          .raw(
            `create trigger if not exists ${table}_changes_update after update on ${table} begin
               insert into profile_change_log (profile_id) values (new.${column});
               insert into profile_change_log (profile_id) select old.${column} where old.${column} <> new.${column};
             end`,
          )
          .execute(db);
        await sql
          .raw(
            `create trigger if not exists ${table}_changes_delete after delete on ${table} begin
               insert into profile_change_log (profile_id) values (old.${column});
             end`,
          )
          .execute(db);
      }
      await sql`create table if not exists resident_change_log (seq integer primary key, entry text not null)`.execute(db);
      for (const [name, when, row] of [
        ['audience_members_changes_insert', 'insert on audience_members', `'member:' || new.audience_id || ':' || new.member_id`],
        ['audience_members_changes_delete', 'delete on audience_members', `'member:' || old.audience_id || ':' || old.member_id`],
        ['consent_events_changes_insert', 'insert on consent_events', `'consent:' || new.subject`],
        ['consent_events_changes_delete', 'delete on consent_events', `'consent:' || old.subject`],
      ] as const)
        await sql
          .raw(`create trigger if not exists ${name} after ${when} begin insert into resident_change_log (entry) values (${row}); end`)
          .execute(db);
      await sql
        .raw(
          `create trigger if not exists resident_change_log_prune after insert on resident_change_log when new.seq % 10000 = 0 begin
             delete from resident_change_log where seq <= new.seq - ${KEEP};
           end`,
        )
        .execute(db);
      return;
    }
    for (const [table, column] of PROFILE_KEYED) {
      await sql
        .raw(
          `create or replace function tessera_${table}_changed() returns trigger language plpgsql as $$
           declare
             appended bigint;
           begin
             if tg_op = 'DELETE' then
               insert into profile_change_log (profile_id) values (old.${column}) returning seq into appended;
             else
               insert into profile_change_log (profile_id) values (new.${column}) returning seq into appended;
               if tg_op = 'UPDATE' and old.${column} <> new.${column} then
                 insert into profile_change_log (profile_id) values (old.${column}) returning seq into appended;
               end if;
             end if;
             if appended % 10000 = 0 then
               delete from profile_change_log where seq <= appended - ${KEEP};
             end if;
             return null;
           end $$`,
        )
        .execute(db);
      await sql
        .raw(
          `create or replace trigger ${table}_changes after insert or update or delete on ${table}
           for each row execute function tessera_${table}_changed()`,
        )
        .execute(db);
    }
    await sql`create table if not exists resident_change_log (
      seq bigserial primary key,
      xid bigint not null default pg_current_xact_id()::text::bigint,
      entry text not null)`.execute(db);
    await sql`create index if not exists resident_change_log_xid on resident_change_log (xid)`.execute(db);
    for (const [table, entry] of [
      ['audience_members', `'member:' || r.audience_id || ':' || r.member_id`],
      ['consent_events', `'consent:' || r.subject`],
    ] as const) {
      await sql
        .raw(
          `create or replace function tessera_${table}_resident() returns trigger language plpgsql as $$
           declare
             r record;
             appended bigint;
           begin
             if tg_op = 'DELETE' then r := old; else r := new; end if;
             insert into resident_change_log (entry) values (${entry}) returning seq into appended;
             if appended % 10000 = 0 then
               delete from resident_change_log where seq <= appended - ${KEEP};
             end if;
             return null;
           end $$`,
        )
        .execute(db);
      await sql
        .raw(
          `create or replace trigger ${table}_resident after insert or delete on ${table}
           for each row execute function tessera_${table}_resident()`,
        )
        .execute(db);
    }
  },
});
