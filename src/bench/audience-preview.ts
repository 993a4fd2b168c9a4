import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { parseConfig } from '../core/config.js';
import { randomToken } from '../core/hash.js';
import { createTessera } from '../server/app.js';
import { SQLITE_FILE_NAME } from '../storage/index.js';
import { benchId, writeProfileIds, writeTopups } from './bench-topups.js';
import { rssOf } from './machine.js';
import { percentiles, round } from './samples.js';
import { spawnTessera, stopTessera, type ServerStageOptions } from './spawn-tessera.js';

/*
 * `POST /v1/audiences/preview` over HTTP against `tessera start` holding `profiles` profiles: the
 * first call (which builds the person columns in the HTTP thread), warm calls of new rules, a
 * call right after 1,000 profiles changed (the refresh); then, with top-ups written into the log
 * (bench-topups.ts), the first rule with an event condition (which reads them into memory) and
 * warm ones. The profiles are written straight into
 * `profile_state` from three real rows the pipeline made (varied plan, region and balance), so
 * a million of them take seconds, not an hour of ingestion.
 */

export interface PreviewFigures {
  readonly api_preview_profiles: number;
  /** The first preview: the columns built from every row, then the scan. */
  readonly api_preview_first_ms: number;
  readonly api_preview_p50_ms: number;
  readonly api_preview_p99_ms: number;
  readonly api_preview_calls: number;
  /** A preview right after 1,000 profiles were written (median of 5): the refresh of those rows, then the scan. */
  readonly api_preview_after_1000_changes_ms: number;
  /** The server's resident memory grown over the first preview, per profile (columns, plus what the build left on the heap). */
  readonly api_preview_rss_growth_bytes_per_profile: number;
  /** The server's CPU time for the first call (the build): what it costs whatever else shares the machine. */
  readonly api_preview_first_cpu_ms: number;
  /** The server's CPU time per warm call, averaged (its clock counts in 10 ms ticks). */
  readonly api_preview_cpu_mean_ms: number;
  /** The same after the warm calls and 10 s idle (V8 gives back part of the heap the build grew). */
  readonly api_preview_rss_settled_bytes_per_profile: number;
  /** The preview's count on its first rule (a sanity check: neither 0 nor every profile). */
  readonly api_preview_count: number;
  /** Top-ups then written into the log (2 a profile on average, over 29 days), for rules with an event condition. */
  readonly api_preview_events: number;
  /** The first preview with an event condition after they were written: the events read into memory, then the scan. */
  readonly api_preview_event_first_ms: number;
  readonly api_preview_event_first_cpu_ms: number;
  /** Warm previews of new rules with an event condition (count and window change each call). */
  readonly api_preview_event_p50_ms: number;
  readonly api_preview_event_p99_ms: number;
  readonly api_preview_event_cpu_mean_ms: number;
  /** The server's resident memory grown over the first event preview, per profile. */
  readonly api_preview_event_rss_growth_bytes_per_profile: number;
  readonly api_preview_event_count: number;
}

/** A process's CPU time (user + system) from /proc, in ms; 0 where there is no /proc. */
const cpuMsOf = (pid: number): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name; in ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
};

export interface PreviewOptions extends ServerStageOptions {
  readonly profiles: number;
  readonly calls?: number;
}

const DAY = 86_400_000;

const REGIONS = ['RU-MOW', 'RU-SPE', 'RU-MOS', 'RU-LEN', 'RU-SVE', 'RU-NVS', 'RU-TA', 'RU-KDA'];

/** A new 5-condition rule each call: the balance threshold moves. */
const ruleOf = (balance: number) => ({
  combinator: 'and',
  rules: [
    { field: 'traits.planType', operator: '=', value: 'prepaid' },
    { field: 'traits.homeRegion', operator: 'in', value: ['RU-MOW', 'RU-SPE', 'RU-MOS'] },
    { field: 'aggregates.topup_count.30d', operator: '>=', value: 2 },
    { field: 'traits.lastTopup.at', operator: 'withinLastDays', value: 20 },
    { field: 'traits.balance.value', operator: '<', value: balance },
  ],
});

