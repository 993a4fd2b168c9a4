import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../storage/index.js';
import type { EventLog } from './event-log.js';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Deletes raw events older than the retention period, once an hour (and once at start). What a
 * consumer has not read yet is kept. Idempotency is guaranteed within the retention period.
 */
export const startRetentionJob = (deps: {
  eventLog: EventLog;
  db: Db;
  clock: Clock;
  log: Logger;
  retentionDays: number;
  intervalMs?: number;
}): (() => void) => {
  const run = async (): Promise<void> => {
    const before = new Date(deps.clock.now().getTime() - deps.retentionDays * 24 * HOUR_MS).toISOString();
    try {
      const deleted = await deps.eventLog.prune(deps.db, before);
      if (deleted > 0) deps.log.info({ deleted, before }, 'event retention pruned the log');
    } catch (err) {
      deps.log.error({ err }, 'event retention failed');
    }
  };
  void run();
  const timer = setInterval(() => void run(), deps.intervalMs ?? HOUR_MS);
  timer.unref();
  return () => clearInterval(timer);
};
