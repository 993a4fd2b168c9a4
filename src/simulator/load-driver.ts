import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import * as hdr from 'hdr-histogram-js';

/**
 * Replays event batches against `POST /v1/events` at full speed or a set rate, over keep-alive
 * connections, and measures what the server accepted and how long each request took (HdrHistogram,
 * microsecond resolution). Used by `tessera simulate --url`, `tessera demo` and `npm run bench`.
 */

export interface LoadProgress {
  readonly events: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly quarantined: number;
  readonly requests: number;
  readonly elapsedMs: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly batches: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
  /** Events per second to aim for; unset means as fast as the server answers. */
  readonly ratePerSecond?: number;
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Injected for tests; defaults to performance.now(). */
  readonly now?: () => number;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface LoadSummary extends LoadProgress {
  readonly failedRequests: number;
  readonly eventsPerSecond: number;
  readonly acceptedPerSecond: number;
  /** Per-request latency, milliseconds. */
  readonly latencyMs: LatencySummary;
  readonly errors: readonly string[];
}

export class LoadError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'LoadError';
    this.status = status;
  }
}

interface BatchAnswer {
  readonly accepted: number;
  readonly duplicate: number;
  readonly quarantined: number;
}

const MAX_ATTEMPTS = 4;

export const runLoad = async (options: LoadOptions): Promise<LoadSummary> => {
  const now = options.now ?? (() => performance.now());
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const target = new URL('/v1/events', options.url);
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: concurrency }) : new Agent({ keepAlive: true, maxSockets: concurrency });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  const iterator = (Symbol.asyncIterator in options.batches
    ? (options.batches as AsyncIterable<readonly unknown[]>)[Symbol.asyncIterator]()
    : (options.batches as Iterable<readonly unknown[]>)[Symbol.iterator]()) as AsyncIterator<readonly unknown[]> | Iterator<readonly unknown[]>;
  const started = now();
  const totals = { events: 0, accepted: 0, duplicate: 0, quarantined: 0, requests: 0, failedRequests: 0 };
  const errors: string[] = [];
  let scheduled = 0;
  // The source iterator is pulled by one worker at a time.
  let pulling: Promise<unknown> = Promise.resolve();
  const pull = (): Promise<IteratorResult<readonly unknown[]>> => {
    const next = pulling.then(() => iterator.next());
    pulling = next.catch(() => undefined);
    return next;
  };
  const post = (body: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : request)(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${options.apiKey}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const send = async (batch: readonly unknown[]): Promise<BatchAnswer | undefined> => {
    const body = JSON.stringify({ events: batch });
    for (let attempt = 1; ; attempt++) {
      const t0 = now();
      try {
        const { status, text } = await post(body);
        histogram.recordValue(Math.max(1, Math.round((now() - t0) * 1000)));
        totals.requests++;
        if (status === 200) return JSON.parse(text) as BatchAnswer;
        if (status === 401 || status === 403) throw new LoadError(status, `the server refused the API key (${status}): ${text.slice(0, 200)}`);
        if ((status === 429 || status >= 500) && attempt < MAX_ATTEMPTS) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        totals.failedRequests++;
        if (errors.length < 10) errors.push(`HTTP ${status}: ${text.slice(0, 300)}`);
        return undefined;
      } catch (err) {
        if (err instanceof LoadError) throw err;
        if (attempt < MAX_ATTEMPTS) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        totals.failedRequests++;
        if (errors.length < 10) errors.push((err as Error).message);
        return undefined;
      }
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const next = await pull();
      if (next.done) return;
      const batch = next.value;
      if (batch.length === 0) continue;
      if (options.ratePerSecond !== undefined && options.ratePerSecond > 0) {
        const due = started + (scheduled / options.ratePerSecond) * 1000;
        scheduled += batch.length;
        const wait = due - now();
        if (wait > 1) await sleep(wait);
      }
      const answer = await send(batch);
      totals.events += batch.length;
      if (answer) {
        totals.accepted += answer.accepted;
        totals.duplicate += answer.duplicate;
        totals.quarantined += answer.quarantined;
      }
      options.onProgress?.({ ...progressOf(totals), elapsedMs: now() - started });
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  } finally {
    agent.destroy();
  }
  const elapsedMs = now() - started;
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    ...progressOf(totals),
    elapsedMs: Math.round(elapsedMs),
    failedRequests: totals.failedRequests,
    eventsPerSecond: Math.round(totals.events / seconds),
    acceptedPerSecond: Math.round(totals.accepted / seconds),
    latencyMs: {
      p50: ms(histogram.getValueAtPercentile(50)),
      p90: ms(histogram.getValueAtPercentile(90)),
      p99: ms(histogram.getValueAtPercentile(99)),
      max: ms(histogram.maxValue),
      mean: ms(histogram.mean),
    },
    errors,
  };
};

const progressOf = (t: { events: number; accepted: number; duplicate: number; quarantined: number; requests: number }): Omit<LoadProgress, 'elapsedMs'> => ({
  events: t.events,
  accepted: t.accepted,
  duplicate: t.duplicate,
  quarantined: t.quarantined,
  requests: t.requests,
});

/** A readable table of a load summary, for the CLI. */
export const formatLoadSummary = (s: LoadSummary): string =>
  [
    `  events sent        ${s.events}`,
    `  accepted           ${s.accepted}`,
    `  duplicate          ${s.duplicate}`,
    `  quarantined        ${s.quarantined}`,
    `  requests (failed)  ${s.requests} (${s.failedRequests})`,
    `  elapsed            ${(s.elapsedMs / 1000).toFixed(1)} s`,
    `  events/s           ${s.eventsPerSecond} (accepted ${s.acceptedPerSecond}/s)`,
    `  latency ms         p50 ${s.latencyMs.p50}  p90 ${s.latencyMs.p90}  p99 ${s.latencyMs.p99}  max ${s.latencyMs.max}`,
  ].join('\n');
