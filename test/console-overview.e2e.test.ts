import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../src/core/clock.js';
import { builtinEvent } from './builtin-event.js';
import { CHROMIUM, requireChromiumInCi, SCREENSHOTS, signedInPage, startConsoleHarness, type ConsoleHarness } from './console-browser.js';
import { CONSOLE_DEMO_AUDIENCES, consoleDemoEvents } from './console-data.js';
import type { TestApp } from './test-app.js';

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
/** Issue 9: interactive within 1 s; asserted with headroom for a busy 2-core machine. */
const INTERACTIVE_LIMIT_MS = 3_000;
const CHARTS = ['chart-sources', 'chart-outcomes', 'chart-latency', 'chart-pipeline', 'chart-freshness'];

requireChromiumInCi('console overview end-to-end');

/** The system clock moved by an offset the test sets: data "received" minutes ago, then live. */
class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

describe.skipIf(!CHROMIUM)('console overview end to end (chromium)', () => {
  const clock = new ShiftedClock();
  let harness: ConsoleHarness;
  let app: TestApp;
  let accepted = 0;
  const DUPLICATES = 12;
  const REFUSED = 3;

  const call = (method: string, path: string, body: unknown) => harness.call(method, path, body);

  beforeAll(async () => {
    harness = await startConsoleHarness('overview e2e', { clock });
    app = harness.app;

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
  }, 300_000);

  afterAll(async () => {
    await harness?.close();
  });

  const signedIn = (): Promise<Page> => signedInPage(harness, 'overview e2e');

  /** Drawn marks (SVG paths) in a chart's box. */
  const marks = (page: Page, testId: string) => page.getByTestId(testId).locator('svg path').count();

  it('shows the live figures, five charts with text alternatives, and freshness per source', async () => {
    const page = await signedIn();
    const started = Date.now();
    await page.goto(harness.baseUrl + '/');
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
