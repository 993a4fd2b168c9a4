import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, DeliverPolicy, type NatsConnection } from 'nats';
import { ManualClock } from '../src/core/clock.js';
import { NATS_STREAM } from '../src/activation/index.js';
import { activationWorld, at, NOW, phone } from './activation-fixture.js';
import { describeEachBackend } from './backends.js';
import { startTestApp, type TestApp } from './test-app.js';

/*
 * NATS JetStream publishing (issue 8.5) against a real NATS server with JetStream (the machine's:
 * .ci/run starts it and sets TESSERA_TEST_NATS_URL), on every backend: outbox messages reach
 * `tessera.<type>` as CloudEvents with the outbox id as Nats-Msg-Id, a JetStream consumer receives
 * them, and a restarted publisher resumes from its stored cursor without a message arriving twice.
 */
const natsUrl = process.env.TESSERA_TEST_NATS_URL;
const MINUTE = 60_000;
/*
 * Profile ids, and so outbox ids, follow from the identifiers: the lines are new on every run, or
 * the stream (which outlives the test) would drop this run's messages as duplicates of the last.
 */
const freshLines = (): [number, number, number] => {
  const base = 1_000 + Math.floor(Math.random() * 8_990);
  return [base, base + 1, base + 2];
};

if (!natsUrl) {
  console.warn('[tessera tests] TESSERA_TEST_NATS_URL is not set: the NATS JetStream suite (test/nats.int.test.ts) is SKIPPED.');
  describe('NATS publishing', () => {
    // Skipped outside CI with the notice above; in CI, where NATS must run, a missing URL fails.
    it.runIf(process.env.CI === 'true')('fails in CI, where TESSERA_TEST_NATS_URL must be set', () => {
      expect.fail('CI=true but TESSERA_TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222, a nats-server started with -js)');
    });
  });
} else {
  describeEachBackend('NATS publishing', (backend) => {
    let app: TestApp;
    let nc: NatsConnection;
    const clock = new ManualClock(NOW);
    const startedAt = new Date();
    beforeEach(async () => {
      clock.set(NOW);
      app = await startTestApp(backend, { clock, env: { TESSERA_NATS_URL: natsUrl } });
      nc = await connect({ servers: natsUrl });
    });
    afterEach(async () => {
      await app.tessera.activation.nats?.stop();
      await nc.drain();
      await app.close();
    });
    const w = activationWorld(() => app);

    /** Every message of the stream on the subject since the suite started, by Nats-Msg-Id. */
    const received = async (subject: string): Promise<Map<string, { subject: string; payload: unknown; count: number }>> => {
      const consumer = await nc.jetstream().consumers.get(NATS_STREAM, {
        filterSubjects: subject, // one subject: servers before 2.10 know no filter_subjects
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: startedAt.toISOString(),
      });
      const out = new Map<string, { subject: string; payload: unknown; count: number }>();
      // Fetch until a fetch comes back empty: the stream holds nothing more for the filter.
      for (;;) {
        let batch = 0;
        for await (const m of await consumer.fetch({ max_messages: 200, expires: 1_000 })) {
          batch++;
          const id = m.headers?.get('Nats-Msg-Id') ?? '';
          const entry = out.get(id);
          if (entry) entry.count++;
          else out.set(id, { subject: m.subject, payload: m.json(), count: 1 });
        }
        if (batch === 0) break;
      }
      return out;
    };

    it('publishes outbox messages to tessera.<type> as CloudEvents; a JetStream consumer receives each once, across a restart', async () => {
      const [a, b, c] = freshLines();
      await w.createAudience();
      clock.set(at(MINUTE));
      await w.ingest([w.activation(a, at(-MINUTE)), w.activation(b, at(-MINUTE))]);
      const publisher = app.tessera.activation.nats;
      expect(publisher).toBeDefined();
      expect(await publisher?.drain()).toBeGreaterThanOrEqual(2);

      const entered = await app.tessera.storage.db.selectFrom('outbox').selectAll().where('type', '=', 'audience.entered').execute();
      expect(entered).toHaveLength(2);
      let got = await received('tessera.audience.entered');
      for (const row of entered) {
        const message = got.get(row.id);
        expect(message, `message ${row.id} on the stream`).toBeDefined();
        expect(message?.subject).toBe('tessera.audience.entered');
        expect(message?.payload).toMatchObject({
          specversion: '1.0',
          id: row.id,
          type: 'tessera.audience.entered.v1',
          subject: row.subject,
          time: row.created_at,
          data: JSON.parse(row.data),
        });
      }
      const cursor = await app.tessera.storage.db
        .selectFrom('activation_cursors')
        .selectAll()
        .where('name', '=', 'nats')
        .executeTakeFirstOrThrow();
      expect(cursor.created_at >= at(MINUTE)).toBe(true);

      // A restart: the new publisher resumes from the stored cursor; what it reads again is deduplicated by the stream.
      await publisher?.stop();
      app = await app.restart();
      clock.set(at(2 * MINUTE));
      await w.ingest([w.activation(c, at(-MINUTE))]);
      await app.tessera.activation.nats?.drain();
      const third = await w.profileOf(phone(c));
      got = await received('tessera.audience.entered');
      const ours = [...got.values()].filter((m) =>
        [...entered.map((r) => r.subject), third].includes((m.payload as { subject: string }).subject),
      );
      expect(ours).toHaveLength(3);
      expect(ours.every((m) => m.count === 1)).toBe(true);
    });

    it('publishes in the background once the runtime starts, without anyone draining', async () => {
      const id = `ob_nats_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2)}`;
      await app.tessera.storage.db
        .insertInto('outbox')
        .values({ id, type: 'score.changed', subject: 'P-nats', data: JSON.stringify({ model: 'churn' }), created_at: at(MINUTE) })
        .execute();
      app.tessera.startBackground();
      const until = Date.now() + 10_000;
      let message: { subject: string; payload: unknown } | undefined;
      while (!message && Date.now() < until) {
        message = (await received('tessera.score.changed')).get(id);
        if (!message) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(message).toMatchObject({
        subject: 'tessera.score.changed',
        payload: { id, type: 'tessera.score.changed.v1', subject: 'P-nats' },
      });
    });
  });
}
