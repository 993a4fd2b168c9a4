import { parseChurnModel, type ChurnModel } from '../scores/index.js';
import type { Db } from '../storage/index.js';

/** Trained model artefacts: versioned, one active per kind. */
export const modelsStore = {
  async active(db: Db, kind: 'churn'): Promise<ChurnModel | null> {
    const row = await db.selectFrom('models').select('artefact').where('kind', '=', kind).where('active', '=', 1).executeTakeFirst();
    return row ? parseChurnModel(JSON.parse(row.artefact)) : null;
  },

  /** Stores a model and makes it the active one of its kind. */
  async activate(db: Db, model: ChurnModel): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('models').set({ active: 0 }).where('kind', '=', model.kind).execute();
      await trx
        .insertInto('models')
        .values({ version: model.version, kind: model.kind, trained_at: model.trainedAt, artefact: JSON.stringify(model), active: 1 })
        .onConflict((oc) => oc.column('version').doUpdateSet({ active: 1 }))
        .execute();
    });
  },

  async list(db: Db): Promise<{ version: string; kind: string; trainedAt: string; active: boolean }[]> {
    const rows = await db.selectFrom('models').select(['version', 'kind', 'trained_at', 'active']).orderBy('trained_at', 'desc').execute();
    return rows.map((r) => ({ version: r.version, kind: r.kind, trainedAt: r.trained_at, active: r.active === 1 }));
  },
};
