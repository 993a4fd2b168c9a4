import type { Clock } from '../core/clock.js';
import { PIPELINE_CONSUMER } from '../pipeline/index.js';
import type { Db } from '../storage/index.js';
import { minuteKeys } from './minutes.js';
import { operationsStore } from './operations.store.js';
import { buildOverview, type Overview } from './overview.js';

/** Loads the window's statistics, the pipeline's position and the sources, and builds the overview. */
export const readOverview = async (deps: { db: Db; clock: Clock }, minutes: number): Promise<Overview> => {
  const now = deps.clock.now();
  const from = minuteKeys(now, minutes)[0] as string;
  const [rows, position, sources] = await Promise.all([
    operationsStore.window(deps.db, from),
    operationsStore.position(deps.db, PIPELINE_CONSUMER),
    operationsStore.sources(deps.db),
  ]);
  return buildOverview({ now, minutes, ...rows, position, sources });
};
