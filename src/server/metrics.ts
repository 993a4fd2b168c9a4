import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestMetrics } from '../ingest/index.js';
import { threadHeap, type ThreadHeap } from './threads.js';

/** One Prometheus registry per running app (not the global one, so tests can run several apps). */
export const createMetrics = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
  const events = new Counter({
    name: 'tessera_ingest_events_total',
    help: 'Events answered by ingestion, by source, outcome (accepted, duplicate, quarantined) and reason',
    labelNames: ['source', 'outcome', 'reason'] as const,
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: 'tessera_ingest_batch_seconds',
    help: 'Time to check, append and commit one ingest batch',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'tessera_ingest_batch_events',
    help: 'Events per ingest batch',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 5000],
    registers: [registry],
  });
  const http = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Each thread has its own V8 heap; the default metrics show only this (the HTTP) thread's.
  const heapSources = new Map<string, () => Promise<ThreadHeap>>([['http', async () => threadHeap()]]);
  new Gauge({
    name: 'tessera_thread_heap_bytes',
    help: 'V8 heap of each thread (http, ingest, background): used, total (reserved) and external (buffers, typed arrays)',
    labelNames: ['thread', 'kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [thread, read] of heapSources) {
        const heap = await read().catch(() => undefined);
        if (heap === undefined) continue;
        for (const kind of ['used', 'total', 'external'] as const) this.set({ thread, kind }, heap[kind]);
      }
    },
  });
  const ingest: IngestMetrics = {
    count: (source, outcome, reason, n) => events.inc({ source, outcome, reason }, n),
    batch: (seconds, size) => {
      batchSeconds.observe(seconds);
      batchSize.observe(size);
    },
  };
  /** Adds a thread whose heap `/metrics` reports. */
  const addThread = (name: string, heap: () => Promise<ThreadHeap>): void => {
    heapSources.set(name, heap);
  };
  return { registry, ingest, http, addThread };
};

export type Metrics = ReturnType<typeof createMetrics>;
