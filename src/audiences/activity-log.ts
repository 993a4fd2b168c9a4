import { sql } from 'kysely';
import type { Db } from '../storage/index.js';
import { keptProperties, type TrackedEvent } from './activity.js';
import type { EventOccurrence } from './audience-input.js';

/*
 * Activity read back from the event log: the retained events of one type since a moment, each
 * credited to the profile its anchor belongs to now (following merges). The membership stage
 * fills a new or wider event window from it; a preview of a rule on an event type no active
 * audience counts yet reads it too.
 */

const CHUNK = 5000;
const MAX_MERGE_HOPS = 20;

/** Each profile id's surviving profile now (merges chain); ids that were never profiles are absent. */
export const survivorsOf = async (db: Db, ids: readonly string[]): Promise<Map<string, string>> => {
  const out = new Map<string, string>();
  let frontier = [...new Set(ids)].map((id) => [id, id] as const);
  for (let hop = 0; hop < MAX_MERGE_HOPS && frontier.length > 0; hop++) {
    const next: (readonly [string, string])[] = [];
    const current = [...new Set(frontier.map(([, at]) => at))];
    const into = new Map<string, string | null>();
    for (let i = 0; i < current.length; i += 500) {
      const rows = await db
        .selectFrom('profiles')
        .select(['id', 'merged_into'])
        .where('id', 'in', current.slice(i, i + 500))
        .execute();
      for (const r of rows) into.set(r.id, r.merged_into);
    }
    for (const [origin, at] of frontier) {
      const merged = into.get(at);
      if (merged === undefined) continue;
      if (merged === null) out.set(origin, at);
      else next.push([origin, merged]);
    }
    frontier = next;
  }
  return out;
};

/**
 * Reads the log's events of `type` (`source/type`) since `need.from`, in log order, a chunk at a
 * time; `visit` gets each chunk's occurrences by surviving profile.
 */
export const readActivityFromLog = async (
  db: Db,
  type: string,
  need: TrackedEvent,
  visit: (chunk: ReadonlyMap<string, readonly EventOccurrence[]>) => Promise<void> | void,
): Promise<void> => {
  const slash = type.indexOf('/');
  const [source, eventType] = [type.slice(0, slash), type.slice(slash + 1)];
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('event_log as e')
      .innerJoin('event_profiles as p', 'p.seq', 'e.seq')
      .select(['e.seq', 'e.event_id', 'e.occurred_at', 'e.payload', 'p.profile_id'])
      // An expression, not the column: SQLite would otherwise walk the idempotency index of the
      // source's every event and sort them for each chunk; along the log's key, each chunk goes on
      // where the last stopped (resident-logged-events.ts reads the same way).
      .where(sql`(e.source_id || '')`, '=', source)
      .where('e.event_type', '=', eventType)
      .where('e.occurred_at', '>=', new Date(need.from).toISOString())
      .where('e.seq', '>', after)
      .where('p.profile_id', 'is not', null)
      .orderBy('e.seq')
      .limit(CHUNK)
      .execute();
    if (rows.length === 0) return;
    after = Number(rows.at(-1)?.seq);
    const survivors = await survivorsOf(
      db,
      rows.map((r) => r.profile_id as string),
    );
    const chunk = new Map<string, EventOccurrence[]>();
    for (const row of rows) {
      const profileId = survivors.get(row.profile_id as string);
      if (!profileId) continue;
      const properties = (JSON.parse(row.payload) as { properties?: Record<string, unknown> }).properties ?? {};
      let list = chunk.get(profileId);
      if (!list) chunk.set(profileId, (list = []));
      list.push({ at: Date.parse(row.occurred_at), eventId: row.event_id, properties: keptProperties(properties, need.properties) });
    }
    await visit(chunk);
    if (rows.length < CHUNK) return;
  }
};
