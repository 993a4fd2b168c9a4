import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { constants, createGzip, type Gzip } from 'node:zlib';
import { TruthFileWriter, type ScenarioSummary } from './ground-truth.js';
import type { SimEvent } from './sim-event.js';
import type { World } from './world.js';

/**
 * NDJSON files, one per source (`events/billing.ndjson[.gz]`, …), written as the world streams,
 * with backpressure so memory stays flat. gzip output is deterministic (Node writes mtime 0).
 */
export class NdjsonSourceWriter {
  readonly #dir: string;
  readonly #gzip: boolean;
  readonly #files = new Map<string, { file: WriteStream; head: WriteStream | Gzip }>();
  #bytes = 0;

  constructor(dir: string, gzip: boolean) {
    this.#dir = dir;
    this.#gzip = gzip;
  }

  async write(batch: readonly SimEvent[]): Promise<void> {
    const chunks = new Map<string, string[]>();
    for (const event of batch) {
      let lines = chunks.get(event.source);
      if (!lines) chunks.set(event.source, (lines = []));
      lines.push(JSON.stringify(event));
    }
    for (const [source, lines] of chunks) {
      const out = this.#open(source);
      const text = `${lines.join('\n')}\n`;
      this.#bytes += Buffer.byteLength(text);
      if (!out.head.write(text)) await once(out.head, 'drain');
    }
  }

  #open(source: string): { file: WriteStream; head: WriteStream | Gzip } {
    let out = this.#files.get(source);
    if (!out) {
      const file = createWriteStream(join(this.#dir, `${source}.ndjson${this.#gzip ? '.gz' : ''}`));
      if (this.#gzip) {
        const gz = createGzip({ level: constants.Z_BEST_SPEED });
        gz.pipe(file);
        out = { file, head: gz };
      } else {
        out = { file, head: file };
      }
      this.#files.set(source, out);
    }
    return out;
  }

  /** Uncompressed bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  async close(): Promise<string[]> {
    for (const { file, head } of this.#files.values()) {
      head.end();
      await finished(file);
    }
    return [...this.#files.keys()].sort();
  }
}

export interface FileRunOptions {
  readonly dir: string;
  readonly gzip?: boolean;
  /** Write the ground truth under `<dir>/truth` (default true). */
  readonly truth?: boolean;
  readonly onBatch?: (events: number) => void;
}

export interface FileRunResult {
  readonly events: number;
  readonly bytes: number;
  readonly sources: readonly string[];
  readonly summary: ScenarioSummary;
}

/** Writes a world to `<dir>/events/*.ndjson` and its ground truth to `<dir>/truth/`. */
export const writeWorldToFiles = async (world: World, options: FileRunOptions): Promise<FileRunResult> => {
  const eventsDir = join(options.dir, 'events');
  await mkdir(eventsDir, { recursive: true });
  const writer = new NdjsonSourceWriter(eventsDir, options.gzip ?? false);
  const truth = options.truth === false ? undefined : await TruthFileWriter.open(join(options.dir, 'truth'));
  let events = 0;
  for (const batch of world.batches(truth)) {
    await writer.write(batch);
    await truth?.flush();
    events += batch.length;
    options.onBatch?.(batch.length);
  }
  const sources = await writer.close();
  const summary = world.summary();
  await truth?.close(summary);
  return { events, bytes: writer.bytes, sources, summary };
};
