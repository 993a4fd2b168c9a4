import { spawn } from 'node:child_process';
import type { IdentityIndexMemory } from '../identity/index.js';
import { benchEvent } from './bench-events.js';
import { identityOnlyPipeline, withEmbeddedTessera } from './embedded-tessera.js';
import { percentiles, round, type Percentiles } from './samples.js';

export interface IdentityIndexFigures {
  /** The identity stage's packed hot index, bytes per identifier held (heap + array buffers, garbage collected). */
  readonly identity_index_bytes_per_identifier: number;
  readonly identity_index_identifiers: number;
  /** Beside it, the raw limit: the identifier strings' own bytes, and a Map<string, number> of them alone. */
  readonly identity_index_raw_key_bytes_per_identifier: number;
  readonly identity_index_map_bytes_per_identifier: number;
  /** The same rows as plain objects in Maps (the read cache before it was packed), measured at fewer identifiers. */
  readonly identity_index_plain_bytes_per_identifier: number;
  /** One merge per pipeline batch (identity stage alone), from the start of the batch to its commit. */
  readonly merge_p50_ms: number;
  readonly merge_p99_ms: number;
  /**
   * The same merges in CPU time of this process (all its threads): what the merge costs, without
   * the time the process waited for a core. On a shared machine wall time is this plus the queue.
   */
  readonly merge_cpu_p50_ms: number;
  readonly merge_cpu_p99_ms: number;
  /** Merges timed; each checked to have written its profile.merged. */
  readonly merge_count: number;
}

export interface IdentityIndexOptions {
  /** Identifiers the memory is measured at (two per benchmark line). */
  readonly identifiers?: number;
  /** Merges timed (after a warm-up of a tenth as many). */
  readonly merges?: number;
  /** Lines of ordinary traffic resolved before, so that the merges run against a populated graph. */
  readonly backgroundLines?: number;
}

/**
 * The identity index's memory and the latency of a merge. Memory is measured in a child process
 * started with --expose-gc (a clean heap, collected before and after filling); a merge is one
 * app login joining a line's person and an app user's person, alone in its pipeline batch.
 */
export const runIdentityIndexStage = async (options: IdentityIndexOptions = {}): Promise<IdentityIndexFigures> => {
  const memory = await measureInChild(options.identifiers ?? 1_000_000);
  const merges = await timeMerges(options.merges ?? 2000, options.backgroundLines ?? 20_000);
  return {
    identity_index_bytes_per_identifier: memory.packedBytesPerIdentifier,
    identity_index_identifiers: memory.identifiers,
    identity_index_raw_key_bytes_per_identifier: memory.rawKeyBytesPerIdentifier,
    identity_index_map_bytes_per_identifier: memory.mapBytesPerIdentifier,
    identity_index_plain_bytes_per_identifier: memory.plainBytesPerIdentifier,
    merge_p50_ms: merges.wall.p50,
    merge_p99_ms: merges.wall.p99,
    merge_cpu_p50_ms: merges.cpu.p50,
    merge_cpu_p99_ms: merges.cpu.p99,
    merge_count: merges.count,
  };
};

/** Runs measureIdentityIndexMemory in `node --expose-gc` (the same loader flags as this process: dist or tsx). */
const measureInChild = (identifiers: number): Promise<IdentityIndexMemory> => {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const moduleUrl = new URL(`../identity/index${ext}`, import.meta.url).href;
  const script = [
    'const [url, n] = process.argv.slice(1);',
    'const { measureIdentityIndexMemory } = await import(url);',
    'process.stdout.write(JSON.stringify(measureIdentityIndexMemory({ identifiers: Number(n) }, globalThis.gc)));',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, '--expose-gc', '--input-type=module', '-e', script, moduleUrl, String(identifiers)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as IdentityIndexMemory);
      else reject(new Error(`identity index memory measurement exited with ${code}:\n${err}`));
    });
  });
};

const MERGE_EPOCH_MS = Date.parse('2026-11-21T00:00:00Z');

