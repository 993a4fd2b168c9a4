import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { AttemptResult } from './retry-schedule.js';

/*
 * A lean HTTP/1.1 client for webhook POSTs: kept-alive connections per origin, several requests
 * pipelined on each (RFC 9112 §9.3.2), the requests of one tick written together. Measured on the
 * delivery bench, node:http's ClientRequest, its agent and a timer per request cost more than the
 * dispatcher's SQL (docs/decisions/0012-pipelined-webhook-client.md).
 *
 * RFC 9112 asks a client not to pipeline after a non-idempotent method unless it can recover from
 * a partial failure: a webhook can — every message carries its `webhook-id` and is delivered at
 * least once, receivers deduplicate. So:
 *
 * - a connection that fails (reset, closed, its head timed out) gives its head request the error;
 *   the requests pipelined behind it, whose answer never came, are sent once more on another
 *   connection with a fresh deadline (a second failure is theirs);
 * - requests written behind a response that said `connection: close` were not read by the server
 *   (RFC 9112 §9.6); they go on another connection, and that origin gets one request per connection;
 * - a new connection is opened, up to `maxConnections`, when every open one has `depth` requests
 *   waiting or the oldest answer it waits for is late (a slow receiver gets its parallelism back).
 *
 * Only what a delivery needs: the status and `Retry-After`; the answer's body is read and dropped.
 */

export interface PipelineRequest {
  /** Request line and headers, ending with the blank line. */
  readonly head: string;
  readonly body: string;
  readonly timeoutMs: number;
}

export interface PipelineOptions {
  readonly lookup: LookupFunction;
  /** Connections per origin at most. */
  readonly maxConnections: number;
  /** Requests waiting on one connection before another is opened (1: no pipelining). */
  readonly depth: number;
}

interface Exchange {
  readonly request: PipelineRequest;
  readonly resolve: (result: AttemptResult) => void;
  deadline: number;
  resent: boolean;
}

/** The oldest answer a connection waits for is this late: open another rather than queue behind it. */
const LATE_MS = 20;
/** A connection idle this long is closed (servers close theirs after 5 s by default: Node, many proxies). */
const IDLE_MS = 4_000;
const MAX_HEAD_BYTES = 64 * 1024;

const enum Phase {
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  Trailers,
  UntilClose,
}

class Connection {
  readonly #pool: Origin;
  readonly #socket: Socket;
  /** Requests written (or about to be), in order: the first is the one the next answer is for. */
  readonly waiting: Exchange[] = [];
  #out: string[] = [];
  #connected = false;
  closed = false;
  /** When the head request was written (for LATE_MS). */
  headSince = 0;
  #timer: NodeJS.Timeout | undefined;
  #rest: Buffer | undefined;
  #phase = Phase.Head;
  #remaining = 0;
  #status = 0;
  #retryAfter: string | undefined;
  #keepAlive = true;

