import type { Db } from '../storage/index.js';
import type { BatchLatency } from './batch-latency.js';
import type { OverviewInput, PipelinePosition } from './overview.js';

/**
 * Events after the checkpoint are counted up to this many (a few milliseconds); past it the
 * backlog is the difference of sequence numbers, which costs nothing at any size.
 */
export const EVENTS_BEHIND_COUNTED = 10_000;

/** Reads and writes of the per-minute operations statistics (migration 0014), the same on both backends. */
export const operationsStore = {
  /** Adds ingestion's answers of one batch to its minute, in the batch's transaction. */
  async addIngestOutcomes(
    trx: Db,
    minute: string,
    counts: readonly { readonly sourceId: string; readonly outcome: string; readonly count: number }[],
  ): Promise<void> {
    if (counts.length === 0) return;
    await trx
      .insertInto('ingest_minutes')
      .values(counts.map((c) => ({ minute, source_id: c.sourceId, outcome: c.outcome, count: c.count })))
      .onConflict((oc) =>
        oc
          .columns(['minute', 'source_id', 'outcome'])
          .doUpdateSet((eb) => ({ count: eb('ingest_minutes.count', '+', eb.ref('excluded.count')) })),
      )
      .execute();
  },

  /** Adds one committed batch to its minute: counts, latency sum and maximum, and the histogram. */
  async addPipelineBatch(trx: Db, minute: string, batch: BatchLatency): Promise<void> {
    await trx
      .insertInto('pipeline_minutes')
      .values({ minute, batches: 1, events: batch.events, latency_sum_ms: batch.sumMs, latency_max_ms: batch.maxMs })
      .onConflict((oc) =>
        oc.column('minute').doUpdateSet((eb) => ({
          batches: eb('pipeline_minutes.batches', '+', 1),
          events: eb('pipeline_minutes.events', '+', eb.ref('excluded.events')),
          latency_sum_ms: eb('pipeline_minutes.latency_sum_ms', '+', eb.ref('excluded.latency_sum_ms')),
          // CASE rather than max()/greatest(): the one spelling both backends share.
          latency_max_ms: eb
            .case()
            .when('excluded.latency_max_ms', '>', eb.ref('pipeline_minutes.latency_max_ms'))
            .then(eb.ref('excluded.latency_max_ms'))
            .else(eb.ref('pipeline_minutes.latency_max_ms'))
            .end(),
        })),
      )
      .execute();
    if (batch.buckets.size === 0) return;
    await trx
      .insertInto('pipeline_latency')
      .values([...batch.buckets].map(([bucket, count]) => ({ minute, bucket, count })))
      .onConflict((oc) =>
        oc.columns(['minute', 'bucket']).doUpdateSet((eb) => ({ count: eb('pipeline_latency.count', '+', eb.ref('excluded.count')) })),
      )
      .execute();
  },

  /** Deletes every minute before `minute`; answers how many rows went. */
  async trimBefore(db: Db, minute: string): Promise<number> {
    let deleted = 0;
    for (const table of ['ingest_minutes', 'pipeline_minutes', 'pipeline_latency'] as const) {
      const result = await db.deleteFrom(table).where('minute', '<', minute).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  },

  /** The window's rows, from the minute `from` on. */
  async window(db: Db, from: string): Promise<Pick<OverviewInput, 'ingest' | 'pipeline' | 'latency'>> {
    const [ingest, pipeline, latency] = await Promise.all([
      db.selectFrom('ingest_minutes').selectAll().where('minute', '>=', from).execute(),
      db.selectFrom('pipeline_minutes').selectAll().where('minute', '>=', from).execute(),
      db.selectFrom('pipeline_latency').selectAll().where('minute', '>=', from).execute(),
    ]);
    return {
      ingest: ingest.map((r) => ({ minute: r.minute, sourceId: r.source_id, outcome: r.outcome, count: Number(r.count) })),
      pipeline: pipeline.map((r) => ({
        minute: r.minute,
        batches: Number(r.batches),
        events: Number(r.events),
        latencySumMs: Number(r.latency_sum_ms),
        latencyMaxMs: Number(r.latency_max_ms),
      })),
      latency: latency.map((r) => ({ minute: r.minute, bucket: Number(r.bucket), count: Number(r.count) })),
    };
  },

  /**
   * Where a consumer of the whole log stands: its checkpoint, the log's last seq, the events after
   * the checkpoint, and when the oldest of them was received. The events are counted, because
   * sequence numbers have gaps on PostgreSQL (a refused duplicate still takes a number), up to
   * `EVENTS_BEHIND_COUNTED`; past it, the difference of sequence numbers stands in, an estimate
   * that is exact on SQLite and an upper bound on PostgreSQL. Primary-key lookups and one bounded
   * range count.
   */
  async position(db: Db, consumer: string): Promise<PipelinePosition> {
    const checkpoint = await db
      .selectFrom('consumer_checkpoints')
      .select(['seq', 'updated_at'])
      .where('consumer', '=', consumer)
      .where('partition', '=', -1)
      .executeTakeFirst();
    const checkpointSeq = Number(checkpoint?.seq ?? 0);
    const [last, oldest, behind] = await Promise.all([
      db
        .selectFrom('event_log')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .executeTakeFirst(),
      db.selectFrom('event_log').select('received_at').where('seq', '>', checkpointSeq).orderBy('seq').limit(1).executeTakeFirst(),
      db
        .selectFrom(db.selectFrom('event_log').select('seq').where('seq', '>', checkpointSeq).limit(EVENTS_BEHIND_COUNTED).as('behind'))
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst(),
    ]);
    const counted = Number(behind?.n ?? 0);
    const lastSeq = Number(last?.seq ?? 0);
    const estimated = counted >= EVENTS_BEHIND_COUNTED;
    return {
      checkpointSeq,
      checkpointUpdatedAt: checkpoint?.updated_at ?? null,
      lastSeq,
      eventsBehind: estimated ? Math.max(counted, lastSeq - checkpointSeq) : counted,
      eventsBehindEstimated: estimated,
      oldestUnprocessedReceivedAt: oldest?.received_at ?? null,
    };
  },

  async sources(db: Db): Promise<OverviewInput['sources']> {
    const rows = await db.selectFrom('sources').select(['id', 'name', 'freshness_sla_seconds', 'last_event_at']).orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      freshnessSlaSeconds: Number(r.freshness_sla_seconds),
      lastEventAt: r.last_event_at,
    }));
  },
};
