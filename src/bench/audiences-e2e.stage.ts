import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { AudienceDraft } from '../audiences/index.js';
import { randomToken } from '../core/hash.js';
import { runLoad } from '../simulator/index.js';
import { SQLITE_FILE_NAME } from '../storage/database.js';
import { benchBatches } from './bench-events.js';
import { startIngestLoad } from './ingest-load.thread.js';
import { percentiles, round } from './samples.js';
import { spawnTessera, stopTessera, type ServerStageOptions } from './spawn-tessera.js';

/*
 * Event accepted → `audience.entered` in the outbox through `tessera start` as it runs in
 * production (HTTP, ingest and background threads on the machine's two cores), with a realistic
 * set of 100 active audiences: an operator's audiences read many inputs (top-ups, payments, calls,
 * app use, care, roaming, tariff, scores), and a network data-session record — the traffic here,
 * as in production most of it — affects the dozen that read usage (and churn scores, which usage
 * feeds). Ingestion is paced at rising rates; each entry's latency is the moment its outbox row
 * became visible to a reader beside the server (polled every 5 ms) minus the deciding event's
 * `received_at`, grouped by the phase the event was sent in.
 */

export interface AudienceE2eOptions extends ServerStageOptions {
  /** Lines of the population (profiles before the audiences are created). */
  readonly lines: number;
  /** Paced ingestion rates, events a second, in order. */
  readonly rates: readonly number[];
  /** Seconds each rate is held. */
  readonly seconds: number;
}

export interface AudienceE2ePhase {
  readonly rate_per_s: number;
  /** Events a second the load driver got accepted (below the rate when the server fell behind). */
  readonly accepted_per_s: number;
  readonly entered: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  /** The same entries by the outbox row's `created_at` (the pipeline's decision, before its commit). */
  readonly decided_p50_ms: number;
  readonly decided_p99_ms: number;
}

export interface AudienceE2eFigures {
  readonly audience_e2e_audiences: number;
  readonly audience_e2e_lines: number;
  readonly audience_e2e_phases: readonly AudienceE2ePhase[];
}

type Draft = AudienceDraft & { readonly id: string };

const MB = 1_000_000;

/** Events per ingest request in the paced phases. */
const PER_REQUEST = 100;

/** 100 audiences of an operator's kind: twelve read what a data session changes, the rest other inputs. */
export const realisticAudiences = (): Draft[] => {
  const drafts: Draft[] = [];
  const add = (id: string, rules: unknown[]): void => {
    drafts.push({ id, name: id, entity: 'person', rule: { combinator: 'and', rules }, holdoutPercent: 5 });
  };
  const each = (prefix: string, n: number, rule: (i: number) => unknown): void => {
    for (let i = 0; i < n; i++) add(`${prefix}-${i}`, [rule(i)]);
  };
  // Read by a data session (12): usage thresholds, activity, cells, session counts.
  each('heavy-data', 6, (i) => ({ field: 'aggregates.data_usage_home.7d', operator: '>=', value: (i + 1) * 25 * MB }));
  each('active-data', 3, (i) => ({ field: 'aggregates.usage_events.7d', operator: '>=', value: 2 + 2 * i }));
  add('many-cells', [{ field: 'aggregates.distinct_cells.7d', operator: '>=', value: 2 }]);
  each('long-sessions', 2, (i) => ({
    field: 'event',
    operator: 'performed',
    eventType: 'network/data_session',
    count: { op: 'atLeast', n: 2 + i },
    window: { lastDays: 7 },
    propertyFilters: [{ field: 'duration', operator: '>', value: 300 }],
  }));
  // Read by other events (88).
  each('topups', 10, (i) => ({ field: 'aggregates.topup_count.30d', operator: '>=', value: 1 + i }));
  each('topup-amount', 10, (i) => ({ field: 'aggregates.topup_amount.30d', operator: '>=', value: 100 * (i + 1) }));
  each('payments', 5, (i) => ({ field: 'aggregates.payment_amount.30d', operator: '>=', value: 300 * (i + 1) }));
  each('voice', 10, (i) => ({ field: 'aggregates.voice_minutes.30d', operator: '>=', value: 30 * (i + 1) }));
  each('dropped', 5, (i) => ({ field: 'aggregates.dropped_calls.30d', operator: '>=', value: 1 + i }));
  each('app', 10, (i) => ({ field: 'aggregates.app_opens.7d', operator: '>=', value: 1 + i }));
  each('care', 5, (i) => ({ field: 'aggregates.care_cases.30d', operator: '>=', value: 1 + i }));
  each('roaming', 5, (i) => ({ field: 'aggregates.roaming_days.30d', operator: '>=', value: 1 + i }));
  each('plan', 10, (i) => ({ field: 'traits.planType', operator: '=', value: i % 2 === 0 ? 'prepaid' : 'postpaid' }));
  each('balance', 5, (i) => ({ field: 'traits.balance.value', operator: '<', value: 10 * (i + 1) }));
  each('churn', 13, (i) => ({ field: 'scores.churn.probability', operator: '>=', value: 0.05 * (i + 1) }));
  return drafts;
};