/** Plan type and an event condition: topped up at least `n` times in the last `days` days. */
const eventRuleOf = (n: number, days: number) => ({
  combinator: 'and',
  rules: [
    { field: 'traits.planType', operator: '=', value: 'prepaid' },
    { field: 'event', operator: 'performed', eventType: 'billing/topup', count: { op: 'atLeast', n }, window: { lastDays: days } },
  ],
});

/** Three real profile rows (0, 2 and 4 top-ups), made by the pipeline of an embedded Tessera on `dataDir`. */
export const templates = async (dataDir: string): Promise<{ body: string; next: string | null }[]> => {
  const tessera = await createTessera(
    parseConfig({ TESSERA_DATA_DIR: dataDir, TESSERA_LOG_LEVEL: 'silent', TESSERA_CONTRACTS_DIR: join(dataDir, 'none') }),
  );
  try {
    const now = Date.now();
    const at = (days: number) => new Date(now - days * DAY).toISOString();
    const events = [0, 2, 4].flatMap((topups, n) => {
      const msisdn = `+7916000000${n}`;
      const e = (type: string, source: string, days: number, properties: Record<string, unknown>) => ({
        source,
        type,
        eventId: `tpl-${n}-${type}-${days}`,
        occurredAt: at(days),
        identifiers: { msisdn },
        properties,
      });
      return [
        e('activation', 'billing', 60, { tariffId: 'T-SMART-2024', planType: 'prepaid', simType: 'physical' }),
        e('customer_changed', 'crm', 50, {
          name: 'Bench',
          birthYear: 1980,
          homeRegion: 'RU-MOW',
          language: 'ru',
          customerType: 'individual',
        }),
        e('balance_changed', 'billing', 1, {
          balance: { value: 123.45, unit: 'RUB' },
          delta: { value: -1, unit: 'RUB' },
          reason: 'charge',
        }),
        ...Array.from({ length: topups }, (_, k) =>
          e('topup', 'billing', 2 + k * 3, {
            topupId: `T-${n}-${k}`,
            amount: { value: 300, unit: 'RUB' },
            paymentMethod: 'bankCard',
            channel: 'app',
          }),
        ),
      ];
    });
    const answer = await tessera.services.ingest.ingest(events, { channel: 'native' });
    if (answer.results.some((r) => r.status !== 'accepted')) throw new Error(`template events refused: ${JSON.stringify(answer.results)}`);
    await tessera.services.pipeline.drain();
    const rows = await tessera.storage.db.selectFrom('profile_state').select(['body', 'next_change_at']).orderBy('profile_id').execute();
    await tessera.storage.db.deleteFrom('profile_state').execute();
    return rows.map((r) => ({ body: r.body, next: r.next_change_at }));
  } finally {
    await tessera.close();
  }
};

/** Writes `profiles` rows varied from the templates straight into the SQLite file. */
export const writeProfiles = (file: string, rows: readonly { body: string; next: string | null }[], profiles: number): void => {
  const db = new SQLite(file);
  try {
    const insert = db.prepare('insert into profile_state (profile_id, body, updated_at, next_change_at) values (?, ?, ?, ?)');
    const now = new Date().toISOString();
    let x = 7;
    const random = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 4_294_967_296;
    };
    const write = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const template = rows[Math.floor(random() * rows.length)] as { body: string; next: string | null };
        const body = template.body
          .replaceAll('"prepaid"', random() < 0.6 ? '"prepaid"' : '"postpaid"')
          .replaceAll('"RU-MOW"', JSON.stringify(REGIONS[Math.floor(random() * REGIONS.length)]))
          .replaceAll('123.45', String(Math.round(random() * 100_000) / 100));
        insert.run(benchId(i), body, now, template.next);
      }
    });
    for (let from = 0; from < profiles; from += 50_000) write(from, Math.min(profiles, from + 50_000));
  } finally {
    db.close();
  }
};

/** 1,000 profiles' balances rewritten (what a pipeline batch does to their rows). */
const touchProfiles = (file: string, profiles: number, round: number): void => {
  const db = new SQLite(file);
  try {
    db.pragma('busy_timeout = 10000');
    const update = db.prepare('update profile_state set body = replace(body, \'"unit":"RUB"\', \'"unit":"RUB" \') where profile_id = ?');
    db.transaction(() => {
      for (let k = 0; k < 1000; k++) update.run(benchId((round * 7919 + k * 997) % profiles));
    })();
  } finally {
    db.close();
  }
};

