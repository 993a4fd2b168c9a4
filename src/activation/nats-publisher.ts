import { connect, headers, nanos, type JetStreamClient, type NatsConnection } from 'nats';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../storage/index.js';
import { natsSubjectOf, toCloudEvent } from '../outbox/index.js';
import { formatCursor } from './outbox-cursor.js';
import { outboxStore } from './outbox.store.js';
import { OutboxTail } from './outbox-tail.js';

/*
 * Publishes every outbox message to NATS JetStream (issue 8.5) when TESSERA_NATS_URL is set: to
 * subject `tessera.<type>` (`tessera.audience.entered`), the CloudEvent as payload (structured
 * mode, `content-type: application/cloudevents+json`), the outbox id as `Nats-Msg-Id`, so the
 * stream drops a message published twice within its duplicate window. The publisher's cursor is
 * stored in `activation_cursors` after each acknowledged page: a restart resumes from it, and the
 * few seconds before it that are read again (late commits, outbox-tail.ts) are deduplicated by the
 * stream. NATS is the operator's own bus, so it carries every message; per-consumer filtering by
 * consent happens at the consumer-facing exits (SSE, webhooks, exports).
 */

export const NATS_STREAM = 'TESSERA';
export const NATS_SUBJECTS = 'tessera.>';
export const NATS_CURSOR = 'nats';
/** The stream's duplicate window: longer than the late-commit grace read again on each restart. */
export const NATS_DUPLICATE_WINDOW_MS = 2 * 60_000;

export interface NatsPublisherDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: Logger;
  readonly url: string;
  readonly stream?: string;
  readonly cursorName?: string;
  readonly pollMs?: number;
  readonly pageSize?: number;
}

export class NatsPublisher {
  readonly #deps: NatsPublisherDeps;
  readonly #stream: string;
  readonly #cursorName: string;
  #connection: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #tail: OutboxTail | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #published = 0;

  constructor(deps: NatsPublisherDeps) {
    this.#deps = deps;
    this.#stream = deps.stream ?? NATS_STREAM;
    this.#cursorName = deps.cursorName ?? NATS_CURSOR;
  }

  /** Messages acknowledged by the stream since start (duplicates included). */
  get published(): number {
    return this.#published;
  }

  /** Connects, and creates the stream when it does not exist. */
  async connect(): Promise<void> {
    if (this.#connection && !this.#connection.isClosed()) return;
    const connection = await connect({ servers: this.#deps.url.split(','), name: 'tessera-outbox', maxReconnectAttempts: -1 });
    const jsm = await connection.jetstreamManager();
    try {
      await jsm.streams.info(this.#stream);
    } catch {
      // No such stream (or it went away): create it. Another process creating it meanwhile is fine.
      try {
        await jsm.streams.add({ name: this.#stream, subjects: [NATS_SUBJECTS], duplicate_window: nanos(NATS_DUPLICATE_WINDOW_MS) });
      } catch (err) {
        await jsm.streams.info(this.#stream).catch(() => {
          throw err;
        });
      }
    }
    this.#connection = connection;
    this.#js = connection.jetstream();
  }

  /** Publishes everything after the cursor; answers how many messages it published. */
  async drain(): Promise<number> {
    await this.connect();
    const js = this.#js as JetStreamClient;
    if (!this.#tail) {
      const after = await outboxStore.cursor(this.#deps.db, this.#cursorName);
      this.#tail = new OutboxTail(this.#deps.db, { ...(after ? { after } : {}), pageSize: this.#deps.pageSize ?? 500 });
    }
    const tail = this.#tail;
    let total = 0;
    for (;;) {
      const messages = await tail.next();
      if (messages.length === 0) return total;
      // Published in order on one connection; the acknowledgements are awaited together.
      await Promise.all(
        messages.map((message) => {
          const h = headers();
          h.set('content-type', 'application/cloudevents+json');
          h.set('ce-cursor', formatCursor(message));
          return js.publish(natsSubjectOf(message.type), JSON.stringify(toCloudEvent(message)), { msgID: message.id, headers: h });
        }),
      );
      this.#published += messages.length;
      total += messages.length;
      await outboxStore.saveCursor(this.#deps.db, this.#cursorName, tail.cursor, this.#deps.clock.now().toISOString());
    }
  }

  /** Publishes in the background until `stop`; a failure is logged and retried from the stored cursor. */
  start(): void {
    if (this.#loop) return;
    this.#stopped = false;
    const pollMs = this.#deps.pollMs ?? 100;
    this.#loop = (async () => {
      let backoffMs = pollMs;
      while (!this.#stopped) {
        try {
          const n = await this.drain();
          backoffMs = pollMs;
          if (n === 0) await this.#sleep(pollMs);
        } catch (err) {
          this.#deps.log.warn({ err }, 'NATS publishing failed; retrying from the stored cursor');
          this.#tail = undefined;
          await this.#sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, 30_000);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#js = undefined;
    this.#tail = undefined;
    if (connection && !connection.isClosed()) await connection.drain();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
