import type { ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/clock.js';
import type { ConsentService } from '../consent/index.js';
import type { PolicyService } from '../policy/index.js';
import type { Db } from '../storage/index.js';
import { toCloudEvent, cloudEventType } from '../outbox/index.js';
import { filterMessagesFor, type StreamReader } from './outbox-access.js';
import { formatCursor, type OutboxCursor } from './outbox-cursor.js';
import { OutboxTail } from './outbox-tail.js';

/*
 * One server-sent-events connection (WHATWG HTML "Server-sent events"): each outbox message the
 * reader may receive as an event whose `id:` is its outbox cursor and whose `data:` is the
 * CloudEvent; a comment line as keep-alive. The connection reads the outbox itself, a page at a
 * time, and only when the socket has taken the previous page: a slow client holds at most one
 * page in memory and costs the server nothing but its own reads. A client that takes nothing for
 * `writeTimeoutMs` is disconnected; it resumes with Last-Event-ID.
 */

export interface SseOptions {
  readonly pollMs: number;
  readonly keepAliveMs: number;
  readonly writeTimeoutMs: number;
  readonly pageSize: number;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = { pollMs: 250, keepAliveMs: 15_000, writeTimeoutMs: 30_000, pageSize: 200 };

export interface SseDeps {
  readonly db: Db;
  readonly consent: ConsentService;
  readonly policy: PolicyService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly options: SseOptions;
}

export interface SseRequest {
  readonly types: readonly string[];
  /** Start after this cursor (the Last-Event-ID, or the outbox's end when tailing). */
  readonly after: OutboxCursor;
  /** Null for a reader that sees everything (no consumer bound to the key). */
  readonly reader: StreamReader | null;
}

/** One event block; `data` is one line (JSON has no raw newlines). */
export const sseEvent = (id: string, event: string, data: string): string => `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;

export const runSseConnection = async (raw: ServerResponse, deps: SseDeps, request: SseRequest): Promise<void> => {
  const { options } = deps;
  let closed = false;
  let wake: (() => void) | undefined;
  raw.on('close', () => {
    closed = true;
    wake?.();
  });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });
  /** Writes a frame; waits for the socket to drain when its buffer is full. False: the client is gone or too slow. */
  const write = async (frame: string): Promise<boolean> => {
    if (closed) return false;
    if (raw.write(frame)) return true;
    const drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), options.writeTimeoutMs);
      raw.once('drain', () => {
        clearTimeout(timer);
        resolve(true);
      });
      raw.once('close', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    return drained && !closed;
  };

  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Reconnect after 3 s; the comment makes the headers go out at once.
  if (!(await write('retry: 3000\n: connected\n\n'))) return;

  const tail = new OutboxTail(deps.db, { types: request.types, after: request.after, floor: request.after, pageSize: options.pageSize });
  let lastWrite = Date.now();
  try {
    while (!closed) {
      const messages = await tail.next();
      if (messages.length > 0) {
        const allowed = request.reader ? await deliverable(deps, request.reader, messages) : messages;
        for (const message of allowed) {
          const frame = sseEvent(formatCursor(message), cloudEventType(message.type), JSON.stringify(toCloudEvent(message)));
          if (!(await write(frame))) return void raw.destroy();
        }
        // Messages withheld at the end of the page still move the client's resume point: an `id:`
        // alone sets the last event id without dispatching an event (HTML, "dispatch the event").
        const last = messages.at(-1);
        if (last && allowed.at(-1) !== last && !(await write(`id: ${formatCursor(last)}\n\n`))) return void raw.destroy();
        lastWrite = Date.now();
        if (messages.length >= options.pageSize) continue;
      }
      if (Date.now() - lastWrite >= options.keepAliveMs) {
        if (!(await write(': keep-alive\n\n'))) return void raw.destroy();
        lastWrite = Date.now();
      }
      await sleep(options.pollMs);
    }
  } catch (err) {
    deps.log.error({ err }, 'SSE stream failed; closing the connection');
    raw.destroy();
  } finally {
    if (!raw.destroyed && !raw.writableEnded) raw.end();
  }
};

/** The reader's share of a page; their disclosures are logged before anything is sent. */
const deliverable = async (deps: SseDeps, reader: StreamReader, messages: Parameters<typeof filterMessagesFor>[3]) => {
  const at = deps.clock.now();
  const { allowed, disclosures } = await filterMessagesFor(deps.db, deps, reader, messages, at);
  if (disclosures.length > 0) await deps.policy.recordDisclosures(disclosures);
  return allowed;
};
