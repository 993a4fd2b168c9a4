import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openStorage, WalCheckpoints } from '../src/storage/index.js';

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

it('leaves checkpoints to a connection of their own: the writer never copies its commits, the checkpointer does', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-wal-')), 'tessera.sqlite');
  const writer = openStorage({ backend: 'sqlite', file, autoCheckpoint: false });
  const reader = openStorage({ backend: 'sqlite', file });
  const checkpointer = new SQLite(file);
  try {
    await sql`create table t (id integer primary key, body text)`.execute(writer.db);
    // About 2,500 pages: SQLite's own checkpoint would have run at the commit passing 1,000.
    for (let i = 0; i < 1000; i++) await sql`insert into t (body) values (${'x'.repeat(10_000)})`.execute(writer.db);
    const checkpoints = new WalCheckpoints(checkpointer, file, { everyMs: 0, truncateAboveBytes: 1_000_000_000 });
    const passive = checkpoints.run();
    expect(passive).toMatchObject({ kind: 'passive', busy: false });
    // Every frame was still in the log, none copied by the writer; the passive checkpoint copied them all.
    expect(passive.kind === 'passive' && passive.frames).toBeGreaterThan(2000);
    expect(passive.kind === 'passive' && passive.copied).toBe(passive.kind === 'passive' && passive.frames);
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(reader.db)).rows[0]?.n).toBe(1000);

    // Past the size limit it truncates the log, while the reader's connection stays open.
    await sql`insert into t (body) values (${'y'.repeat(10_000)})`.execute(writer.db);
    const truncating = new WalCheckpoints(checkpointer, file, { everyMs: 0, truncateAboveBytes: 10_000 });
    expect(truncating.run()).toMatchObject({ kind: 'truncate', busy: false });
    expect(statSync(`${file}-wal`).size).toBe(0);
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(reader.db)).rows[0]?.n).toBe(1001);
  } finally {
    checkpointer.close();
    await reader.close();
    await writer.close();
  }
});
