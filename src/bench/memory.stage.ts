import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { randomToken } from '../core/hash.js';
import { PIPELINE_CONSUMER } from '../pipeline/index.js';
import { runLoad } from '../simulator/index.js';
import { SQLITE_FILE_NAME } from '../storage/index.js';
import { benchBatches } from './bench-events.js';
import { rssOf } from './machine.js';
import { spawnTessera, stopTessera, type ServerStageOptions } from './spawn-tessera.js';

export interface MemoryFigures {
  /** Profiles the server held when measured. */
  readonly memory_profiles: number;
  /** The server's resident memory once started, before any event. */
  readonly rss_idle_bytes: number;
  /** Its resident memory with every profile created and updated once more (the cache filled). */
  readonly rss_bytes: number;
  /** rss_bytes over the profiles: what the "≤ 1 KiB per profile" is about, at this many profiles. */
  readonly rss_bytes_per_profile: number;
  /** What each profile added (from idle to rss_bytes). */
  readonly rss_growth_bytes_per_profile: number;
  /** Resident memory per profile at 1 M profiles: measured when memory_profiles ≥ 1 M, else idle + growth × 1 M. */
  readonly rss_bytes_per_profile_1m: number;
  readonly rss_1m_extrapolated: boolean;
  /**
   * Resident memory as profiles were created (each quarter of the population) and after the update
   * pass, with each thread's V8 heap (used bytes, from `/metrics`): what is left of the RSS is
   * native memory — SQLite's page caches, buffers, code.
   */
  readonly rss_series: readonly MemoryPoint[];
}

export interface MemoryPoint {
  readonly profiles: number;
  readonly rss: number;
  /** Used V8 heap per thread (http, ingest, background). */
  readonly heaps: Readonly<Record<string, number>>;
  /** V8 heap per thread as reserved from the system (young generation included): what of it is resident counts in the RSS. */
  readonly heapTotals: Readonly<Record<string, number>>;
}

export interface MemoryOptions extends ServerStageOptions {
  readonly profiles: number;
  /** More configuration for the server (e.g. TESSERA_PROFILE_CACHE_MB). */
  readonly env?: Record<string, string>;
}

const ONE_MILLION = 1_000_000;

/** Used and reserved heap per thread, from the server's `tessera_thread_heap_bytes` metric. */
const threadHeaps = async (url: string, apiKey: string): Promise<{ used: Record<string, number>; total: Record<string, number> }> => {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
  const text = await response.text();
  const used: Record<string, number> = {};
  const total: Record<string, number> = {};
  for (const m of text.matchAll(/^tessera_thread_heap_bytes\{thread="(\w+)",kind="(used|total)"\} (\d+)/gm))
    (m[2] === 'used' ? used : total)[m[1] as string] = Number(m[3]);
  return { used, total };
};

/**
 * The embedded server's resident memory per profile: `tessera start` in its own process (API,
 * ingestion and pipeline threads, the SQLite page cache, the profile and identity caches), fed
 * one data session per line over HTTP until it holds `profiles` profiles, then one more per line
 * (every profile read, updated and written again). Its RSS is read from /proc as it grows.
 */
export const runMemoryStage = async (options: MemoryOptions): Promise<MemoryFigures> => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-memory-'));
  const apiKey = `bench-${randomToken(24)}`;
  const dataDir = join(dir, 'server');
  const server = await spawnTessera(options.cli, { TESSERA_DATA_DIR: dataDir, TESSERA_ADMIN_KEY: apiKey, ...options.env });
  const store = new SQLite(join(dataDir, SQLITE_FILE_NAME), { readonly: true, fileMustExist: true });
  try {
    const pid = server.child.pid;
    const rss = (): number => {
      const bytes = pid === undefined ? undefined : rssOf(pid);
      if (bytes === undefined) throw new Error('resident memory is read from /proc, which this system does not have');
      return bytes;
    };
    const caughtUp = async (): Promise<number> => {
      for (;;) {
        const last = (store.prepare('select coalesce(max(seq), 0) as seq from event_log').get() as { seq: number }).seq;
        const done = (
          store.prepare('select coalesce(max(seq), 0) as seq from consumer_checkpoints where consumer = ?').get(PIPELINE_CONSUMER) as {
            seq: number;
          }
        ).seq;
        if (done >= last) return (store.prepare('select count(*) as n from profile_state').get() as { n: number }).n;
        await sleep(250);
      }
    };
    const send = async (from: number, count: number, prefix: string): Promise<void> => {
      const summary = await runLoad({
        url: `${server.url}/v1/events`,
        apiKey,
        concurrency: 2,
        batches: benchBatches(from, count, options.profiles, prefix),
      });
      if (summary.accepted !== count)
        throw new Error(`only ${summary.accepted} of ${count} events were accepted: ${summary.errors.join('; ')}`);
    };

    const point = async (profiles: number): Promise<MemoryPoint> => {
      const heaps = await threadHeaps(server.url, apiKey);
      return { profiles, rss: rss(), heaps: heaps.used, heapTotals: heaps.total };
    };

    await sleep(1000);
    const idle = rss();
    const series: MemoryPoint[] = [await point(0)];
    const quarter = Math.ceil(options.profiles / 4);
    for (let from = 0; from < options.profiles; from += quarter) {
      await send(from, Math.min(quarter, options.profiles - from), 'memory');
      series.push(await point(await caughtUp()));
    }
    // Every line once more: each profile is read, updated and written again (and held, up to the cache's bound).
    await send(options.profiles, options.profiles, 'memory-again');
    const profiles = await caughtUp();
    const last = await point(profiles);
    const final = last.rss;
    series.push(last);

    const growth = (final - idle) / profiles;
    const extrapolated = profiles < ONE_MILLION;
    return {
      memory_profiles: profiles,
      rss_idle_bytes: idle,
      rss_bytes: final,
      rss_bytes_per_profile: Math.round(final / profiles),
      rss_growth_bytes_per_profile: Math.round(growth),
      rss_bytes_per_profile_1m: Math.round(extrapolated ? (idle + growth * ONE_MILLION) / ONE_MILLION : final / profiles),
      rss_1m_extrapolated: extrapolated,
      rss_series: series,
    };
  } finally {
    store.close();
    await stopTessera(server);
    rmSync(dir, { recursive: true, force: true });
  }
};
