import { afterEach, beforeEach, expect, it } from 'vitest';
import { CHURN_FEATURES } from '../src/profiles/profile-scores.js';
import { trainChurnModel } from '../src/scores/index.js';
import { appRequests } from './app-requests.js';
import { describeEachBackend } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { startTestApp, type TestApp } from './test-app.js';

const event = builtinEvent;
const NOW = new Date('2026-11-20T12:00:00Z');

/** A small churn model on synthetic rows: short tenure and few top-ups churn. */
const model = () => {
  const rows = Array.from({ length: 400 }, (_, i) => ({
    tenureDays: (i * 37) % 900,
    planType: i % 3 === 0 ? 'postpaid' : 'prepaid',
    topups30d: i % 5,
    usageEvents30d: (i * 13) % 60,
  }));
  const labels = rows.map((r) => r.tenureDays < 200 && r.topups30d < 3);
  return trainChurnModel(
    rows,
    labels,
    rows.map((_, i) => `p-${i}`),
    { featureSpec: CHURN_FEATURES, trainedAt: '2026-11-01T00:00:00.000Z' },
  );
};

describeEachBackend('score.changed in the outbox', (backend) => {
  let app: TestApp;
  beforeEach(async () => {
    // One event a batch, live and in the rebuild, so that the rebuild rescores at the same events;
    // a fixed clock, so that it computes the same scores.
    app = await startTestApp(backend, { env: { TESSERA_PIPELINE_BATCH_EVENTS: '1' }, clock: { now: () => NOW } });
    app.tessera.services.scorer.use(model());
  });
  afterEach(async () => {
    await app.close();
  });

  const { ingest } = appRequests(() => app);
  const rebuild = async () => {
    await app.tessera.storage.db.transaction().execute((trx) => app.tessera.services.pipeline.reset(trx));
    await app.tessera.services.pipeline.drain();
  };
  const rows = () => app.tessera.storage.db.selectFrom('outbox').selectAll().where('type', '=', 'score.changed').orderBy('id').execute();

  it('names its rows by what decided them, so rebuilding from the log twice writes no row again', async () => {
    for (const [i, msisdn] of ['+79162220001', '+79162220002', '+79162220003'].entries()) {
      await ingest([
        event('billing', 'activation', `2026-0${i + 1}-01T00:00:00Z`, { msisdn }, { planType: 'prepaid' }),
        event('billing', 'topup', '2026-11-10T00:00:00Z', { msisdn }),
        event('billing', 'topup', '2026-11-15T00:00:00Z', { msisdn }),
        event('billing', 'topup', '2026-11-18T00:00:00Z', { msisdn }),
      ]);
    }
    const live = await rows();
    // Every profile's first score at least, each row named as identity's messages are.
    expect(new Set(live.map((r) => r.subject)).size).toBe(3);
    expect(live.every((r) => /^ob_[0-9a-f]{32}$/.test(r.id))).toBe(true);

    await rebuild();
    expect(await rows()).toEqual(live);
    await rebuild();
    expect(await rows()).toEqual(live);
  });
});
