import { survivorOf } from '../profiles/profile-document.js';
import type { Db } from '../storage/index.js';
import { chunks } from './privacy.store.js';
import { nodeAt, type SubjectNode } from './privacy-model.js';

const MAX_MERGE_HOPS = 20;

export interface ResolvedSubject {
  /** The surviving profile the subject names, if any. */
  readonly profile: { readonly id: string; readonly createdAt: string } | undefined;
  /** The survivor and every profile merged into it (their events and rows carry those ids). */
  readonly profileIds: readonly string[];
  /** Every identity node of those profiles. */
  readonly nodes: readonly SubjectNode[];
}

const nodesWhere = async (db: Db, column: 'value_key' | 'profile_id', values: readonly string[]): Promise<SubjectNode[]> => {
  const out: SubjectNode[] = [];
  for (const list of chunks(values)) {
    const rows = await db
      .selectFrom('identity_nodes')
      .select(['value_key', 'id_type', 'id_value', 'epoch', 'valid_from', 'valid_to', 'profile_id'])
      .where(column, 'in', list)
      .execute();
    for (const r of rows)
      out.push({
        valueKey: r.value_key,
        type: r.id_type,
        value: r.id_value,
        epoch: Number(r.epoch),
        validFrom: r.valid_from,
        validTo: r.valid_to,
        profileId: r.profile_id,
      });
  }
  return out.sort((a, b) => a.valueKey.localeCompare(b.valueKey) || a.epoch - b.epoch);
};

/** The identity nodes of these values, whoever holds them (a recycled number's other holders too). */
export const nodesOfValues = (db: Db, valueKeys: readonly string[]): Promise<SubjectNode[]> => nodesWhere(db, 'value_key', valueKeys);

/**
 * The person a normalised subject names: `profile:<id>` (a merged-away id names its survivor), or
 * `<type>:<value>`, the holder of the identifier's epoch valid at `at` (else its latest epoch).
 */
export const resolveSubject = async (db: Db, subject: string, at: string): Promise<ResolvedSubject> => {
  let profile: ResolvedSubject['profile'];
  if (subject.startsWith('profile:')) profile = await survivorOf(db, subject.slice('profile:'.length));
  else {
    const node = nodeAt(await nodesOfValues(db, [subject]), at);
    if (node) profile = await survivorOf(db, node.profileId);
  }
  if (!profile) return { profile: undefined, profileIds: [], nodes: [] };
  // Profiles merged into the survivor, at any depth: rows written before a merge carry their ids.
  const profileIds = [profile.id];
  let frontier = [profile.id];
  for (let hop = 0; hop < MAX_MERGE_HOPS && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const list of chunks(frontier)) {
      const rows = await db.selectFrom('profiles').select('id').where('merged_into', 'in', list).execute();
      for (const r of rows) if (!profileIds.includes(r.id)) next.push(r.id);
    }
    profileIds.push(...next);
    frontier = next;
  }
  return { profile, profileIds, nodes: await nodesWhere(db, 'profile_id', profileIds) };
};