  constructor(pool: Origin) {
    this.#pool = pool;
    const { host, port, tls, lookup } = pool;
    this.#socket = tls
      ? tlsConnect({ host, port, lookup, servername: isIP(host) === 0 ? host : undefined, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host, port, lookup });
    this.#socket.setNoDelay(true);
    this.#socket.once(tls ? 'secureConnect' : 'connect', () => (this.#connected = true));
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (err) => this.#lost(err.message));
    this.#socket.on('close', () =>
      this.#lost(this.#phase === Phase.UntilClose ? undefined : 'the connection was closed before the answer'),
    );
    this.#socket.setTimeout(IDLE_MS, () => {
      if (this.waiting.length === 0) this.#close();
    });
  }

  send(exchange: Exchange): void {
    if (this.waiting.length === 0) {
      this.headSince = performance.now();
      this.#socket.ref();
    }
    this.waiting.push(exchange);
    if (this.#out.length === 0) process.nextTick(() => this.#flush());
    this.#out.push(exchange.request.head, exchange.request.body);
    this.#armTimer();
  }

  #flush(): void {
    if (this.closed || this.#out.length === 0) return;
    const text = this.#out.join('');
    this.#out = [];
    this.#socket.write(text);
  }

  #armTimer(): void {
    if (this.#timer !== undefined) return;
    const head = this.waiting[0];
    if (head === undefined) return;
    // Unreferenced: a connection with requests waiting keeps the process alive by its socket.
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(1, head.deadline - performance.now())).unref();
  }

  #onTimer(): void {
    this.#timer = undefined;
    const head = this.waiting[0];
    if (head === undefined || this.closed) return;
    // The head failed; what is pipelined behind it goes again on another connection.
    if (performance.now() >= head.deadline) return this.#lost(`timed out after ${head.request.timeoutMs} ms`);
    this.#armTimer();
  }

  #onData(chunk: Buffer): void {
    let data = chunk;
    if (this.#rest !== undefined) {
      data = Buffer.concat([this.#rest, chunk]);
      this.#rest = undefined;
    }
    let at = 0;
    while (at < data.length && !this.closed) {
      switch (this.#phase) {
        case Phase.Head: {
          const end = data.indexOf('\r\n\r\n', at, 'latin1');
          if (end < 0) {
            if (data.length - at > MAX_HEAD_BYTES) return this.#lost('the answer has an oversized head');
            this.#rest = data.subarray(at);
            return;
          }
          const head = data.toString('latin1', at, end);
          at = end + 4;
          if (!this.#onHead(head)) return;
          break;
        }
        case Phase.Fixed:
        case Phase.ChunkData: {
          const n = Math.min(this.#remaining, data.length - at);
          at += n;
          this.#remaining -= n;
          if (this.#remaining > 0) break;
          if (this.#phase === Phase.Fixed) this.#complete();
          else this.#phase = Phase.ChunkSize;
          break;
        }
        case Phase.ChunkSize:
        case Phase.Trailers: {
          const eol = data.indexOf('\r\n', at, 'latin1');
          if (eol < 0) {
            if (data.length - at > MAX_HEAD_BYTES) return this.#lost('the answer has an oversized chunk line');
            this.#rest = data.subarray(at);
            return;
          }
          const line = data.toString('latin1', at, eol);
          at = eol + 2;
          if (this.#phase === Phase.Trailers) {
            if (line === '') this.#complete();
            break;
          }
          const size = Number.parseInt(line.split(';', 1)[0] ?? '', 16);
          if (Number.isNaN(size) || size < 0) return this.#lost('the answer has an invalid chunk size');
          if (size === 0) this.#phase = Phase.Trailers;
          else {
            this.#phase = Phase.ChunkData;
            this.#remaining = size + 2;
          }
          break;
        }
        case Phase.UntilClose:
          at = data.length;
          break;
      }
    }
  }

  /** Reads a response head; false when the connection was given up. */
  #onHead(head: string): boolean {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (statusLine === null || this.waiting.length === 0) {
      this.#lost(statusLine === null ? 'the answer is not HTTP/1.x' : 'an answer came for no request');
      return false;
    }
    const status = Number(statusLine[2]);
    // Informational answers (100 Continue, 103 Early Hints) precede the real one.
    if (status >= 100 && status < 200 && status !== 101) return true;
    let length: number | undefined;
    let chunked = false;
    let connection = '';
    this.#retryAfter = undefined;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().split(',').at(-1)?.trim() === 'chunked';
      else if (name === 'connection') connection = value.toLowerCase();
      else if (name === 'retry-after') this.#retryAfter = value;
    }
    this.#status = status;
    this.#keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    if (status === 101) {
      this.#lost('the server switched protocols');
      return false;
    }
    if (status === 204 || status === 304) this.#complete();
    else if (chunked) this.#phase = Phase.ChunkSize;
    else if (length !== undefined && Number.isInteger(length) && length >= 0) {
      if (length === 0) this.#complete();
      else {
        this.#phase = Phase.Fixed;
        this.#remaining = length;
      }
    } else {
      // No length: the body ends when the server closes (RFC 9112 §6.3, rule 8).
      this.#phase = Phase.UntilClose;
      this.#keepAlive = false;
    }
    return true;
  }

  #complete(): void {
    this.#phase = Phase.Head;
    const exchange = this.waiting.shift();
    exchange?.resolve({ kind: 'response', status: this.#status, retryAfter: this.#retryAfter });
    if (!this.#keepAlive) {
      // The server reads nothing after this answer: what is behind it goes on another connection.
      this.#pool.closing();
      this.#close();
      return;
    }
    // The timer stays armed for the earlier head's deadline; the next head's is checked when it fires.
    this.headSince = performance.now();
    if (this.waiting.length === 0) this.#socket.unref();
  }

  #close(): void {
    this.#lost(undefined);
  }

  /**
   * The connection is done. `error` (a failure) goes to the head request, unless the body was
   * being read to the close; every other request waiting is sent once more elsewhere.
   */
  #lost(failure: string | undefined): void {
    if (this.closed) return;
    let error = failure;
    this.closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#phase === Phase.UntilClose) {
      this.#phase = Phase.Head;
      this.waiting.shift()?.resolve({ kind: 'response', status: this.#status, retryAfter: this.#retryAfter });
      error = undefined;
    }
    this.#pool.remove(this);
    this.#socket.destroy();
    const waiting = this.waiting.splice(0);
    // A connection that never opened failed every request on it alike (refused, unreachable, SSRF guard).
    if (!this.#connected && error !== undefined) {
      for (const exchange of waiting) exchange.resolve({ kind: 'error', message: error });
      return;
    }
    waiting.forEach((exchange, i) => {
      if (i === 0 && error !== undefined) exchange.resolve({ kind: 'error', message: error });
      else if (exchange.resent) exchange.resolve({ kind: 'error', message: error ?? 'the connection was closed before the answer' });
      else {
        exchange.resent = true;
        exchange.deadline = performance.now() + exchange.request.timeoutMs;
        this.#pool.send(exchange);
      }
    });
  }
}

