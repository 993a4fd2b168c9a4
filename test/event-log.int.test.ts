import { afterEach, beforeEach, expect, it } from 'vitest';
import { createSqlEventLog, type AppendRecord, type EventLog } from '../src/bus/index.js';
import { ManualClock } from '../src/core/clock.js';
import { migrateToLatest } from '../src/storage/index.js';
import { describeEachBackend, type TestStore } from './backends.js';

const record = (eventId: string, partition: number, receivedAt = '2026-11-01T00:00:00.000Z'): AppendRecord => ({
  partition,
  sourceId: 'network',
  eventId,
  type: 'data_session',
  occurredAt: '2026-11-01T00:00:00.000Z',
  receivedAt,
  schemaVersion: 1,
  payload: { identifiers: { msisdn: '+79161234567' }, properties: { n: eventId }, channel: 'native' },
});

describeEachBackend('event log', (backend) => {
  let store: TestStore;
  let log: EventLog;
  beforeEach(async () => {
    store = await backend.open();
    await migrateToLatest(store.storage);
    log = createSqlEventLog(store.storage.backend, new ManualClock('2026-11-02T00:00:00Z'));
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it('appends idempotently and gives increasing sequence numbers', async () => {
    const { db } = store.storage;
    const first = await db.transaction().execute((trx) => log.append(trx, [record('a', 0), record('b', 1)]));
    const second = await db.transaction().execute((trx) => log.append(trx, [record('b', 1), record('c', 0)]));
    expect(first.size).toBe(2);
    expect([...second.keys()]).toEqual(['network\u0000c']);
    const seqs = [...first.values(), ...second.values()];
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(await log.stats(db)).toEqual({ events: 3, lastSeq: Math.max(...seqs) });
  });

  it('lets a consumer read after its checkpoint and commit in the same transaction as its writes', async () => {
    const { db } = store.storage;
    await db.transaction().execute((trx) =>
      log.append(
        trx,
        ['a', 'b', 'c', 'd', 'e'].map((id, i) => record(id, i % 2)),
      ),
    );
    const batch = await log.read(db, 'pipeline', 'all', 3);
    expect(batch.map((e) => e.eventId)).toEqual(['a', 'b', 'c']);
    expect(batch[0]?.payload.properties).toEqual({ n: 'a' });

    // A consumer whose own writes fail does not move its checkpoint.
    await expect(
      db.transaction().execute(async (trx) => {
        await log.commit(trx, 'pipeline', 'all', batch.at(-1)!.seq);
        throw new Error('consumer write failed');
      }),
    ).rejects.toThrow('consumer write failed');
    expect((await log.read(db, 'pipeline', 'all', 10)).map((e) => e.eventId)).toEqual(['a', 'b', 'c', 'd', 'e']);

    await db.transaction().execute((trx) => log.commit(trx, 'pipeline', 'all', batch.at(-1)!.seq));
    expect((await log.read(db, 'pipeline', 'all', 10)).map((e) => e.eventId)).toEqual(['d', 'e']);
    expect((await log.read(db, 'p1-worker', 1, 10)).map((e) => e.eventId)).toEqual(['b', 'd']);
  });

  it('prunes old events but never what a consumer has not read', async () => {
    const { db } = store.storage;
    const seqs = await db
      .transaction()
      .execute((trx) =>
        log.append(trx, [
          record('old-1', 0, '2026-01-01T00:00:00.000Z'),
          record('old-2', 0, '2026-01-02T00:00:00.000Z'),
          record('new', 0, '2026-11-01T00:00:00.000Z'),
        ]),
      );
    await db.transaction().execute((trx) => log.commit(trx, 'pipeline', 'all', seqs.get('network\u0000old-1')!));
    expect(await log.prune(db, '2026-06-01T00:00:00.000Z')).toBe(1);
    expect(await log.find(db, 'network', 'old-1')).toBeUndefined();
    expect(await log.find(db, 'network', 'old-2')).toBeDefined();
  });
});
