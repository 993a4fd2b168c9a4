import { Agent, request } from 'node:http';
import hdr from 'hdr-histogram-js';

export interface HttpLoadResult {
  readonly requests: number;
  readonly events: number;
  readonly accepted: number;
  readonly seconds: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
}

/**
 * Posts batches to `url` with `concurrency` requests in flight over keep-alive
 * connections until the bodies run out or `seconds` pass; records each request's latency in an
 * HdrHistogram (microseconds). Any non-2xx answer stops the run: a benchmark of errors is no benchmark.
 */
export const postBatches = async (options: {
  url: string;
  apiKey: string;
  /** The i-th request body, or undefined when there are no more. */
  body: (index: number) => string | undefined;
  eventsPerBody: number;
  concurrency: number;
  seconds: number;
}): Promise<HttpLoadResult> => {
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(options.seconds * 1e9);
  let next = 0;
  let accepted = 0;
  let requests = 0;

  const post = (body: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${options.apiKey}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const worker = async (): Promise<void> => {
    while (process.hrtime.bigint() < deadline) {
      const body = options.body(next++);
      if (body === undefined) return;
      const t0 = process.hrtime.bigint();
      const { status, text } = await post(body);
      histogram.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
      if (status !== 200) throw new Error(`ingest answered ${status}: ${text.slice(0, 500)}`);
      // The counts sit at the head of the answer; no need to parse 500 results per request.
      accepted += Number(/"accepted":(\d+)/.exec(text)?.[1] ?? 0);
      requests++;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const ms = (p: number): number => histogram.getValueAtPercentile(p) / 1000;
  return {
    requests,
    events: requests * options.eventsPerBody,
    accepted,
    seconds,
    latencyMs: { p50: ms(50), p90: ms(90), p99: ms(99), max: histogram.maxValue / 1000 },
  };
};
