import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../core/config.js';
import type { ConsentEventInput } from '../consent/index.js';

/*
 * Delivery benchmark (issue 8): webhook deliveries a second to a local receiver, beside the raw
 * limit (the same number of POSTs of the same bodies straight to the same receiver, at the same
 * concurrency, no database); and event accepted → webhook delivered latency through the whole
 * embedded runtime (ingest, pipeline, audience evaluation, outbox, fan-out, policy, signing).
 * `tessera bench --only delivery` runs it.
 */

export interface DeliveryBenchOptions {
  /** Outbox messages for the throughput part, one subject each (default 10,000). */
  readonly messages?: number;
  /** Events for the latency part, one new line each (default 1,000). */
  readonly e2eEvents?: number;
  /** Events a second ingested in the latency part (default 200). */
  readonly e2eRate?: number;
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

export interface DeliveryBenchResult {
  readonly deliveries_per_s: number;
  readonly deliveries: number;
  readonly deliveries_seconds: number;
  readonly delivery_raw_post_per_s: number;
  readonly delivery_e2e_p50_ms: number;
  readonly delivery_e2e_p99_ms: number;
  readonly delivery_e2e_max_ms: number;
  readonly delivery_e2e_events: number;
  readonly delivery_e2e_rate: number;
}

const ADMIN = 'bench-admin-key-0123456789abcdef';

interface Receiver {
  readonly server: Server;
  readonly url: string;
  readonly arrivals: Map<string, number>;
  count: number;
}

const startReceiver = async (): Promise<Receiver> => {
  const arrivals = new Map<string, number>();
  const receiver = { arrivals, count: 0 } as { -readonly [K in keyof Receiver]: Receiver[K] };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      receiver.count++;
      const subject = req.headers['x-bench-subject'];
      const id = String(req.headers['webhook-id'] ?? subject ?? receiver.count);
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.server = server;
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

const consentFor = (subject: string): ConsentEventInput =>
  ({
    eventId: `bench-${subject.replace(/[^A-Za-z0-9._:-]/g, '_')}`,
    subject,
    purpose: 'marketing',
    channel: 'app',
    action: 'grant',
    legalBasis: 'fz152_consent',
    jurisdiction: 'RU',
    validFrom: '2020-01-01T00:00:00Z',
    source: { collectionPoint: 'bench', channel: 'app' },
    proof: { evidenceRef: 'BENCH' },
  }) as ConsentEventInput;

/** The raw limit: POSTs of `body` straight to the receiver, `concurrency` at a time. */
const rawPosts = async (url: string, body: string, n: number, concurrency: number): Promise<number> => {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const run = async (count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) await post();
      }),
    );
  };
  // Warmed up first: the deliveries do not go through node:http's client, so its code would be
  // compiled during the measured POSTs (the raw limit read a quarter to a third low without this).
  await run(Math.min(2_000, n));
  const started = performance.now();
  await run(n);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return n / seconds;
};

