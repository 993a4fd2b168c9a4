import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openStorage } from '../src/storage/index.js';

it('checkpoints and truncates the embedded write-ahead log once it passes the limit, while another connection reads', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-wal-')), 'tessera.sqlite');
  const writer = openStorage({ backend: 'sqlite', file });
  const reader = openStorage({ backend: 'sqlite', file });
  try {
    await sql`create table t (id integer primary key, body text)`.execute(writer.db);
    for (let i = 0; i < 20; i++) await sql`insert into t (body) select ${'x'.repeat(10_000)} from (select 1)`.execute(writer.db);
    // A reader on another connection between writes, as the HTTP thread reads while the pipeline writes.
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(reader.db)).rows[0]?.n).toBe(20);
    const before = statSync(`${file}-wal`).size;
    expect(before).toBeGreaterThan(100_000);
    expect(await writer.maintain(1_000_000_000)).toBe(false);
    expect(await writer.maintain(10_000)).toBe(true);
    expect(statSync(`${file}-wal`).size).toBe(0);
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(reader.db)).rows[0]?.n).toBe(20);
  } finally {
    await reader.close();
    await writer.close();
  }
});

it('begins a transaction once another connection lets go of the write lock, even when SQLite answers busy at once', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-busy-')), 'tessera.sqlite');
  const holder = openStorage({ backend: 'sqlite', file });
  const waiter = openStorage({ backend: 'sqlite', file });
  try {
    await sql`create table t (id integer primary key)`.execute(holder.db);
    // No busy handler on the waiter: SQLite answers SQLITE_BUSY at the first try, as it did once under load.
    await sql`pragma busy_timeout = 0`.execute(waiter.db);
    let release: () => void = () => undefined;
    const held = holder.db.transaction().execute(async (trx) => {
      await sql`insert into t (id) values (1)`.execute(trx);
      await new Promise<void>((resolve) => (release = resolve));
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    setTimeout(() => release(), 200);
    await waiter.db.transaction().execute((trx) => sql`insert into t (id) values (2)`.execute(trx));
    await held;
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(waiter.db)).rows[0]?.n).toBe(2);
  } finally {
    await waiter.close();
    await holder.close();
  }
});

it('checkpoints the write-ahead log after the configured number of pages', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-ckpt-')), 'tessera.sqlite');
  const configured = openStorage({ backend: 'sqlite', file, walAutocheckpoint: 20_000 });
  const plain = openStorage({ backend: 'sqlite', file });
  try {
    const pages = async (storage: typeof plain) =>
      (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(storage.db)).rows[0]?.wal_autocheckpoint;
    expect(await pages(configured)).toBe(20_000);
    expect(await pages(plain)).toBe(1000);
  } finally {
    await plain.close();
    await configured.close();
  }
});
