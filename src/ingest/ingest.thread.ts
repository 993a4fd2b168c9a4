import { isMainThread, workerData } from 'node:worker_threads';
import { ContractRegistry } from '../contracts/index.js';
import { systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { createUlidGenerator } from '../core/ids.js';
import { BlockedIdentifiers, IdentifierNormaliser } from '../identity/index.js';
import { appendSignal, createSqlEventLog, type IngestChannel } from '../bus/index.js';
import { openConfiguredStorage, READER_CACHE_MIB, storeKeyOf } from '../storage/index.js';
import {
  INGEST_NICENESS,
  lowerThreadPriority,
  ThreadClient,
  serveThread,
  WORKER_YOUNG_GENERATION_MB,
  type ThreadHeap,
} from '../server/threads.js';
import { IngestService, type BatchResult, type IngestMetrics, type IngestOptions, type NativeAnswer } from './ingest.service.js';
import type { NativeBatchLimits } from './native-batch.js';

/** What the HTTP routes need from ingestion, whether it runs in their thread or in the ingest thread. */
export type Ingestor = Pick<IngestService, 'ingest' | 'ingestNative' | 'quarantineMalformed'>;

interface Recorded<T> {
  readonly value: T;
  readonly counts: readonly Parameters<IngestMetrics['count']>[];
  readonly batches: readonly Parameters<IngestMetrics['batch']>[];
}

/**
 * Ingestion in a thread of its own (decision 0009): the HTTP thread hands a parsed batch over and
 * awaits the answer, so a batch's checks and its write transaction never hold up a profile read.
 * The ingest thread keeps its own copy of the contract registry and the blocked values; the HTTP
 * thread asks it to reload them whenever it changes either.
 */
export class IngestThread implements Ingestor {
  readonly #client: ThreadClient;
  readonly #metrics: IngestMetrics;

  private constructor(client: ThreadClient, metrics: IngestMetrics) {
    this.#client = client;
    this.#metrics = metrics;
  }

  static async start(config: Config, metrics: IngestMetrics, onFailure: (err: Error) => void): Promise<IngestThread> {
    const client = await ThreadClient.start(new URL(import.meta.url), { config }, onFailure, {
      youngGenerationMb: WORKER_YOUNG_GENERATION_MB,
    });
    return new IngestThread(client, metrics);
  }

  async ingest(events: readonly unknown[], options: IngestOptions): Promise<BatchResult> {
    return this.#replay(await this.#client.call<Recorded<BatchResult>>('ingest', events, options));
  }

  /** The raw body goes to the thread as text (a flat copy), so the HTTP thread never parses a batch. */
  async ingestNative(text: string, limits: NativeBatchLimits): Promise<NativeAnswer> {
    return this.#replay(await this.#client.call<Recorded<NativeAnswer>>('ingestNative', text, limits));
  }

  async quarantineMalformed(raw: string, channel: IngestChannel, sourceId: string | undefined, message: string): Promise<string> {
    return this.#replay(await this.#client.call<Recorded<string>>('quarantineMalformed', raw, channel, sourceId, message));
  }

  /** Makes the ingest thread read contracts and blocked values again; resolves once it has. */
  reload(): Promise<void> {
    return this.#client.call('reload');
  }

  heap(): Promise<ThreadHeap> {
    return this.#client.heap();
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  /** The metrics live in the HTTP thread (they are served by /metrics): apply what the call recorded. */
  #replay<T>(recorded: Recorded<T>): T {
    for (const args of recorded.counts) this.#metrics.count(...args);
    for (const args of recorded.batches) this.#metrics.batch(...args);
    return recorded.value;
  }
}

const serveIngest = async (config: Config): Promise<void> => {
  // A batch may wait a millisecond for the HTTP thread's answers to profile reads (threads.ts).
  lowerThreadPriority(INGEST_NICENESS);
  const storage = openConfiguredStorage(config, { cacheMiB: READER_CACHE_MIB });
  const { db } = storage;
  const clock = systemClock;
  const registry = new ContractRegistry({ db, clock });
  const normaliser = new IdentifierNormaliser(config.defaultRegion);
  const blocked = new BlockedIdentifiers({ db, clock, normaliser });
  await registry.load();
  await blocked.load();
  const appended = appendSignal(storeKeyOf(config));
  let counts: Parameters<IngestMetrics['count']>[] = [];
  let batches: Parameters<IngestMetrics['batch']>[] = [];
  const ingest = new IngestService({
    db,
    eventLog: createSqlEventLog(storage.backend, clock),
    registry,
    blocked,
    normaliser,
    clock,
    ids: createUlidGenerator(),
    metrics: { count: (...args) => counts.push(args), batch: (...args) => batches.push(args) },
    partitions: config.partitions,
    onAppended: appended.notify,
  });
  // Metrics are sums: each answer carries whatever was recorded since the previous one.
  const recorded = async <T>(work: Promise<T>): Promise<Recorded<T>> => {
    const value = await work;
    const out = { value, counts, batches };
    counts = [];
    batches = [];
    return out;
  };
  serveThread({
    ingest: (events: readonly unknown[], options: IngestOptions) => recorded(ingest.ingest(events, options)),
    ingestNative: (text: string, limits: NativeBatchLimits) => recorded(ingest.ingestNative(text, limits)),
    quarantineMalformed: (raw: string, channel: IngestChannel, sourceId: string | undefined, message: string) =>
      recorded(ingest.quarantineMalformed(raw, channel, sourceId, message)),
    reload: async () => {
      await registry.load();
      await blocked.load();
    },
    close: () => {
      appended.close();
      return storage.close();
    },
  });
};

// Not awaited: the module must finish evaluating, as the composition root it loads imports it back.
// A failure is an unhandled rejection, which ends the thread with an error the HTTP thread sees.
if (!isMainThread && (workerData as { config?: Config } | null)?.config) void serveIngest((workerData as { config: Config }).config);