/** A line's data-session record: person A of pair j (the benchmark's record, with the pair's own numbers). */
const lineEvent = (j: number, pass: number): Record<string, unknown> => {
  const event = benchEvent(j, 1, `merge-line-${pass}`);
  const msisdn = `+7926${String(j).padStart(7, '0')}`;
  const imsi = `25002${String(j).padStart(10, '0')}`;
  const properties = event.properties as Record<string, unknown>;
  return {
    ...event,
    occurredAt: new Date(MERGE_EPOCH_MS + pass * 3_600_000 + j * 10).toISOString(),
    identifiers: { msisdn, imsi },
    properties: { ...properties, servedMSISDN: msisdn, servedIMSI: imsi },
  };
};

/** An app user's app open, without a phone number: person B of pair j. */
const appOpen = (j: number, pass: number): Record<string, unknown> => ({
  source: 'app',
  type: 'app_open',
  eventId: `merge-app-${pass}-${j}`,
  occurredAt: new Date(MERGE_EPOCH_MS + pass * 3_600_000 + j * 10 + 1).toISOString(),
  identifiers: { appUserId: `u-merge-${j}`, deviceId: `d-merge-${j}` },
  properties: { appUserId: `u-merge-${j}`, deviceId: `d-merge-${j}`, appVersion: '5.12.0', os: 'android', osVersion: '14' },
});

/** A login by phone number: the app user and the line are one person — a merge of A and B. */
const login = (j: number): Record<string, unknown> => {
  const ids = { appUserId: `u-merge-${j}`, deviceId: `d-merge-${j}`, msisdn: `+7926${String(j).padStart(7, '0')}` };
  return {
    source: 'app',
    type: 'login',
    eventId: `merge-login-${j}`,
    occurredAt: new Date(MERGE_EPOCH_MS + 10 * 3_600_000 + j * 10).toISOString(),
    identifiers: ids,
    properties: { ...ids, method: 'sms_otp' },
  };
};

/** p50 and p99 rounded to hundredths of a millisecond. */
const rounded = (samples: readonly number[]): Percentiles => {
  const { p50, p99 } = percentiles(samples);
  return { p50: round(p50), p99: round(p99) };
};

const timeMerges = (merges: number, backgroundLines: number): Promise<{ wall: Percentiles; cpu: Percentiles; count: number }> =>
  withEmbeddedTessera('merge', async (tessera) => {
    const { ingest } = tessera.services;
    const identityOnly = identityOnlyPipeline(tessera);
    const load = async (events: Record<string, unknown>[]): Promise<void> => {
      for (let i = 0; i < events.length; i += 500) {
        const result = await ingest.ingest(events.slice(i, i + 500), { channel: 'native' });
        if (result.accepted !== Math.min(500, events.length - i)) throw new Error(`merge bench: events refused: ${JSON.stringify(result)}`);
      }
    };
    const warmUp = Math.max(10, Math.round(merges / 10));
    const pairs = warmUp + merges;
    await load(Array.from({ length: backgroundLines }, (_, i) => benchEvent(i, backgroundLines, 'merge-bg')));
    // Pass 0 meets both persons of every pair; pass 1 sees them again, as steady traffic does.
    for (const pass of [0, 1]) {
      await load(Array.from({ length: pairs }, (_, j) => [lineEvent(j, pass), appOpen(j, pass)]).flat());
      await identityOnly.drain();
    }
    const merged = async (): Promise<number> =>
      Number(
        (
          await tessera.storage.db
            .selectFrom('outbox')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('type', '=', 'profile.merged')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await merged();
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let j = 0; j < pairs; j++) {
      await load([login(j)]);
      const started = process.hrtime.bigint();
      const cpuStarted = process.cpuUsage();
      const taken = await identityOnly.step();
      const cpuUsed = process.cpuUsage(cpuStarted);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (taken !== 1) throw new Error(`merge bench: a batch took ${taken} events, not 1`);
      if (j < warmUp) continue;
      wall.push(ms);
      cpu.push((cpuUsed.user + cpuUsed.system) / 1000);
    }
    const count = (await merged()) - before;
    if (count !== pairs) throw new Error(`merge bench: ${count} merges written for ${pairs} logins`);
    return { wall: rounded(wall), cpu: rounded(cpu), count: wall.length };
  });
