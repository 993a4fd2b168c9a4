import type { Command } from 'commander';
import { runAudienceE2eStage } from '../bench/audiences-e2e.stage.js';
import { runAudienceRealtimeStage } from '../bench/audiences-realtime.stage.js';
import { runAudiencePreviewBench } from '../bench/audience-preview.js';
import { runAudiencesStage } from '../bench/audiences.stage.js';
import { runIdentityIndexStage } from '../bench/identity-index.stage.js';
import { runIdentityStage } from '../bench/identity.stage.js';
import { runIngestStage } from '../bench/ingest.stage.js';
import { runLookupStage } from '../bench/lookup.stage.js';
import { machine } from '../bench/machine.js';
import { runMemoryStage, type MemoryPoint } from '../bench/memory.stage.js';
import { benchDeliveries } from '../delivery/delivery-bench.js';
import { benchConsentFilter, benchPolicyDecisions } from '../policy/index.js';

const STAGES = [
  'ingest',
  'identity',
  'identity-index',
  'lookup',
  'memory',
  'audiences',
  'audiences-realtime',
  'policy',
  'delivery',
] as const;
type Stage = (typeof STAGES)[number];

interface BenchOptions {
  readonly only?: string;
  readonly seconds: string;
  readonly lines: string;
  readonly concurrency: string;
  readonly profiles: string;
  readonly rate: string;
  readonly lookupLines: string;
  readonly lookupIngestRate: string;
  readonly identifiers: string;
  readonly merges: string;
  readonly audienceProfiles: string;
  readonly audienceLines: string;
  readonly audienceRate: string;
  readonly audienceRates: string;
}

/** A table row: what was measured, its figure, and beside it the raw limit or the context of the run. */
type Row = readonly [what: string, value: string, beside: string];

interface StageResult {
  readonly figures: object;
  readonly rows: readonly Row[];
}

const n = (value: number): string => value.toLocaleString('en');
const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;
const kib = (bytes: number): string => `${(bytes / 1024).toLocaleString('en', { maximumFractionDigits: 2 })} KiB`;

/** Node arguments that run this CLI, to start the server in its own process. */
const cli = (): readonly string[] => [...process.execArgv, process.argv[1] as string];

