import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../src/core/clock.js';
import { BACKENDS } from './backends.js';
import { builtinEvent } from './builtin-event.js';
import { CONSOLE_DEMO_AUDIENCES, consoleDemoEvents, ensureConsoleBuilt } from './console-data.js';
import { ROOT } from './spawn-server.js';
import { ADMIN_KEY, startTestApp, type TestApp } from './test-app.js';

/**
 * The console's live overview in a real browser (Debian's chromium, playwright-core), against the
 * app listening on a port: demo-like events spread over the last 12 minutes (the app's clock is
 * shifted back while they load), with duplicates and refusals, loaded through the API and
 * processed by the pipeline, then the page's tiles, its five ECharts charts with their text
 * alternatives, the freshness table, the window control, and a live update without a reload.
 * Saves `overview.png` under test-results/ (docs/screenshots/ with TESSERA_UPDATE_SCREENSHOTS=1).
 *
 * Without a chromium binary (TESSERA_TEST_CHROMIUM when set, else /usr/bin/chromium) the suite is
 * SKIPPED with a notice; in CI (CI=true) a missing browser is an error: .ci/run installs it.
 */
const CHROMIUM_CANDIDATES = process.env.TESSERA_TEST_CHROMIUM
  ? [process.env.TESSERA_TEST_CHROMIUM]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const CHROMIUM = CHROMIUM_CANDIDATES.find((path) => existsSync(path));
const SCREENSHOTS = process.env.TESSERA_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots') : join(ROOT, 'test-results');
/** Issue 9: interactive within 1 s; asserted with headroom for a busy 2-core machine. */
const INTERACTIVE_LIMIT_MS = 3_000;
const CHARTS = ['chart-sources', 'chart-outcomes', 'chart-latency', 'chart-pipeline', 'chart-freshness'];

if (!CHROMIUM) {
  process.stdout.write(
    `\n[tessera tests] no chromium at ${CHROMIUM_CANDIDATES.join(' or ')}: the console overview end-to-end suite is SKIPPED.\n` +
      '                Install it (apt-get install -y chromium) to run it; .ci/run does.\n',
  );
}

describe('console overview without a browser', () => {
  it.runIf(!CHROMIUM && process.env.CI === 'true')('fails in CI, where chromium must be installed', () => {
    expect.fail('CI=true but no chromium binary was found: the console overview end-to-end suite must run in CI');
  });
});

/** The system clock moved by an offset the test sets: data "received" minutes ago, then live. */
class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