export const runAudienceE2eStage = async (options: AudienceE2eOptions): Promise<AudienceE2eFigures> => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-audience-e2e-'));
  const apiKey = `bench-${randomToken(24)}`;
  const dataDir = join(dir, 'server');
  const server = await spawnTessera(options.cli, { TESSERA_DATA_DIR: dataDir, TESSERA_ADMIN_KEY: apiKey });
  const store = (): Database.Database => new Database(join(dataDir, SQLITE_FILE_NAME), { readonly: true, fileMustExist: true });
  try {
    await runLoad({
      url: `${server.url}/v1/events`,
      apiKey,
      concurrency: 2,
      batches: benchBatches(0, options.lines, options.lines, 'seed'),
    });
    await caughtUp(store);
    const audiences = realisticAudiences();
    for (const draft of audiences) {
      const response = await fetch(`${server.url}/v1/audiences`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(draft),
      });
      if (response.status !== 201)
        throw new Error(`audience ${draft.id} refused (${response.status}): ${await response.text()}\n${server.output().slice(-4000)}`);
    }
    await caughtUp(store);

    const watcher = watchOutbox(store());
    const windows: { rate: number; from: string; to: string; accepted: number }[] = [];
    let from = options.lines;
    for (const rate of options.rates) {
      const sent = Date.now();
      const load = await startIngestLoad({
        url: server.url,
        apiKey,
        lines: options.lines,
        from,
        prefix: `e2e-${rate}`,
        ratePerSecond: rate,
        // A real-time source (a forwarder flushing every few milliseconds) sends small requests.
        perRequest: PER_REQUEST,
      });
      await sleep(options.seconds * 1000);
      const summary = await load.stop();
      windows.push({ rate, from: new Date(sent).toISOString(), to: new Date().toISOString(), accepted: summary.acceptedPerSecond });
      from += summary.events;
      await caughtUp(store);
    }
    await sleep(2 * WATCH_MS);
    const seen = watcher.stop();
    return {
      audience_e2e_audiences: audiences.length,
      audience_e2e_lines: options.lines,
      audience_e2e_phases: phases(store, windows, seen),
    };
  } finally {
    await stopTessera(server);
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Waits until the pipeline's checkpoint reaches the end of the log (read beside the server, through WAL). */
const caughtUp = async (store: () => Database.Database): Promise<void> => {
  const db = store();
  try {
    for (let tries = 0; tries < 1200; tries++) {
      const head = (db.prepare('select max(seq) as seq from event_log').get() as { seq: number | null }).seq ?? 0;
      const done =
        (db.prepare("select max(seq) as seq from consumer_checkpoints where consumer = 'pipeline'").get() as { seq: number | null }).seq ??
        0;
      if (done >= head) return;
      await sleep(250);
    }
    throw new Error('the pipeline did not catch up with the log within 5 minutes');
  } finally {
    db.close();
  }
};

/** How often the watcher looks for new outbox rows: the resolution of the visible time. */
const WATCH_MS = 5;

/**
 * Notes when each outbox row first becomes visible to a reader (committed), as a consumer tailing
 * the outbox would see it: `created_at` is the moment the pipeline decided, before its batch's
 * remaining work and commit, so it would understate the latency.
 */
const watchOutbox = (db: Database.Database): { stop: () => Map<number, number> } => {
  const seen = new Map<number, number>();
  const next = db.prepare("select rowid as id from outbox where rowid > ? and type = 'audience.entered' order by rowid");
  let after = (db.prepare('select coalesce(max(rowid), 0) as id from outbox').get() as { id: number }).id;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const row of next.all(after) as { id: number }[]) {
      seen.set(row.id, now);
      after = row.id;
    }
  }, WATCH_MS);
  return {
    stop: () => {
      clearInterval(timer);
      db.close();
      return seen;
    },
  };
};

/** Each phase's latencies: entries whose deciding event was received while the phase ran. */
const phases = (
  store: () => Database.Database,
  windows: readonly { rate: number; from: string; to: string; accepted: number }[],
  seen: ReadonlyMap<number, number>,
): AudienceE2ePhase[] => {
  const db = store();
  try {
    const rows = db
      .prepare(
        `select o.rowid as id, o.created_at as decided_at, e.received_at as received_at
           from outbox o join event_log e on e.seq = json_extract(o.data, '$.eventSeq')
          where o.type = 'audience.entered' and e.received_at >= ? and e.received_at <= ?`,
      )
      .all(windows[0]?.from ?? '', windows.at(-1)?.to ?? '') as { id: number; decided_at: string; received_at: string }[];
    return windows.map((w) => {
      const inPhase = rows.filter((r) => r.received_at >= w.from && r.received_at <= w.to);
      const visible = inPhase.map((r) => (seen.get(r.id) ?? Number.NaN) - Date.parse(r.received_at)).filter((ms) => !Number.isNaN(ms));
      const decided = percentiles(inPhase.map((r) => Date.parse(r.decided_at) - Date.parse(r.received_at)));
      const { p50, p99 } = percentiles(visible);
      return {
        rate_per_s: w.rate,
        accepted_per_s: Math.round(w.accepted),
        entered: visible.length,
        p50_ms: round(p50),
        p99_ms: round(p99),
        max_ms: visible.length === 0 ? Number.NaN : visible.reduce((a, b) => Math.max(a, b)),
        decided_p50_ms: round(decided.p50),
        decided_p99_ms: round(decided.p99),
      };
    });
  } finally {
    db.close();
  }
};
