import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (*.test.ts); integration suites (*.int.test.ts) run against every
// backend the harness finds (test/backends.ts). Both run in one `npm test`.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
