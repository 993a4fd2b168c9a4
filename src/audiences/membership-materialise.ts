import { sql } from 'kysely';
import type { Logger } from '../core/logger.js';
import type { Db } from '../storage/index.js';
import type { ActiveAudience, ActiveAudiences } from './active-audiences.js';
import { InputLoader, type InputSources } from './audience-inputs.js';
import { evaluateEntity } from './membership-evaluation.js';
import { ENTITY_TABLES, membershipStore } from './membership.store.js';
import { flushWrites, pendingWrites } from './membership-writes.js';
import { nextRunAfter } from './schedule.js';

/*
 * Materialisation: a new or edited definition (and every audience using it), or a scheduled
 * audience whose run has come, evaluated over every entity of its type, a chunk per scheduler
 * step, with progress in `audience_materialisations` so a restart resumes where it stopped.
 */

export interface MaterialiseContext {
  readonly set: ActiveAudiences;
  readonly now: Date;
  readonly sources: InputSources;
  readonly log: Logger;
  /** Entities a step evaluates. */
  readonly chunk: number;
  count(evaluations: number): void;
}

/**
 * One chunk of materialisation: the first audience (in evaluation order) whose membership is not
 * materialised for its version, or whose schedule has come round, with every other such audience
 * of the same entity type at the same place — audiences created or edited together are computed
 * in one pass over the entities. Answers how many entities it read (0: nothing to do).
 */
export const materialiseStep = async (trx: Db, context: MaterialiseContext): Promise<number> => {
  const { set, now } = context;
  const state = await membershipStore.materialisations(trx);
  const nowMs = now.getTime();
  // A scheduled audience is run again when its time has come since it was last complete.
  const due = (a: ActiveAudience, m: { readonly updatedAt: string }) =>
    a.audience.schedule !== null && nextRunAfter(a.audience.schedule, Date.parse(m.updatedAt)) <= nowMs;
  const pendingAudiences = set.list.filter((a) => {
    const m = state.get(a.audience.id);
    return !m || m.version !== a.audience.version || m.cursor !== null || (a.audience.mode === 'scheduled' && due(a, m));
  });
  const [first] = pendingAudiences;
  if (!first) return 0;
  const cursorOf = (a: ActiveAudience): string | null => {
    const m = state.get(a.audience.id);
    return m && m.targetVersion === a.audience.version ? m.cursor : null;
  };
  const after = cursorOf(first);
  const entity = first.audience.entity;
  const group = pendingAudiences.filter((a) => a.audience.entity === entity && cursorOf(a) === after);

  const { table, key } = ENTITY_TABLES[entity];
  let query = trx.selectFrom(table).select(sql<string>`${sql.ref(key)}`.as('id'));
  if (after !== null) query = query.where(sql.ref(key), '>', after);
  const ids = (await query.orderBy(sql.ref(key)).limit(context.chunk).execute()).map((r) => r.id);
  const done = ids.length < context.chunk;
  const upTo = done ? null : (ids.at(-1) as string);

  const writes = pendingWrites();
  const loader = new InputLoader(trx, context.sources, now, { readsConsent: set.readsConsent });
  if (entity === 'person') await loader.loadPersons(ids);
  else if (entity === 'account') await loader.loadAccounts(ids);
  else await loader.loadOrganisations(ids);
  const step = { set, loader, writes, count: (n: number) => context.count(n) };
  const present = new Set(ids);
  for (const target of group) {
    const scheduledRun = target.audience.mode === 'scheduled' && state.get(target.audience.id)?.version === target.audience.version;
    const cause = scheduledRun
      ? { reason: 'schedule' as const, decidedBy: `run:${now.toISOString()}` }
      : { reason: 'definition' as const, decidedBy: `v:${target.audience.version}` };
    for (const id of ids) evaluateEntity(step, entity, id, [target], cause, false);
    // Members in the range whose entity is gone (a profile merged away before this version).
    const stale = (await membershipStore.memberIds(trx, target.audience.id, { after, upTo })).filter((id) => !present.has(id));
    if (stale.length > 0) await membershipStore.removeMembers(trx, target.audience.id, stale);
  }
  await flushWrites(trx, writes);
  for (const target of group) {
    const version = target.audience.version;
    await membershipStore.setMaterialisation(
      trx,
      target.audience.id,
      done ? { version, targetVersion: version, cursor: null } : { version: 0, targetVersion: version, cursor: upTo },
      now.toISOString(),
    );
    if (done) context.log.info({ audienceId: target.audience.id, version }, 'audience materialised');
  }
  return Math.max(ids.length, 1);
};
