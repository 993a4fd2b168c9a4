import { performance } from 'node:perf_hooks';
import type { AudienceDraft } from '../audiences/index.js';
import type { Tessera } from '../server/app.js';
import { benchEvent } from './bench-events.js';
import { withEmbeddedTessera } from './embedded-tessera.js';
import { percentiles, round } from './samples.js';

/*
 * Real-time audience evaluation (issue 6): 100 active person audiences that every data-session
 * record affects (thresholds on rolling data usage and usage counts, event counts in a 7-day
 * window with property filters). Measured in the embedded runtime:
 * - the pipeline's cost per event with and without the audiences, on the same lines, and from it
 *   the cost of one audience evaluated on one event's person (target ≤ 10 µs);
 * - materialising the 100 audiences over the existing profiles;
 * - event accepted → `audience.entered` in the outbox (outbox `created_at` − log `received_at` of
 *   the deciding event), with the background pipeline following paced ingestion.
 */

export interface AudienceRealtimeFigures {
  readonly audiences_active: number;
  readonly audience_lines: number;
  readonly pipeline_events_per_s_no_audiences: number;
  readonly pipeline_events_per_s_100_audiences: number;
  /** Evaluations (one audience on one event's person) per event in the measured drain. */
  readonly audience_evaluations_per_event: number;
  /** Added pipeline time per evaluation, µs. */
  readonly audience_eval_us: number;
  readonly audience_materialise_s: number;
  readonly audience_entered_rate_per_s: number;
  readonly audience_entered_samples: number;
  readonly audience_entered_p50_ms: number;
  readonly audience_entered_p99_ms: number;
}

const THRESHOLDS = 34;

/** The 100 bench audiences: every one reads something a data-session record changes. */
export const benchAudiences = (): (AudienceDraft & { readonly id: string })[] => {
  const drafts: (AudienceDraft & { readonly id: string })[] = [];
  const draft = (id: string, rules: unknown[]) => ({
    id,
    name: id,
    entity: 'person' as const,
    rule: { combinator: 'and', rules },
    holdoutPercent: 5,
  });
  for (let i = 0; i < THRESHOLDS; i++)
    drafts.push(draft(`bench-data-${i}`, [{ field: 'aggregates.data_usage_home.7d', operator: '>=', value: (i + 1) * 20_000_000 }]));
  for (let i = 0; i < 33; i++)
    drafts.push(draft(`bench-usage-${i}`, [{ field: 'aggregates.usage_events.7d', operator: '>=', value: 2 + i }]));
  for (let i = 0; i < 33; i++)
    drafts.push(
      draft(`bench-sessions-${i}`, [
        {
          field: 'event',
          operator: 'performed',
          eventType: 'network/data_session',
          count: { op: 'atLeast', n: 2 + (i % 11) },
          window: { lastDays: 7 },
          ...(i % 3 === 0 ? { propertyFilters: [{ field: 'duration', operator: '>', value: 100 + i * 10 }] } : {}),
        },
      ]),
    );
  return drafts;
};

const loadEvents = async (tessera: Tessera, from: number, count: number, lines: number): Promise<void> => {
  for (let start = from; start < from + count; start += 500) {
    const batch = Array.from({ length: Math.min(500, from + count - start) }, (_, i) => benchEvent(start + i, lines, 'aud'));
    await tessera.services.ingest.ingest(batch, { channel: 'native' });
  }
};

const drainTimed = async (tessera: Tessera): Promise<{ events: number; seconds: number }> => {
  const started = performance.now();
  const { events } = await tessera.services.pipeline.drain();
  return { events, seconds: (performance.now() - started) / 1000 };
};

export const runAudienceRealtimeStage = (options: {
  lines: number;
  latencySeconds: number;
  rate: number;
}): Promise<AudienceRealtimeFigures> =>
  withEmbeddedTessera('audiences', async (tessera) => {
    const { lines } = options;
    const pipeline = tessera.services.pipeline;
    // Profiles exist, then the same lines again without audiences: the baseline.
    await loadEvents(tessera, 0, 2 * lines, lines);
    await pipeline.drain();
    await loadEvents(tessera, 2 * lines, 2 * lines, lines);
    const baseline = await drainTimed(tessera);

    for (const draft of benchAudiences()) await tessera.services.audiences.create(draft, 'bench');
    const materialiseStarted = performance.now();
    while ((await pipeline.advanceTime()) > 0);
    const materialiseSeconds = (performance.now() - materialiseStarted) / 1000;

    const evaluationsBefore = tessera.services.memberships.evaluations;
    await loadEvents(tessera, 4 * lines, 2 * lines, lines);
    const measured = await drainTimed(tessera);
    const evaluations = tessera.services.memberships.evaluations - evaluationsBefore;
    const extraSeconds = measured.seconds - (baseline.seconds * measured.events) / baseline.events;

    // Latency: the background pipeline follows ingestion paced at `rate` events a second.
    const { db } = tessera.storage;
    const since = new Date().toISOString();
    tessera.startBackground();
    const from = 6 * lines;
    const total = Math.round(options.rate * options.latencySeconds);
    const started = performance.now();
    for (let sent = 0; sent < total; sent += 500) {
      const due = started + (sent / options.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await loadEvents(tessera, from + sent, Math.min(500, total - sent), lines * 4);
    }
    await pipeline.caughtUp(20);
    const rows = await db
      .selectFrom('outbox')
      .select(['data', 'created_at'])
      .where('type', '=', 'audience.entered')
      .where('created_at', '>=', since)
      .execute();
    const latencies: number[] = [];
    const bySeq = new Map<number, string>();
    const entered = rows.flatMap((r) => {
      const seq = (JSON.parse(r.data) as { eventSeq?: number }).eventSeq;
      return seq === undefined ? [] : [{ seq, at: Date.parse(r.created_at) }];
    });
    const seqs = [...new Set(entered.map((e) => e.seq))];
    for (let i = 0; i < seqs.length; i += 500) {
      const found = await db
        .selectFrom('event_log')
        .select(['seq', 'received_at'])
        .where('seq', 'in', seqs.slice(i, i + 500))
        .execute();
      for (const f of found) bySeq.set(Number(f.seq), f.received_at);
    }
    for (const e of entered) {
      const received = bySeq.get(e.seq);
      if (received !== undefined) latencies.push(e.at - Date.parse(received));
    }
    const latency = percentiles(latencies);
    return {
      audiences_active: benchAudiences().length,
      audience_lines: lines,
      pipeline_events_per_s_no_audiences: Math.round(baseline.events / baseline.seconds),
      pipeline_events_per_s_100_audiences: Math.round(measured.events / measured.seconds),
      audience_evaluations_per_event: Math.round((evaluations / measured.events) * 10) / 10,
      audience_eval_us: evaluations > 0 ? Math.round(((extraSeconds * 1e6) / evaluations) * 100) / 100 : 0,
      audience_materialise_s: Math.round(materialiseSeconds * 10) / 10,
      audience_entered_rate_per_s: options.rate,
      audience_entered_samples: latencies.length,
      audience_entered_p50_ms: round(latency.p50),
      audience_entered_p99_ms: round(latency.p99),
    };
  });
