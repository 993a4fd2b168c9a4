import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomToken } from '../core/hash.js';
import { runLoad } from '../simulator/index.js';
import { benchBatches } from './bench-events.js';
import { startIngestLoad } from './ingest-load.thread.js';
import { rssOf } from './machine.js';
import { quantile, round } from './samples.js';
import { spawnTessera, stopTessera, type ServerStageOptions } from './spawn-tessera.js';

export interface LookupFigures {
  readonly lookup_p50_ms: number;
  readonly lookup_p99_ms: number;
  readonly lookup_requests_per_s: number;
  readonly lookup_ingest_events_per_s: number;
  readonly lookup_unanswered: number;
  /** The same lookups with nothing else running: the floor this machine's HTTP stack allows. */
  readonly lookup_idle_p99_ms: number;
  /** Profiles the server held, one per line, created before the lookups. */
  readonly lookup_profiles: number;
  readonly lookup_server_rss_bytes: number | undefined;
  /** The same lookups while ingestion is paced at `ingestRate` (the figures above: ingestion as fast as the server takes it). */
  readonly lookup_paced_p50_ms: number;
  readonly lookup_paced_p99_ms: number;
  readonly lookup_paced_ingest_rate: number;
  readonly lookup_paced_ingest_events_per_s: number;
}

export interface LookupOptions extends ServerStageOptions {
  readonly lines: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** Events a second ingested beside the paced run. */
  readonly ingestRate: number;
}

/**
 * Profile lookups by MSISDN over HTTP at a fixed rate (open loop: a request is sent on schedule
 * whether or not earlier ones have been answered, and its latency counts from its scheduled time),
 * first with the server idle, then while events are ingested and resolved by the pipeline.
 */
export const runLookupStage = async (options: LookupOptions): Promise<LookupFigures> => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-lookup-'));
  const apiKey = `bench-${randomToken(24)}`;
  const server = await spawnTessera(options.cli, { TESSERA_DATA_DIR: join(dir, 'server'), TESSERA_ADMIN_KEY: apiKey });
  try {
    const ingestUrl = `${server.url}/v1/events`;
    const population = benchBatches(0, options.lines, options.lines, 'seed');
    await runLoad({ url: ingestUrl, apiKey, concurrency: 2, batches: population });
    await caughtUp(server.url, apiKey, options.lines);

    const lookup = lookupClient(server.url, apiKey, options.lines);
    await lookup.run(2, options.requestsPerSecond); // warm-up
    const idle = await lookup.run(Math.min(10, options.seconds), options.requestsPerSecond);

    // While ingesting: a load driver in its own thread sends new events of the same lines as fast as they are answered.
    const paced = await startIngestLoad({
      url: server.url,
      apiKey,
      lines: options.lines,
      from: options.lines,
      prefix: 'paced',
      ratePerSecond: options.ingestRate,
    });
    const beside = await lookup.run(options.seconds, options.requestsPerSecond);
    const pacedIngested = await paced.stop();

    const ingesting = await startIngestLoad({ url: server.url, apiKey, lines: options.lines, from: options.lines, prefix: 'live' });
    const busy = await lookup.run(options.seconds, options.requestsPerSecond);
    const ingested = await ingesting.stop();
    const rss = server.child.pid === undefined ? undefined : rssOf(server.child.pid);
    lookup.close();
    return {
      lookup_p50_ms: round(busy.p50),
      lookup_p99_ms: round(busy.p99),
      lookup_requests_per_s: Math.round(busy.answered / busy.seconds),
      lookup_ingest_events_per_s: Math.round(ingested.acceptedPerSecond),
      lookup_unanswered: busy.failed,
      lookup_idle_p99_ms: round(idle.p99),
      lookup_profiles: options.lines,
      lookup_server_rss_bytes: rss,
      lookup_paced_p50_ms: round(beside.p50),
      lookup_paced_p99_ms: round(beside.p99),
      lookup_paced_ingest_rate: options.ingestRate,
      lookup_paced_ingest_events_per_s: Math.round(pacedIngested.acceptedPerSecond),
    };
  } finally {
    await stopTessera(server);
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Waits until every line of the population answers a lookup (the pipeline has resolved them). */
const caughtUp = async (url: string, apiKey: string, lines: number): Promise<void> => {
  const last = `%2B7916${String(((lines - 1) * 7919) % lines).padStart(7, '0')}`;
  for (let tries = 0; tries < 600; tries++) {
    const response = await fetch(`${url}/v1/profiles/lookup?type=msisdn&value=${last}`, { headers: { authorization: `Bearer ${apiKey}` } });
    await response.arrayBuffer();
    if (response.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the pipeline did not resolve the population within 5 minutes');
};

interface RunFigures {
  readonly p50: number;
  readonly p99: number;
  readonly answered: number;
  readonly failed: number;
  readonly seconds: number;
}

const lookupClient = (url: string, apiKey: string, lines: number) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const { hostname, port } = new URL(url);
  let next = 0;
  const one = (): Promise<boolean> =>
    new Promise((resolve) => {
      const line = (next++ * 104_729) % lines;
      const req = request(
        {
          agent,
          hostname,
          port,
          path: `/v1/profiles/lookup?type=msisdn&value=%2B7916${String(line).padStart(7, '0')}`,
          headers: { authorization: `Bearer ${apiKey}` },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        },
      );
      req.on('error', () => resolve(false));
      req.end();
    });
  return {
    close: () => agent.destroy(),
    run: async (seconds: number, perSecond: number): Promise<RunFigures> => {
      const latencies: number[] = [];
      const pending: Promise<void>[] = [];
      let failed = 0;
      const start = performance.now();
      const total = Math.round(seconds * perSecond);
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        pending.push(
          one().then((ok) => {
            if (ok) latencies.push(performance.now() - due);
            else failed++;
          }),
        );
      }
      await Promise.all(pending);
      latencies.sort((a, b) => a - b);
      return {
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        answered: latencies.length,
        failed,
        seconds: (performance.now() - start) / 1000,
      };
    },
  };
};
