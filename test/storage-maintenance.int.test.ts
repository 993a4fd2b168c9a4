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
