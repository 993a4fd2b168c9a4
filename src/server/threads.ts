import { setPriority } from 'node:os';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads';
import { AppError, type ErrorCode, type ErrorDetail } from '../core/errors.js';

/**
 * Calls between the HTTP thread and a worker thread: a request carries an id, the worker answers
 * with the same id. Typed errors cross the boundary as themselves (code, message, details), so
 * the HTTP thread answers a request exactly as it would have without the thread.
 */
type Request = { readonly id: number; readonly op: string; readonly args: readonly unknown[] };
type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerialisedError };
type SerialisedError = { readonly code?: ErrorCode; readonly message: string; readonly details?: unknown; readonly stack?: string };

export type Handlers = Record<string, (...args: never[]) => Promise<unknown>>;

/**
 * The V8 young generation of the ingest and background threads: 96 MiB (32 MiB semi-spaces)
 * instead of V8's 48. Parsing, checking and resolving events allocate many short-lived objects per
 * event, and the default size costs about a sixth of the throughput (BENCHMARKS.md). It was 192
 * MiB; but a young generation, once filled, stays resident, and the threads' live heaps are about
 * 20 and 200–300 MiB: at 96 MiB the process holds about 100 MiB less, and the pipeline bench (in
 * one process, with 32 MiB semi-spaces) ran as fast within the noise; the ingest stage, run once
 * after, took 43.3 k events/s (BENCHMARKS.md, 2026-12-07). The HTTP thread keeps the default: it allocates
 * little, and smaller young collections pause it less.
 */
export const WORKER_YOUNG_GENERATION_MB = 96;

/**
 * Bounds how far every V8 heap of the process (each thread has its own) grows past what its last
 * full collection kept before it collects again: `percent` of it (TESSERA_HEAP_GROWTH_PERCENT).
 * Left to itself, V8 lets a heap on a machine with a few GiB grow up to four times its live size;
 * measured at 200,000 profiles (BENCHMARKS.md), the background thread's heap held 784 MiB of
 * which about 300 were live. V8 reads the flag at each full collection, so setting it at start,
 * before the worker threads exist, applies to every thread. 0 leaves V8's own growth.
 */
export const limitHeapGrowth = (percent: number): void => {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
};

/**
 * Scheduling priorities of the threads that may wait (Linux niceness; the HTTP thread keeps 0).
 * An answer to a profile read should not wait behind an ingest batch or a pipeline batch when the
 * cores are busy: the ingest thread yields to the HTTP thread, the background work to both.
 */
export const INGEST_NICENESS = 5;
export const BACKGROUND_NICENESS = 10;

/**
 * Lowers the calling thread's scheduling priority. On Linux, setpriority(0) applies to the
 * calling thread alone; elsewhere it would apply to the whole process, so it is done only on Linux.
 */
export const lowerThreadPriority = (niceness: number): void => {
  if (process.platform !== 'linux') return;
  try {
    setPriority(niceness);
  } catch {
    // Not permitted here (a container without the capability to renice): the thread keeps its priority.
  }
};

/** The HTTP thread's side of one worker thread. */
export class ThreadClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  #next = 0;
  #failure: Error | undefined;

  constructor(worker: Worker, onFailure: (err: Error) => void) {
    this.#worker = worker;
    worker.on('message', (reply: Reply) => {
      const call = this.#pending.get(reply.id);
      if (!call) return;
      this.#pending.delete(reply.id);
      if (reply.ok) call.resolve(reply.value);
      else call.reject(revive(reply.error));
    });
    const fail = (err: Error): void => {
      this.#failure = err;
      for (const call of this.#pending.values()) call.reject(new AppError('INTERNAL', `a worker thread stopped: ${err.message}`));
      this.#pending.clear();
      onFailure(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.#failure === undefined && code !== 0) fail(new Error(`exited with code ${code}`));
    });
  }

  /**
   * Starts a worker thread from a module beside the caller and waits until it says it is ready.
   * `youngGenerationMb` sizes its V8 young generation (see WORKER_YOUNG_GENERATION_MB).
   */
  static async start(
    entry: URL,
    workerData: unknown,
    onFailure: (err: Error) => void,
    options: { readonly youngGenerationMb?: number } = {},
  ): Promise<ThreadClient> {
    const settings: WorkerOptions = {
      workerData,
      ...(options.youngGenerationMb === undefined ? {} : { resourceLimits: { maxYoungGenerationSizeMb: options.youngGenerationMb } }),
    };
    const worker = entry.pathname.endsWith('.ts') ? sourceWorker(entry, settings) : new Worker(entry, settings);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown): void => {
        if (message === 'ready') {
          worker.off('error', reject);
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the worker thread exited with code ${code} while starting`)));
    });
    return new ThreadClient(worker, onFailure);
  }

  call<T>(op: string, ...args: readonly unknown[]): Promise<T> {
    if (this.#failure) return Promise.reject(new AppError('INTERNAL', `a worker thread stopped: ${this.#failure.message}`));
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ id, op, args } satisfies Request);
    });
  }

  /** The thread's V8 heap: every served thread answers it (see serveThread). */
  heap(): Promise<ThreadHeap> {
    return this.call<ThreadHeap>(HEAP_OP);
  }

  /** Asks the worker to finish (its `close` handler runs) and waits for the thread to end. */
  async close(): Promise<void> {
    if (this.#failure) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    await this.call('close').catch(() => undefined);
    await exited;
  }
}

/**
 * Run from source (`tsx`, the tests): a worker thread does not inherit tsx's loader, so the thread
 * registers it first and then imports its entry.
 */
const sourceWorker = (entry: URL, settings: WorkerOptions): Worker => {
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...settings, eval: true });
};

/** One thread's V8 heap, in bytes: what it uses, what it has reserved, and memory outside it (buffers, typed arrays). */
export interface ThreadHeap {
  readonly used: number;
  readonly total: number;
  readonly external: number;
}

const HEAP_OP = 'heap';

/** The calling thread's heap (each thread has its own V8 isolate, so each reports its own). */
export const threadHeap = (): ThreadHeap => {
  const heap = getHeapStatistics();
  return { used: heap.used_heap_size, total: heap.total_heap_size, external: heap.external_memory };
};

/**
 * The worker thread's side: serves calls with `handlers`; `close` ends the thread after the handler.
 * Every thread also answers `heap` with its own heap figures.
 */
export const serveThread = (handlers: Handlers & { close: () => Promise<unknown> }): void => {
  const port = parentPort;
  if (!port) throw new Error('serveThread runs in a worker thread only');
  const heap = async (): Promise<ThreadHeap> => threadHeap();
  port.on('message', (request: Request) => {
    const handler = request.op === HEAP_OP ? heap : handlers[request.op];
    const run = handler
      ? (handler as (...args: readonly unknown[]) => Promise<unknown>)(...request.args)
      : Promise.reject(new Error(`unknown call ${request.op}`));
    run.then(
      (value) => {
        port.postMessage({ id: request.id, ok: true, value } satisfies Reply);
        if (request.op === 'close') port.close();
      },
      (err: unknown) => port.postMessage({ id: request.id, ok: false, error: serialise(err) } satisfies Reply),
    );
  });
  port.postMessage('ready');
};

const serialise = (err: unknown): SerialisedError => {
  if (err instanceof AppError) return { code: err.code, message: err.message, details: err.details };
  const error = err instanceof Error ? err : new Error(String(err));
  return { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
};

const revive = (error: SerialisedError): Error => {
  if (error.code) return new AppError(error.code, error.message, (error.details ?? []) as readonly ErrorDetail[]);
  const revived = new Error(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
};