/** The connections to one origin (scheme, host, port). */
class Origin {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly lookup: LookupFunction;
  readonly #options: PipelineOptions;
  readonly #connections: Connection[] = [];
  /** The origin closed a connection after an answer: one request per connection from now on. */
  #closes = false;

  constructor(url: URL, options: PipelineOptions) {
    this.tls = url.protocol === 'https:';
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = url.port === '' ? (this.tls ? 443 : 80) : Number(url.port);
    this.lookup = options.lookup;
    this.#options = options;
  }

  closing(): void {
    this.#closes = true;
  }

  remove(connection: Connection): void {
    const i = this.#connections.indexOf(connection);
    if (i >= 0) this.#connections.splice(i, 1);
  }

  send(exchange: Exchange): void {
    const depth = this.#closes ? 1 : this.#options.depth;
    let best: Connection | undefined;
    for (const c of this.#connections) if (!c.closed && (best === undefined || c.waiting.length < best.waiting.length)) best = c;
    if (
      best === undefined ||
      (best.waiting.length > 0 &&
        this.#connections.length < this.#options.maxConnections &&
        (best.waiting.length >= depth || performance.now() - best.headSince > LATE_MS))
    ) {
      best = new Connection(this);
      this.#connections.push(best);
    }
    best.send(exchange);
  }
}

/** Pipelined POSTs over kept-alive connections, per origin. */
export class Http1Pipeline {
  readonly #options: PipelineOptions;
  readonly #origins = new Map<string, Origin>();

  constructor(options: PipelineOptions) {
    this.#options = options;
  }

  /** Sends one request to `url`'s origin; resolves with the answer's status or the failure, never rejects. */
  send(url: URL, request: PipelineRequest): Promise<AttemptResult> {
    let origin = this.#origins.get(url.origin);
    if (origin === undefined) {
      origin = new Origin(url, this.#options);
      this.#origins.set(url.origin, origin);
    }
    const target = origin;
    return new Promise<AttemptResult>((resolve) =>
      target.send({ request, resolve, deadline: performance.now() + request.timeoutMs, resent: false }),
    );
  }
}
