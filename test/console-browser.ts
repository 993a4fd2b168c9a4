import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../src/core/clock.js';
import { BACKENDS } from './backends.js';
import { ensureConsoleBuilt } from './console-data.js';
import { ROOT } from './spawn-server.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './test-app.js';

/**
 * What the console's browser suites share: finding Debian's chromium (TESSERA_TEST_CHROMIUM when
 * set, else /usr/bin/chromium), the screenshot folder (test-results/, or docs/screenshots/ with
 * TESSERA_UPDATE_SCREENSHOTS=1), the app on a real port, and a signed-in tab.
 *
 * Without chromium a suite is SKIPPED with a notice; in CI (CI=true) a missing browser fails the
 * run, because .ci/run installs it.
 */
export const CHROMIUM_CANDIDATES = process.env.TESSERA_TEST_CHROMIUM
  ? [process.env.TESSERA_TEST_CHROMIUM]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
export const CHROMIUM = CHROMIUM_CANDIDATES.find((path) => existsSync(path));
export const SCREENSHOTS = process.env.TESSERA_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(ROOT, 'test-results');

/** Prints the skip notice and registers the test that fails in CI when there is no browser. */
export const requireChromiumInCi = (suite: string): void => {
  if (!CHROMIUM) {
    process.stdout.write(
      `\n[tessera tests] no chromium at ${CHROMIUM_CANDIDATES.join(' or ')}: the ${suite} suite is SKIPPED.\n` +
        '                Install it (apt-get install -y chromium) to run it; .ci/run does.\n',
    );
  }
  describe(`${suite} without a browser`, () => {
    it.runIf(!CHROMIUM && process.env.CI === 'true')('fails in CI, where chromium must be installed', () => {
      expect.fail(`CI=true but no chromium binary was found: the ${suite} suite must run in CI`);
    });
  });
};

export interface ConsoleHarness {
  readonly app: TestApp;
  readonly baseUrl: string;
  readonly browser: Browser;
  /** The API with the admin key; fails the test on an answer that is not 2xx unless `allowed` lists its status. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, allowed?: readonly number[]): Promise<T>;
  close(): Promise<void>;
}

/** Builds the console when stale, starts the app (SQLite, on `clock` if given) on a port and launches chromium. */
export const startConsoleHarness = async (log: string, options: { readonly clock?: Clock } = {}): Promise<ConsoleHarness> => {
  const build = ensureConsoleBuilt();
  if (build.built) process.stdout.write(`[${log}] built the console in ${build.ms} ms\n`);
  const app = await startTestApp(BACKENDS[0] as (typeof BACKENDS)[number], options.clock ? { clock: options.clock } : {});
  await app.tessera.http.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.tessera.http.server.address() as AddressInfo).port}`;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  const call = async <T>(method: string, path: string, body?: unknown, allowed: readonly number[] = []): Promise<T> => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const answer = (await response.json()) as T;
    if (!allowed.includes(response.status)) expect(response.status, `${method} ${path}: ${JSON.stringify(answer)}`).toBeLessThan(300);
    return answer;
  };
  return {
    app,
    baseUrl,
    browser,
    call,
    close: async () => {
      await browser.close();
      await app.close();
    },
  };
};

/** A fresh tab, signed in through the sign-in page. */
export const signedInPage = async (harness: ConsoleHarness, log: string): Promise<Page> => {
  const page = await harness.browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('pageerror', (err) => process.stdout.write(`[${log}] page error: ${err.message}\n`));
  await page.goto(harness.baseUrl + '/');
  await page.getByLabel('API key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return page;
};
