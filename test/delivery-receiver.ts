import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/*
 * A real webhook receiver for the delivery tests and the bench: a node:http server on loopback
 * that records every request and answers as the test tells it — fail, hang, ask to retry later,
 * say it is gone — and verifies signatures with the `standardwebhooks` library, as a receiver would.
 */

export interface Received {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly event: { id: string; type: string; subject: string; data: Record<string, unknown> } & Record<string, unknown>;
  readonly at: number;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Answer only after this long (a slow endpoint, a timeout). */
  readonly delayMs?: number;
  /** Never answer (until the receiver closes). */
  readonly hang?: boolean;
}

export type Behaviour = (request: Received, index: number) => Answer;

export class WebhookReceiver {
  readonly received: Received[] = [];
  behaviour: Behaviour = () => ({ status: 204 });
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();
  #waiters: { count: number; resolve: () => void }[] = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => receiver.#handle(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves once `count` requests in all have arrived. */
  waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.received.length} of ${count} requests arrived`)), timeoutMs);
      this.#waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Answers every hanging request with `status`. */
  release(status = 204): void {
    for (const res of this.#hanging) res.writeHead(status).end();
    this.#hanging.clear();
  }

  /** Verifies a received request's signature with the standardwebhooks library (throws when it does not verify). */
  static verify(secret: string, request: Received): unknown {
    return new Webhook(secret).verify(request.body, request.headers);
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const request: Received = { path: req.url ?? '', headers, body, event: JSON.parse(body) as Received['event'], at: Date.now() };
      const index = this.received.length;
      this.received.push(request);
      const answer = this.behaviour(request, index);
      this.#waiters = this.#waiters.filter((w) => (this.received.length >= w.count ? (w.resolve(), false) : true));
      if (answer.hang) {
        this.#hanging.add(res);
        return;
      }
      const send = () => {
        if (!res.destroyed) res.writeHead(answer.status, answer.headers ?? {}).end();
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  }
}