/** Each stage: how it runs with the command's options, and the table rows of its figures. */
const RUN: Record<Stage, (options: BenchOptions) => Promise<StageResult>> = {
  ingest: async (options) => {
    const ingest = await runIngestStage({
      seconds: Number(options.seconds),
      lines: Number(options.lines),
      batchSize: 500,
      concurrency: Number(options.concurrency),
      cli: cli(),
    });
    return {
      figures: ingest,
      rows: [
        [
          'ingest: HTTP batches of 500, contract check + durable append',
          `${n(ingest.ingest_events_per_s)} events/s`,
          `raw SQLite append: ${n(ingest.raw_append_per_s)} events/s`,
        ],
        [
          'ingest: batch latency p50 / p99',
          `${ingest.ingest_batch_p50_ms} / ${ingest.ingest_batch_p99_ms} ms`,
          `${n(ingest.ingest_events)} events in ${ingest.ingest_seconds} s`,
        ],
        ['ingest: server resident memory', ingest.server_rss_bytes === undefined ? 'n/a' : mib(ingest.server_rss_bytes), ''],
      ],
    };
  },
  identity: async (options) => {
    const identity = await runIdentityStage({ lines: Math.min(Number(options.lines), 100_000) });
    return {
      figures: identity,
      rows: [
        [
          'identity: resolution stage, lines seen before',
          `${n(identity.identity_events_per_s)} events/s`,
          `raw log read + checkpoint: ${n(identity.identity_raw_read_per_s)} events/s`,
        ],
        [
          'pipeline: identity + profile state + aggregates',
          `${n(identity.pipeline_events_per_s)} events/s`,
          `same lines, profiles known (${n(identity.pipeline_profiles_cached)} held in memory, ${mib(identity.pipeline_profile_cache_bytes)}); raw log read + checkpoint: ${n(identity.identity_raw_read_per_s)} events/s`,
        ],
        [
          'identity: resolution stage, lines never seen before',
          `${n(identity.identity_first_sight_events_per_s)} events/s`,
          `${n(identity.identity_events)} events`,
        ],
      ],
    };
  },
  'identity-index': async (options) => {
    const index = await runIdentityIndexStage({ identifiers: Number(options.identifiers), merges: Number(options.merges) });
    return {
      figures: index,
      rows: [
        [
          `identity index: bytes per identifier at ${n(index.identity_index_identifiers)}`,
          `${index.identity_index_bytes_per_identifier} B`,
          `raw: the key strings ${index.identity_index_raw_key_bytes_per_identifier} B, a Map of them ${index.identity_index_map_bytes_per_identifier} B; plain objects ${index.identity_index_plain_bytes_per_identifier} B (limit 100 B)`,
        ],
        [
          'identity: merge p50 / p99, one per batch',
          `${index.merge_p50_ms} / ${index.merge_p99_ms} ms`,
          `CPU p50 / p99 ${index.merge_cpu_p50_ms} / ${index.merge_cpu_p99_ms} ms; ${n(index.merge_count)} merges (limit p99 5 ms)`,
        ],
      ],
    };
  },
  lookup: async (options) => {
    const lookup = await runLookupStage({
      lines: Number(options.lookupLines),
      seconds: Number(options.seconds),
      requestsPerSecond: Number(options.rate),
      ingestRate: Number(options.lookupIngestRate),
      cli: cli(),
    });
    return {
      figures: lookup,
      rows: [
        [
          `lookup by MSISDN over HTTP p50 / p99, ${n(Number(options.rate))}/s while ingesting ${n(lookup.lookup_paced_ingest_rate)} events/s, ${n(lookup.lookup_profiles)} profiles`,
          `${lookup.lookup_paced_p50_ms} / ${lookup.lookup_paced_p99_ms} ms`,
          `${n(lookup.lookup_paced_ingest_events_per_s)} events/s ingested beside (limit p99 2 ms)`,
        ],
        [
          `lookup by MSISDN over HTTP p50 / p99, ${n(Number(options.rate))}/s while ingesting as fast as the server takes events`,
          `${lookup.lookup_p50_ms} / ${lookup.lookup_p99_ms} ms`,
          `idle p99 ${lookup.lookup_idle_p99_ms} ms; ${n(lookup.lookup_requests_per_s)} answered/s, ${n(lookup.lookup_unanswered)} unanswered; ${n(lookup.lookup_ingest_events_per_s)} events/s ingested beside (limit p99 2 ms)`,
        ],
      ],
    };
  },
  memory: async (options) => {
    const memory = await runMemoryStage({ profiles: Number(options.profiles), cli: cli() });
    return {
      figures: memory,
      rows: [
        [
          `memory: server RSS per profile at ${n(memory.memory_profiles)} profiles`,
          kib(memory.rss_bytes_per_profile),
          `${mib(memory.rss_bytes)} in all; ${mib(memory.rss_idle_bytes)} idle; ${kib(memory.rss_growth_bytes_per_profile)} added per profile`,
        ],
        [
          'memory: server RSS per profile at 1 M profiles',
          kib(memory.rss_bytes_per_profile_1m),
          memory.rss_1m_extrapolated ? 'extrapolated: idle + growth per profile × 1 M (limit 1 KiB)' : 'measured (limit 1 KiB)',
        ],
        ['memory: where it is, at the end', mib(memory.rss_bytes), heapBreakdown(memory.rss_series[memory.rss_series.length - 1])],
      ],
    };
  },
  audiences: async (options) => {
    const count = runAudiencesStage({ profiles: Number(options.audienceProfiles) });
    const preview = await runAudiencePreviewBench({ profiles: Number(options.audienceProfiles), cli: cli() });
    return {
      figures: { ...count, ...preview },
      rows: [
        [
          `audiences: exact count of a new 5-condition rule, ${n(count.count_profiles)} profiles`,
          `${count.count_ms} ms`,
          `CPU ${count.count_cpu_ms} ms; raw: one loop of 5 comparisons over typed arrays ${count.count_raw_scan_ms} ms (limit 100 ms at 1 M)`,
        ],
        [
          `audiences: POST /v1/audiences/preview over HTTP, ${n(preview.api_preview_profiles)} profiles`,
          `p50 ${preview.api_preview_p50_ms} ms, p99 ${preview.api_preview_p99_ms} ms`,
          `server CPU ${preview.api_preview_cpu_mean_ms} ms a call; first call (builds the columns) ${n(preview.api_preview_first_ms)} ms, CPU ${n(preview.api_preview_first_cpu_ms)} ms; after 1,000 profiles changed ${preview.api_preview_after_1000_changes_ms} ms; RSS +${preview.api_preview_rss_growth_bytes_per_profile} B/profile after the build, +${preview.api_preview_rss_settled_bytes_per_profile} B/profile settled`,
        ],
        [
          `audiences: preview with an event condition, ${n(preview.api_preview_events)} top-ups in the log`,
          `p50 ${preview.api_preview_event_p50_ms} ms, p99 ${preview.api_preview_event_p99_ms} ms`,
          `server CPU ${preview.api_preview_event_cpu_mean_ms} ms a call; first call (reads the top-ups into memory) ${n(preview.api_preview_event_first_ms)} ms, CPU ${n(preview.api_preview_event_first_cpu_ms)} ms; RSS +${preview.api_preview_event_rss_growth_bytes_per_profile} B/profile`,
        ],
      ],
    };
  },
  'audiences-realtime': async (options) => {
    const rt = await runAudienceRealtimeStage({
      lines: Number(options.audienceLines),
      latencySeconds: Math.min(Number(options.seconds), 20),
      rate: Number(options.audienceRate),
    });
    const e2e = await runAudienceE2eStage({
      cli: cli(),
      lines: Number(options.audienceLines),
      rates: options.audienceRates.split(',').map(Number),
      seconds: Math.min(Number(options.seconds), 10),
    });
    return {
      figures: { ...rt, ...e2e },
      rows: [
        [
          `audiences: real-time evaluation, ${rt.audiences_active} active audiences, ${rt.audience_evaluations_per_event} evaluated per event`,
          `${rt.audience_eval_us} µs`,
          `per event per affected audience (limit 10 µs); pipeline ${n(rt.pipeline_events_per_s_100_audiences)} events/s with them, ${n(rt.pipeline_events_per_s_no_audiences)} without`,
        ],
        [
          `audiences: event accepted → audience.entered in the outbox p50 / p99 at ${n(rt.audience_entered_rate_per_s)} events/s`,
          `${rt.audience_entered_p50_ms} / ${rt.audience_entered_p99_ms} ms`,
          `${n(rt.audience_entered_samples)} entries; materialising the ${rt.audiences_active} audiences over ${n(rt.audience_lines)} profiles took ${rt.audience_materialise_s} s`,
        ],
        ...e2e.audience_e2e_phases.map((phase): Row => [
          `audiences: accepted → audience.entered committed, p50 / p99, tessera start, ${e2e.audience_e2e_audiences} audiences of an operator's mix, ${n(phase.rate_per_s)} events/s`,
          `${phase.p50_ms} / ${phase.p99_ms} ms`,
          `${n(phase.accepted_per_s)} events/s accepted; ${n(phase.entered)} entries; max ${n(phase.max_ms)} ms; decided (created_at) ${phase.decided_p50_ms} / ${phase.decided_p99_ms} ms (target p99 50 ms at 20,000 events/s)`,
        ]),
      ],
    };
  },
  policy: async () => {
    const decisions = benchPolicyDecisions();
    const filter = benchConsentFilter();
    const figures = {
      policy_decision_us: decisions.p99Us,
      policy_decision_p50_us: decisions.p50Us,
      policy_decisions_per_s: Math.round(decisions.opsPerSecond),
      policy_uncached_us: Math.round(decisions.uncachedMeanUs),
      consent_filter_1m_ms: Math.round(filter.elapsedMs),
    };
    return {
      figures,
      rows: [
        [
          'policy: cached decision p50 / p99',
          `${decisions.p50Us} / ${decisions.p99Us} µs`,
          `${n(figures.policy_decisions_per_s)} decisions/s; uncached (one Cedar evaluation) ${n(figures.policy_uncached_us)} µs (limit 5 µs cached)`,
        ],
        [
          `consent: filtering ${n(filter.members)} export members by consent`,
          `${n(figures.consent_filter_1m_ms)} ms`,
          `${n(filter.allowed)} allowed (limit 2,000 ms)`,
        ],
      ],
    };
  },
  delivery: async () => {
    const d = await benchDeliveries({ messages: 10_000, e2eEvents: 2_000, e2eRate: 200 });
    return {
      figures: d,
      rows: [
        [
          `delivery: signed webhooks to a local receiver, ${n(d.deliveries)} messages`,
          `${n(d.deliveries_per_s)} deliveries/s`,
          `raw: plain POSTs to the same receiver ${n(d.delivery_raw_post_per_s)}/s (target 5,000/s)`,
        ],
        [
          `delivery: event accepted → webhook delivered p50 / p99 at ${n(d.delivery_e2e_rate)} events/s`,
          `${d.delivery_e2e_p50_ms} / ${d.delivery_e2e_p99_ms} ms`,
          `${n(d.delivery_e2e_events)} events; max ${d.delivery_e2e_max_ms} ms (target p99 50 ms at 20,000 events/s)`,
        ],
      ],
    };
  },
};

