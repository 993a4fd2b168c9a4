import type { Command } from 'commander';
import { machine } from '../bench/machine.js';
import { runIdentityStage } from '../bench/identity.stage.js';
import { runIngestStage } from '../bench/ingest.stage.js';
import { runMemoryStage } from '../bench/memory.stage.js';

const STAGES = ['ingest', 'identity', 'memory'] as const;
type Stage = (typeof STAGES)[number];

/** `tessera bench` (`npm run bench`): every stage that exists, a table, then one JSON line. */
export const registerBenchCommand = (program: Command): void => {
  program
    .command('bench')
    .description('Measure throughput, latency and memory beside the raw limit of this machine')
    .option('--only <stage>', `run one stage: ${STAGES.join(', ')}`)
    .option('--seconds <n>', 'measured seconds per stage', '60')
    .option('--lines <n>', 'distinct subscriber lines in the generated traffic', '1000000')
    .option('--concurrency <n>', 'requests in flight', '4')
    .option('--profiles <n>', 'profiles the memory stage creates (1000000 measures at 1 M; fewer extrapolate)', '200000')
    .action(async (options: { only?: string; seconds: string; lines: string; concurrency: string; profiles: string }) => {
      if (options.only !== undefined && !(STAGES as readonly string[]).includes(options.only)) {
        process.stderr.write(`tessera bench: unknown stage '${options.only}'; stages: ${STAGES.join(', ')}\n`);
        process.exit(2);
      }
      const wanted = (stage: Stage): boolean => options.only === undefined || options.only === stage;
      const figures: Record<string, unknown> = {};
      const rows: [string, string, string][] = [];
      if (wanted('ingest')) {
        const ingest = await runIngestStage({
          seconds: Number(options.seconds),
          lines: Number(options.lines),
          batchSize: 500,
          concurrency: Number(options.concurrency),
          cli: [...process.execArgv, process.argv[1] as string],
        });
        Object.assign(figures, ingest);
        rows.push(
          [
            'ingest: HTTP batches of 500, contract check + durable append',
            `${ingest.ingest_events_per_s.toLocaleString('en')} events/s`,
            `raw SQLite append: ${ingest.raw_append_per_s.toLocaleString('en')} events/s`,
          ],
          [
            'ingest: batch latency p50 / p99',
            `${ingest.ingest_batch_p50_ms} / ${ingest.ingest_batch_p99_ms} ms`,
            `${ingest.ingest_events.toLocaleString('en')} events in ${ingest.ingest_seconds} s`,
          ],
          [
            'ingest: server resident memory',
            ingest.server_rss_bytes === undefined ? 'n/a' : `${Math.round(ingest.server_rss_bytes / 2 ** 20)} MiB`,
            '',
          ],
        );
      }
      if (wanted('identity')) {
        const identity = await runIdentityStage({ lines: Math.min(Number(options.lines), 100_000) });
        Object.assign(figures, identity);
        rows.push(
          [
            'identity: resolution stage, lines seen before',
            `${identity.identity_events_per_s.toLocaleString('en')} events/s`,
            `raw log read + checkpoint: ${identity.identity_raw_read_per_s.toLocaleString('en')} events/s`,
          ],
          [
            'pipeline: identity + profile state + aggregates',
            `${identity.pipeline_events_per_s.toLocaleString('en')} events/s`,
            `same lines, profiles known; raw log read + checkpoint: ${identity.identity_raw_read_per_s.toLocaleString('en')} events/s`,
          ],
          [
            'identity: resolution stage, lines never seen before',
            `${identity.identity_first_sight_events_per_s.toLocaleString('en')} events/s`,
            `${identity.identity_events.toLocaleString('en')} events`,
          ],
        );
      }
      if (wanted('memory')) {
        const memory = await runMemoryStage({ profiles: Number(options.profiles), cli: [...process.execArgv, process.argv[1] as string] });
        Object.assign(figures, memory);
        const kib = (bytes: number): string => `${(bytes / 1024).toLocaleString('en', { maximumFractionDigits: 2 })} KiB`;
        rows.push(
          [
            `memory: server RSS per profile at ${memory.memory_profiles.toLocaleString('en')} profiles`,
            kib(memory.rss_bytes_per_profile),
            `${Math.round(memory.rss_bytes / 2 ** 20)} MiB in all; ${Math.round(memory.rss_idle_bytes / 2 ** 20)} MiB idle; ${kib(memory.rss_growth_bytes_per_profile)} added per profile`,
          ],
          [
            'memory: server RSS per profile at 1 M profiles',
            kib(memory.rss_bytes_per_profile_1m),
            memory.rss_1m_extrapolated ? 'extrapolated: idle + growth per profile × 1 M (limit 1 KiB)' : 'measured (limit 1 KiB)',
          ],
        );
      }
      const info = machine();
      const width = Math.max(...rows.map((r) => r[0].length));
      process.stdout.write(`\nTessera bench — ${info.cores} cores, ${info.memoryGiB} GiB, Node ${info.node}, ${info.cpu}\n\n`);
      for (const [what, value, beside] of rows) process.stdout.write(`  ${what.padEnd(width)}  ${value.padStart(22)}   ${beside}\n`);
      process.stdout.write(`\n${JSON.stringify({ ...figures, machine: info })}\n`);
    });
};
