/**
 * Runs once before the suites. The PostgreSQL suites need TESSERA_TEST_PG_URL; without it they are
 * skipped with a clear notice, except in CI, where a missing URL is an error (they must run there).
 */
export default function setup(): void {
  const pgUrl = process.env.TESSERA_TEST_PG_URL;
  if (pgUrl) {
    process.stdout.write(
      `\n[tessera tests] integration suites run on SQLite and on PostgreSQL (${pgUrl.replace(/\/\/[^@]*@/, '//***@')})\n`,
    );
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error('CI=true but TESSERA_TEST_PG_URL is not set: the PostgreSQL suites must run in CI');
  }
  process.stdout.write(
    '\n[tessera tests] TESSERA_TEST_PG_URL is not set: the PostgreSQL variants of the integration suites are SKIPPED.\n' +
      '                Set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run them; .ci/run does.\n',
  );
}
