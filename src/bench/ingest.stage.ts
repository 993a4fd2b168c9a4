import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomToken } from '../core/hash.js';
import { runLoad } from '../simulator/index.js';
import { benchEvent } from './bench-events.js';
import { rssOf } from './machine.js';
import { rawSqliteAppend } from './raw-append.js';
import { round } from './samples.js';
import { spawnTessera, stopTessera, type ServerStageOptions } from './spawn-tessera.js';

export interface IngestFigures {
  readonly ingest_events_per_s: number;
  readonly ingest_batch_p50_ms: number;
  readonly ingest_batch_p99_ms: number;
  readonly ingest_events: number;
  readonly ingest_seconds: number;
  readonly server_rss_bytes: number | undefined;
  readonly raw_append_per_s: number;
}

export interface IngestOptions extends ServerStageOptions {
  readonly seconds: number;
  readonly lines: number;
  readonly batchSize: number;
  readonly concurrency: number;
}

/**
 * HTTP batches into the embedded runtime (contract check, normalisation, idempotent durable
 * append), with the server in its own process and this process as the client — then the raw
 * SQLite append rate of the same events, in the same run, as the limit to compare with.
 */
export const runIngestStage = async (options: IngestOptions): Promise<IngestFigures> => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const apiKey = `bench-${randomToken(24)}`;
  // The API role: ingestion alone (the identity stage is measured by its own stage).
  const server = await spawnTessera(options.cli, { TESSERA_DATA_DIR: join(dir, 'server'), TESSERA_ADMIN_KEY: apiKey }, 20_000, [
    '--role',
    'api',
  ]);
  try {
    const url = `${server.url}/v1/events`;
    // A short warm-up lets V8 optimise the hot path before the measured run.
    await runLoad({ url, apiKey, concurrency: options.concurrency, batches: timedBatches(3, options, 'warm-up') });
    const load = await runLoad({ url, apiKey, concurrency: options.concurrency, batches: timedBatches(options.seconds, options, 'bench') });
    if (load.accepted !== load.events)
      throw new Error(`only ${load.accepted} of ${load.events} events were accepted: ${load.errors.join('; ')}`);
    const rss = server.child.pid === undefined ? undefined : rssOf(server.child.pid);
    await stopTessera(server);
    const raw = rawSqliteAppend(join(dir, 'raw.sqlite'), Math.max(load.events, 100_000), options.batchSize, options.lines);
    return {
      ingest_events_per_s: Math.round(load.acceptedPerSecond),
      ingest_batch_p50_ms: round(load.latencyMs.p50),
      ingest_batch_p99_ms: round(load.latencyMs.p99),
      ingest_events: load.accepted,
      ingest_seconds: round(load.elapsedMs / 1000),
      server_rss_bytes: rss,
      raw_append_per_s: Math.round(raw.events / raw.seconds),
    };
  } finally {
    await stopTessera(server);
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Batches of bench events for `seconds`; the load driver stops when the generator does. */
function* timedBatches(seconds: number, options: IngestOptions, prefix: string): Generator<Record<string, unknown>[]> {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  for (let batch = 0; process.hrtime.bigint() < deadline; batch++) {
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < options.batchSize; i++) events.push(benchEvent(batch * options.batchSize + i, options.lines, prefix));
    yield events;
  }
}
