import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Pipeline, type PipelineRequest } from '../src/delivery/http1-pipeline.js';
import { guardedLookup } from '../src/delivery/target-guard.js';

/*
 * The pipelined webhook client against a raw TCP server that answers as each test scripts it:
 * answers in order on one connection, chunked and fixed-length bodies, informational answers,
 * `connection: close` behind pipelined requests, a head that times out, a refused connection.
 */

interface Seen {
  readonly connection: number;
  readonly id: string;
  readonly body: string;
}

/** Answers each request with what `answer` returns (raw bytes after the status line), or never (undefined). */
const rawServer = async (answer: (seen: Seen, socket: Socket) => string | undefined) => {
  const seen: Seen[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.slice(end + 4, end + 4 + length);
        buffer = buffer.slice(end + 4 + length);
        const request = { connection, id: /webhook-id: (\S+)/i.exec(head)?.[1] ?? '', body };
        seen.push(request);
        const reply = answer(request, socket);
        if (reply !== undefined && !socket.destroyed) socket.write(reply);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
  return {
    url,
    seen,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const request = (id: string, timeoutMs = 2_000): PipelineRequest => {
  const body = JSON.stringify({ id });
  return {
    head: `POST /hook HTTP/1.1\r\nhost: test\r\ncontent-length: ${Buffer.byteLength(body)}\r\nwebhook-id: ${id}\r\n\r\n`,
    body,
    timeoutMs,
  };
};

const client = (depth = 8, maxConnections = 4) => new Http1Pipeline({ lookup: guardedLookup(true), maxConnections, depth });

describe('Http1Pipeline', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('pipelines requests on one connection and matches the answers in order, whatever their framing', async () => {
    const server = await rawServer(({ id }) => {
      switch (id) {
        case 'a':
          return 'HTTP/1.1 204 No Content\r\n\r\n';
        case 'b':
          return 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello';
        case 'c':
          return 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\nRetry-After: 30\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\ntrailer: t\r\n\r\n';
        default:
          return 'HTTP/1.1 429 Too Many\r\nretry-after: 5\r\ncontent-length: 0\r\n\r\n';
      }
    });
    closers.push(server.close);
    const http = client();
    const answers = await Promise.all(['a', 'b', 'c', 'd'].map((id) => http.send(server.url, request(id))));
    expect(answers).toEqual([
      { kind: 'response', status: 204, retryAfter: undefined },
      { kind: 'response', status: 200, retryAfter: undefined },
      { kind: 'response', status: 503, retryAfter: '30' },
      { kind: 'response', status: 429, retryAfter: '5' },
    ]);
    expect(server.connections()).toBe(1);
    expect(server.seen.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd']);
    // The connection is kept: the next request goes on it.
    expect(await http.send(server.url, request('e'))).toMatchObject({ status: 429 });
    expect(server.connections()).toBe(1);
  });

  it('opens another connection past the pipelining depth, up to the limit', async () => {
    const server = await rawServer(() => 'HTTP/1.1 204 No Content\r\n\r\n');
    closers.push(server.close);
    const http = client(2, 3);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => http.send(server.url, request(`m${i}`))));
    expect(answers.every((a) => a.kind === 'response' && a.status === 204)).toBe(true);
    expect(server.connections()).toBe(3);
  });

  it('sends what was pipelined behind a `connection: close` answer again, on a new connection', async () => {
    const server = await rawServer(({ id }, socket) => {
      if (id === 'first') {
        socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return undefined;
      }
      return 'HTTP/1.1 204 No Content\r\n\r\n';
    });
    closers.push(server.close);
    const http = client();
    const answers = await Promise.all(['first', 'second', 'third'].map((id) => http.send(server.url, request(id))));
    expect(answers.map((a) => (a.kind === 'response' ? a.status : a.message))).toEqual([200, 204, 204]);
    expect(server.seen.filter((s) => s.id === 'second').length).toBeGreaterThanOrEqual(1);
    expect(server.connections()).toBeGreaterThan(1);
  });

  it('times out a head that gets no answer; what waited behind it is sent again and answered', async () => {
    // Answers come in order (RFC 9112 §9.3.2): nothing more on a connection once its head is stuck.
    const stuckOn = new Set<number>();
    const server = await rawServer(({ id, connection }) => {
      if (id === 'stuck') stuckOn.add(connection);
      return stuckOn.has(connection) ? undefined : 'HTTP/1.1 204 No Content\r\n\r\n';
    });
    closers.push(server.close);
    const http = client(8, 1);
    const started = performance.now();
    const [stuck, behind] = await Promise.all([
      http.send(server.url, request('stuck', 200)),
      http.send(server.url, request('behind', 200)),
    ]);
    expect(stuck).toEqual({ kind: 'error', message: 'timed out after 200 ms' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(behind).toEqual({ kind: 'response', status: 204, retryAfter: undefined });
    expect(server.seen.map((s) => [s.connection, s.id])).toEqual([
      [1, 'stuck'],
      [1, 'behind'],
      [2, 'behind'],
    ]);
  });

  it('reads a body without a length to the close, and fails every request when the connection is refused', async () => {
    const server = await rawServer((_, socket) => {
      socket.end('HTTP/1.0 202 Accepted\r\n\r\nuntil the end');
      return undefined;
    });
    closers.push(server.close);
    const http = client();
    expect(await http.send(server.url, request('x'))).toEqual({ kind: 'response', status: 202, retryAfter: undefined });

    const closed = await rawServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const refused = await Promise.all([http.send(url, request('r1')), http.send(url, request('r2'))]);
    expect(refused).toEqual([
      { kind: 'error', message: expect.stringMatching(/ECONNREFUSED/) },
      { kind: 'error', message: expect.stringMatching(/ECONNREFUSED/) },
    ]);
  });

  it('refuses a name that resolves to a private address, at connection time', async () => {
    const server = await rawServer(() => 'HTTP/1.1 204 No Content\r\n\r\n');
    closers.push(server.close);
    const http = new Http1Pipeline({ lookup: guardedLookup(false, async () => ['127.0.0.1']), maxConnections: 2, depth: 8 });
    const answer = await http.send(new URL(`http://rebound.example.com:${server.url.port}/hook`), request('x'));
    expect(answer).toMatchObject({ kind: 'error', message: expect.stringMatching(/target refused/) });
    expect(server.seen).toHaveLength(0);
  });
});
