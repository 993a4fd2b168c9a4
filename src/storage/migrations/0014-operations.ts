import type { Kysely, Migration } from 'kysely';

/**
 * Operations (issue 9, the console's live overview): small per-minute statistics that the HTTP
 * thread can read while ingestion and the pipeline run in other threads or processes. Trimmed to
 * a bounded retention by the pipeline (src/operations/). Never edit this file once it has landed:
 * add a migration (expand/contract) instead.
 *
 * - `ingest_minutes`: per UTC minute (`YYYY-MM-DDTHH:MM`), source and outcome (accepted,
 *   duplicate, quarantined), how many events ingestion answered so, written in the batch's own
 *   transaction.
 * - `pipeline_minutes`: per minute of the pipeline's commits, the batches and events committed,
 *   and the sum and maximum of their latency (event received → batch committed), in ms.
 * - `pipeline_latency`: the same latencies as a histogram per minute (bucket index → count;
 *   logarithmic buckets, src/operations/latency-histogram.ts), so percentiles over any window
 *   can be read from merged buckets.
 */
export const operations = (): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ingest_minutes')
      .ifNotExists()
      .addColumn('minute', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('ingest_minutes_pk', ['minute', 'source_id', 'outcome'])
      .execute();

    await db.schema
      .createTable('pipeline_minutes')
      .ifNotExists()
      .addColumn('minute', 'text', (c) => c.primaryKey())
      .addColumn('batches', 'bigint', (c) => c.notNull())
      .addColumn('events', 'bigint', (c) => c.notNull())
      .addColumn('latency_sum_ms', 'bigint', (c) => c.notNull())
      .addColumn('latency_max_ms', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('pipeline_latency')
      .ifNotExists()
      .addColumn('minute', 'text', (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('pipeline_latency_pk', ['minute', 'bucket'])
      .execute();
  },
});