/**
 * Each thread's used heap (of what it has reserved, young generation included) and the native rest
 * (SQLite caches, malloc arenas, buffers, code, and the heaps' reserved but unused part) of one memory point.
 */
const heapBreakdown = (point: MemoryPoint | undefined): string => {
  if (point === undefined) return '';
  const heaps = Object.entries(point.heaps);
  const native = point.rss - heaps.reduce((sum, [, bytes]) => sum + bytes, 0);
  const total = (thread: string): string =>
    point.heapTotals[thread] === undefined ? '' : ` of ${mib(point.heapTotals[thread] as number)}`;
  return [...heaps.map(([thread, bytes]) => `${thread} heap ${mib(bytes)}${total(thread)}`), `native and other ${mib(native)}`].join('; ');
};

/** `tessera bench` (`npm run bench`): every stage that exists, a table, then one JSON line. */
export const registerBenchCommand = (program: Command): void => {
  program
    .command('bench')
    .description('Measure throughput, latency and memory beside the raw limit of this machine')
    .option('--only <stage>', `run one stage: ${STAGES.join(', ')}`)
    .option('--seconds <n>', 'measured seconds of the ingest and lookup stages', '60')
    .option('--lines <n>', 'distinct subscriber lines in the generated traffic (the identity stage takes at most 100000)', '1000000')
    .option('--concurrency <n>', 'requests in flight', '4')
    .option('--profiles <n>', 'profiles the memory stage creates (1000000 measures at 1 M; fewer extrapolate)', '1000000')
    .option('--rate <n>', 'profile lookups per second in the lookup stage (open loop)', '5000')
    .option('--lookup-lines <n>', 'profiles the lookup stage creates over HTTP before it looks them up', '100000')
    .option(
      '--lookup-ingest-rate <n>',
      'events/s ingested beside the lookups of the paced run (then as fast as the server takes them)',
      '5000',
    )
    .option('--identifiers <n>', 'identifiers the identity index memory is measured at', '1000000')
    .option('--merges <n>', 'merges the identity-index stage times', '2000')
    .option('--audience-profiles <n>', 'profiles the audience count runs over (count_1m_ms only at 1000000)', '1000000')
    .option('--audience-lines <n>', 'profiles the real-time audience stage evaluates 100 audiences on', '20000')
    .option('--audience-rate <n>', 'events/s ingested while audience.entered latency is measured', '2000')
    .option(
      '--audience-rates <list>',
      'paced events/s, comma-separated, at which accepted → audience.entered is measured through tessera start',
      '2000,5000,10000,20000',
    )
    .action(async (options: BenchOptions) => {
      if (options.only !== undefined && !(STAGES as readonly string[]).includes(options.only)) {
        process.stderr.write(`tessera bench: unknown stage '${options.only}'; stages: ${STAGES.join(', ')}\n`);
        process.exit(2);
      }
      const figures: Record<string, unknown> = {};
      const rows: Row[] = [];
      const stageSeconds: Partial<Record<Stage, number>> = {};
      for (const stage of STAGES) {
        if (options.only !== undefined && options.only !== stage) continue;
        const started = process.hrtime.bigint();
        const result = await RUN[stage](options);
        stageSeconds[stage] = Math.round(Number(process.hrtime.bigint() - started) / 1e9);
        process.stderr.write(`tessera bench: ${stage} took ${stageSeconds[stage]} s\n`);
        Object.assign(figures, result.figures);
        rows.push(...result.rows);
      }
      const info = machine();
      const width = Math.max(...rows.map((r) => r[0].length));
      process.stdout.write(`\nTessera bench — ${info.cores} cores, ${info.memoryGiB} GiB, Node ${info.node}, ${info.cpu}\n\n`);
      for (const [what, value, beside] of rows) process.stdout.write(`  ${what.padEnd(width)}  ${value.padStart(22)}   ${beside}\n`);
      process.stdout.write(`\n${JSON.stringify({ ...figures, stage_seconds: stageSeconds, machine: info })}\n`);
    });
};