export const runAudiencePreviewBench = async (options: PreviewOptions): Promise<PreviewFigures> => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-preview-'));
  const dataDir = join(dir, 'server');
  const file = join(dataDir, SQLITE_FILE_NAME);
  try {
    writeProfiles(file, await templates(dataDir), options.profiles);
    writeProfileIds(file, options.profiles);
    const apiKey = `bench-${randomToken(24)}`;
    const server = await spawnTessera(options.cli, { TESSERA_DATA_DIR: dataDir, TESSERA_ADMIN_KEY: apiKey }, 60_000);
    try {
      const preview = async (rule: unknown): Promise<{ ms: number; count: number }> => {
        const started = performance.now();
        const answer = await fetch(`${server.url}/v1/audiences/preview`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ entity: 'person', rule, sampleSize: 20 }),
        });
        const body = (await answer.json()) as { count: number; total: number };
        const ms = performance.now() - started;
        if (answer.status !== 200 || body.total !== options.profiles)
          throw new Error(`preview answered ${answer.status}: ${JSON.stringify(body).slice(0, 500)}\n${server.output().slice(-3000)}`);
        return { ms, count: body.count };
      };
      await sleep(1000);
      const pid = server.child.pid as number;
      const before = rssOf(pid) ?? 0;
      const cpu0 = cpuMsOf(pid);
      const first = await preview(ruleOf(500));
      const cpu1 = cpuMsOf(pid);
      const after = rssOf(pid) ?? 0;
      const calls = options.calls ?? 100;
      const warm: number[] = [];
      for (let i = 0; i < calls; i++) warm.push((await preview(ruleOf(100 + ((i * 37) % 900)))).ms);
      const cpu2 = cpuMsOf(pid);
      await sleep(10_000);
      const settled = rssOf(pid) ?? 0;
      const changed: number[] = [];
      for (let round = 0; round < 5; round++) {
        touchProfiles(file, options.profiles, round);
        changed.push((await preview(ruleOf(200 + round))).ms);
      }
      const { p50, p99 } = percentiles(warm);
      // Rules with an event condition, once top-ups are in the log.
      const events = writeTopups(file, options.profiles);
      const rss0 = rssOf(pid) ?? 0;
      const cpu3 = cpuMsOf(pid);
      const firstEvent = await preview(eventRuleOf(2, 30));
      const cpu4 = cpuMsOf(pid);
      const rss1 = rssOf(pid) ?? 0;
      const warmEvent: number[] = [];
      for (let i = 0; i < 30; i++) warmEvent.push((await preview(eventRuleOf(1 + (i % 4), [7, 14, 30][i % 3] as number))).ms);
      const cpu5 = cpuMsOf(pid);
      const event = percentiles(warmEvent);
      return {
        api_preview_profiles: options.profiles,
        api_preview_first_ms: Math.round(first.ms),
        api_preview_p50_ms: round(p50),
        api_preview_p99_ms: round(p99),
        api_preview_calls: calls,
        api_preview_after_1000_changes_ms: round(percentiles(changed).p50),
        api_preview_rss_growth_bytes_per_profile: Math.round((after - before) / options.profiles),
        api_preview_rss_settled_bytes_per_profile: Math.round((settled - before) / options.profiles),
        api_preview_first_cpu_ms: cpu1 - cpu0,
        api_preview_cpu_mean_ms: round((cpu2 - cpu1) / calls),
        api_preview_count: first.count,
        api_preview_events: events,
        api_preview_event_first_ms: Math.round(firstEvent.ms),
        api_preview_event_first_cpu_ms: cpu4 - cpu3,
        api_preview_event_p50_ms: round(event.p50),
        api_preview_event_p99_ms: round(event.p99),
        api_preview_event_cpu_mean_ms: round((cpu5 - cpu4) / warmEvent.length),
        api_preview_event_rss_growth_bytes_per_profile: Math.round((rss1 - rss0) / options.profiles),
        api_preview_event_count: firstEvent.count,
      };
    } finally {
      await stopTessera(server);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