describe.skipIf(!CHROMIUM)('console overview end to end (chromium)', () => {
  const clock = new ShiftedClock();
  let app: TestApp;
  let baseUrl: string;
  let browser: Browser;
  let accepted = 0;
  const DUPLICATES = 12;
  const REFUSED = 3;

  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(answer)).toBeLessThan(300);
    return answer;
  };

  beforeAll(async () => {
    const build = ensureConsoleBuilt();
    if (build.built) process.stdout.write(`[overview e2e] built the console in ${build.ms} ms\n`);
    app = await startTestApp(BACKENDS[0] as (typeof BACKENDS)[number], { clock });
    await app.tessera.http.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.tessera.http.server.address() as AddressInfo).port}`;

    for (const audience of CONSOLE_DEMO_AUDIENCES) await call('POST', '/v1/audiences', audience);
    // The events arrive over the last 12 minutes, as if live: each minute's share in two batches two
    // seconds apart, processed a varying time later (so latency percentiles differ), and one
    // minute's share left waiting for the next minute (so the backlog shows).
    const events = consoleDemoEvents(new Date());
    const minutes = 12;
    const share = Math.ceil(events.length / minutes);
    for (let m = 0; m < minutes; m++) {
      clock.offsetMs = -(minutes - m) * 60_000 + 5_000;
      const chunk = events.slice(m * share, (m + 1) * share);
      const half = Math.ceil(chunk.length / 2);
      expect((await call('POST', '/v1/events', { events: chunk.slice(0, half) })).accepted).toBe(half);
      clock.offsetMs += 2_000;
      expect((await call('POST', '/v1/events', { events: chunk.slice(half) })).accepted).toBe(chunk.length - half);
      if (m === 5) continue;
      clock.offsetMs += 40 + (m % 4) * 150;
      await app.tessera.services.pipeline.drain();
    }
    accepted = events.length;
    // Sent again: duplicates. Broken top-ups: quarantined.
    clock.offsetMs = -30_000;
    const again = await call('POST', '/v1/events', { events: events.slice(0, DUPLICATES) });
    expect(again.duplicate).toBe(DUPLICATES);
    const broken = Array.from({ length: REFUSED }, (_, i) =>
      builtinEvent('billing', 'topup', new Date().toISOString(), { msisdn: `+7916999000${i}` }, { amount: 'a lot' }),
    );
    expect((await call('POST', '/v1/events', { events: broken })).quarantined).toBe(REFUSED);
    clock.offsetMs = 0;
    await app.tessera.services.pipeline.drain();

    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const signedIn = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (err) => process.stdout.write(`[overview e2e] page error: ${err.message}\n`));
    await page.goto(baseUrl + '/');
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    return page;
  };

  /** Drawn marks (SVG paths) in a chart's box. */
  const marks = (page: Page, testId: string) => page.getByTestId(testId).locator('svg path').count();

  it('shows the live figures, five charts with text alternatives, and freshness per source', async () => {
    const page = await signedIn();
    const started = Date.now();
    await page.goto(baseUrl + '/');
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    for (const chart of CHARTS) await expect.poll(() => marks(page, chart), { timeout: 10_000 }).toBeGreaterThan(0);
    const chartsMs = Date.now() - started;
    process.stdout.write(`[overview e2e] overview with its five charts drawn ${chartsMs} ms after navigation\n`);
    expect(chartsMs).toBeLessThan(INTERACTIVE_LIMIT_MS);

    // Tiles: the window's outcomes, a rate, the pipeline caught up, a measured latency.
    expect(await page.getByTestId('accepted-total').textContent()).toBe(accepted.toLocaleString('en'));
    expect(await page.getByTestId('duplicate-total').textContent()).toBe(String(DUPLICATES));
    expect(await page.getByTestId('quarantined-total').textContent()).toBe(String(REFUSED));
    expect(Number(await page.getByTestId('events-per-second').textContent())).toBeGreaterThan(0);
    expect(await page.getByTestId('events-behind').textContent()).toBe('0');
    expect(await page.getByTestId('latency-p99').textContent()).toMatch(/^[\d.,]+ (ms|s|min)$/);

    // Each chart is an image whose name carries its figures, and a hidden table holds them.
    const label = (testId: string) => page.getByTestId(testId).getAttribute('aria-label');
    expect(await label('chart-sources')).toMatch(/BSS billing [\d.]+ now, peak [\d.]+ at \d\d:\d\d/);
    expect(await label('chart-outcomes')).toContain(
      `${accepted.toLocaleString('en')} accepted, ${DUPLICATES} duplicate, ${REFUSED} quarantined`,
    );
    expect(await label('chart-latency')).toMatch(new RegExp(`over ${accepted.toLocaleString('en')} events: p50 [\\d.,]+ m?s`));
    expect(await label('chart-pipeline')).toContain(`${accepted.toLocaleString('en')} events processed`);
    expect(await label('chart-freshness')).toMatch(/BSS billing fresh, last event \d+ s ago against an SLA of 15 min/);
    expect(await page.getByRole('table', { name: 'Latency percentiles in milliseconds, per minute' }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /End-to-end latency/ }).count()).toBe(1);
    // Bars are drawn for the outcomes (accepted, duplicate and quarantined series all non-empty).
    expect(await marks(page, 'chart-outcomes')).toBeGreaterThanOrEqual(3);

    const freshness = page.getByRole('table', { name: /Freshness per source/ });
    expect(await freshness.getByRole('row', { name: /BSS billing/ }).textContent()).toContain('fresh');
    expect(await freshness.getByRole('row', { name: /Web traffic/ }).textContent()).toContain('never');

    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('follows new events live, without a reload, and its controls work from the keyboard', async () => {
    const page = await signedIn();
    await page.getByTestId('accepted-total').waitFor();
    await expect.poll(() => page.getByTestId('accepted-total').textContent()).toBe(accepted.toLocaleString('en'));

    // Five new events the pipeline has not taken yet: the backlog shows on the next refetch…
    const late = Array.from({ length: 5 }, (_, i) =>
      builtinEvent('network', 'data_session', new Date().toISOString(), { msisdn: `+7916111${String(i).padStart(4, '0')}` }),
    );
    expect((await call('POST', '/v1/events', { events: late })).accepted).toBe(5);
    accepted += 5;
    await expect.poll(() => page.getByTestId('events-behind').textContent(), { timeout: 15_000 }).toBe('5');
    expect(await page.getByTestId('accepted-total').textContent()).toBe(accepted.toLocaleString('en'));
    // …and is gone once the pipeline has caught up.
    await app.tessera.services.pipeline.drain();
    await expect.poll(() => page.getByTestId('events-behind').textContent(), { timeout: 15_000 }).toBe('0');

    // The window select and the pause button are reachable and usable with the keyboard.
    const windowSelect = page.getByLabel('Window');
    await windowSelect.focus();
    await windowSelect.selectOption({ label: '1 hour' });
    await expect.poll(() => page.getByText('accepted (last 60 min)').count()).toBe(1);
    const pause = page.getByRole('button', { name: 'Pause live updates' });
    await pause.focus();
    await page.keyboard.press('Enter');
    // The button names what it will do next; focus stays on it.
    await page.getByRole('button', { name: 'Resume live updates' }).waitFor();
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Resume live updates');
    expect(await page.getByTestId('overview-updated').textContent()).toContain('paused');
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('overview-updated').textContent()).toContain('every 5 s');
    await page.close();
  }, 60_000);
});
