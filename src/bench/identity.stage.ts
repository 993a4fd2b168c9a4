import { type Pipeline, PIPELINE_CONSUMER } from '../pipeline/index.js';
import { benchEvent } from './bench-events.js';
import { identityOnlyPipeline, withEmbeddedTessera } from './embedded-tessera.js';

export interface IdentityFigures {
  /** Events of lines seen before (the steady state of a running operator). */
  readonly identity_events_per_s: number;
  /** Events of lines never seen before (every event brings a new identifier pair). */
  readonly identity_first_sight_events_per_s: number;
  /** Reading the same events from the log and committing the checkpoint, nothing else. */
  readonly identity_raw_read_per_s: number;
  readonly identity_events: number;
  /** The whole pipeline — identity, profile state and aggregates — on lines with profiles (steady state). */
  readonly pipeline_events_per_s: number;
  /** Profiles the pipeline held in memory after it (TESSERA_PROFILE_CACHE_MB), and their estimated bytes. */
  readonly pipeline_profiles_cached: number;
  readonly pipeline_profile_cache_bytes: number;
}

/**
 * The identity stage alone: events are ingested first (not timed), then the pipeline drains them.
 * Pass one meets every line for the first time; passes two and three repeat the lines with new,
 * later events, and pass three is the steady state measured.
 */
export const runIdentityStage = (options: { lines: number }): Promise<IdentityFigures> =>
  withEmbeddedTessera('identity', async (tessera) => {
    const { ingest, pipeline } = tessera.services;
    const identityOnly = identityOnlyPipeline(tessera);
    const load = async (offset: number): Promise<void> => {
      for (let start = 0; start < options.lines; start += 500) {
        const batch = Array.from({ length: Math.min(500, options.lines - start) }, (_, i) => benchEvent(offset + start + i, options.lines));
        await ingest.ingest(batch, { channel: 'native' });
      }
    };
    const timed = async (run: Pipeline): Promise<number> => {
      const started = process.hrtime.bigint();
      const { events } = await run.drain();
      return events / (Number(process.hrtime.bigint() - started) / 1e9);
    };
    await load(0);
    const firstSight = await timed(identityOnly);
    // The steady state: lines seen before, again and again (a line sends dozens of records a day).
    await load(options.lines);
    await timed(identityOnly);
    await load(2 * options.lines);
    const steady = await timed(identityOnly);
    // The whole pipeline (identity, state, aggregates): first its profiles are created, then updated.
    await load(3 * options.lines);
    await timed(pipeline);
    await load(4 * options.lines);
    const whole = await timed(pipeline);

    // The raw limit: read every event back from the log in the pipeline's batches and commit.
    const { db } = tessera.storage;
    await db.deleteFrom('consumer_checkpoints').where('consumer', '=', PIPELINE_CONSUMER).execute();
    const eventLog = (await import('../bus/index.js')).createSqlEventLog(tessera.storage.backend, { now: () => new Date() });
    const started = process.hrtime.bigint();
    let read = 0;
    for (;;) {
      const n = await db.transaction().execute(async (trx) => {
        const events = await eventLog.read(trx, PIPELINE_CONSUMER, 'all', 2000);
        const last = events.at(-1);
        if (last) await eventLog.commit(trx, PIPELINE_CONSUMER, 'all', last.seq);
        return events.length;
      });
      if (n === 0) break;
      read += n;
    }
    const raw = read / (Number(process.hrtime.bigint() - started) / 1e9);
    return {
      identity_events_per_s: Math.round(steady),
      identity_first_sight_events_per_s: Math.round(firstSight),
      identity_raw_read_per_s: Math.round(raw),
      identity_events: options.lines * 3,
      pipeline_events_per_s: Math.round(whole),
      pipeline_profiles_cached: tessera.services.profiles.cached.profiles,
      pipeline_profile_cache_bytes: tessera.services.profiles.cached.bytes,
    };
  });