export const benchDeliveries = async (options: DeliveryBenchOptions = {}): Promise<DeliveryBenchResult> => {
  const log = options.log ?? (() => undefined);
  const messages = options.messages ?? 10_000;
  const e2eEvents = options.e2eEvents ?? 1_000;
  const e2eRate = options.e2eRate ?? 200;
  const concurrency = options.concurrency ?? 32;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-delivery-bench-'));
  const receiver = await startReceiver();
  // Imported here: the composition root imports this domain.
  const { createTessera } = await import('../server/app.js');
  const config = parseConfig({
    TESSERA_DATA_DIR: dir,
    TESSERA_ADMIN_KEY: ADMIN,
    TESSERA_LOG_LEVEL: 'silent',
    TESSERA_CONTRACTS_DIR: join(dir, 'no-contracts'),
    TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true',
    TESSERA_WEBHOOK_CONCURRENCY: String(concurrency),
    TESSERA_DELIVERY_POLL_MS: '10',
  });
  const tessera = await createTessera(config);
  try {
    const { db } = tessera.storage;
    await tessera.policy.consumers.create({ id: 'bench', name: 'Bench', kind: 'app', purposes: ['marketing'], channels: ['app'] }, 'bench');
    const { subscription } = await tessera.delivery.subscriptions.create(
      { consumerId: 'bench', eventTypes: ['audience.entered'], transport: 'webhook', url: receiver.url },
      'bench',
    );

    // ---- throughput: outbox rows → delivered ------------------------------------------------
    const subjects = Array.from({ length: messages }, (_, i) => `bench-p-${i}`);
    for (let i = 0; i < subjects.length; i += 1_000)
      await tessera.consent.service.record(
        subjects.slice(i, i + 1_000).map((s) => consentFor(`profile:${s}`)),
        'bench',
      );
    const createdAt = new Date().toISOString();
    const data = (s: string) =>
      JSON.stringify({ audienceId: 'bench', version: 1, memberId: s, entity: 'person', reason: 'event', at: createdAt });
    for (let i = 0; i < subjects.length; i += 1_000)
      await db
        .insertInto('outbox')
        .values(
          subjects
            .slice(i, i + 1_000)
            .map((s) => ({ id: `ob_bench_${s}`, type: 'audience.entered', subject: s, data: data(s), created_at: createdAt })),
        )
        .execute();
    log(`delivery bench: ${messages} messages in the outbox, dispatching`);
    const started = performance.now();
    tessera.delivery.dispatcher.start();
    // Watched at the receiver first (a count in the database would compete with the dispatcher
    // for the one connection), then until the last results are committed.
    while (receiver.arrivals.size < messages) await new Promise((resolve) => setTimeout(resolve, 20));
    for (;;) {
      const row = await db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('subscription_id', '=', subscription.id)
        .where('status', '=', 'delivered')
        .executeTakeFirstOrThrow();
      if (Number(row.n) >= messages) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await tessera.delivery.dispatcher.stop();
    const deliveriesPerS = messages / seconds;
    const sampleBody = JSON.stringify({
      specversion: '1.0',
      id: 'ob_bench_x',
      source: '/tessera',
      type: 'tessera.audience.entered.v1',
      subject: 'bench-p-0',
      time: createdAt,
      datacontenttype: 'application/json',
      data: JSON.parse(data('bench-p-0')) as unknown,
    });
    const raw = await rawPosts(receiver.url, sampleBody, messages, concurrency);
    log(`delivery bench: ${round(deliveriesPerS, 0)} deliveries/s (raw POST limit ${round(raw, 0)}/s)`);

    // ---- latency: event accepted → webhook delivered -----------------------------------------
    receiver.arrivals.clear();
    const e2e = await tessera.http.inject({
      method: 'POST',
      url: '/v1/audiences',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: {
        id: 'bench-e2e',
        name: 'Topped up',
        entity: 'person',
        rule: {
          combinator: 'and',
          rules: [
            { field: 'event', operator: 'performed', eventType: 'billing/topup', count: { op: 'atLeast', n: 1 }, window: { lastDays: 30 } },
          ],
        },
      },
    });
    if (e2e.statusCode !== 201) throw new Error(`bench audience not created: ${e2e.body}`);
    await tessera.delivery.subscriptions.update(
      subscription.id,
      { eventTypes: ['audience.entered'], transport: 'webhook', url: receiver.url, filters: { audienceIds: ['bench-e2e'] } },
      'bench',
    );
    const msisdn = (i: number) => `+7926${String(1_000_000 + i)}`;
    for (let i = 0; i < e2eEvents; i += 1_000)
      await tessera.consent.service.record(
        Array.from({ length: Math.min(1_000, e2eEvents - i) }, (_, k) => consentFor(`msisdn:${msisdn(i + k)}`)),
        'bench',
      );
    tessera.startBackground();
    const accepted = new Map<string, number>();
    const batch = Math.max(1, Math.round(e2eRate / 20));
    const t0 = performance.now();
    for (let i = 0; i < e2eEvents; i += batch) {
      const due = t0 + (i / e2eRate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const events = Array.from({ length: Math.min(batch, e2eEvents - i) }, (_, k) => ({
        source: 'billing',
        type: 'topup',
        eventId: `bench-topup-${i + k}`,
        occurredAt: new Date().toISOString(),
        identifiers: { msisdn: msisdn(i + k) },
        properties: { topupId: `BT-${i + k}`, amount: { value: 100, unit: 'RUB' }, paymentMethod: 'bankCard', channel: 'app' },
      }));
      const answer = await tessera.http.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { authorization: `Bearer ${ADMIN}` },
        payload: { events },
      });
      const at = performance.now();
      if (answer.statusCode !== 200 || (answer.json() as { accepted: number }).accepted !== events.length)
        throw new Error(`bench ingest failed: ${answer.body}`);
      for (const e of events) accepted.set(e.identifiers.msisdn, at);
    }
    const deadline = performance.now() + 30_000;
    while (receiver.arrivals.size < e2eEvents && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    // The webhook-id names the message; its subject is the profile: map profiles back to lines.
    const outbox = await db.selectFrom('outbox').select(['id', 'subject']).where('type', '=', 'audience.entered').execute();
    const profileOf = new Map(outbox.map((r) => [r.id, r.subject]));
    const lines = await db.selectFrom('identity_nodes').select(['profile_id', 'id_value']).where('id_type', '=', 'msisdn').execute();
    const lineOf = new Map(lines.map((r) => [r.profile_id, r.id_value]));
    const latencies: number[] = [];
    for (const [id, arrived] of receiver.arrivals) {
      const line = lineOf.get(profileOf.get(id) ?? '');
      const at = line === undefined ? undefined : accepted.get(line);
      if (at !== undefined) latencies.push(arrived - at);
    }
    latencies.sort((a, b) => a - b);
    log(`delivery bench: ${latencies.length} of ${e2eEvents} events delivered end to end`);
    return {
      deliveries_per_s: round(deliveriesPerS, 0),
      deliveries: messages,
      deliveries_seconds: round(seconds, 2),
      delivery_raw_post_per_s: round(raw, 0),
      delivery_e2e_p50_ms: round(percentile(latencies, 50)),
      delivery_e2e_p99_ms: round(percentile(latencies, 99)),
      delivery_e2e_max_ms: round(latencies.at(-1) ?? NaN),
      delivery_e2e_events: latencies.length,
      delivery_e2e_rate: e2eRate,
    };
  } finally {
    await tessera.close();
    receiver.server.closeAllConnections();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
};
