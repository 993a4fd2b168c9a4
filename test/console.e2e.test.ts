import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, requireChromiumInCi, SCREENSHOTS, signedInPage, startConsoleHarness, type ConsoleHarness } from './console-browser.js';
import { CONSOLE_DEMO_AUDIENCES, CONSOLE_DEMO_MSISDN, consoleDemoEvents } from './console-data.js';
import { ADMIN_KEY, type TestApp } from './test-app.js';

/**
 * The console in a real browser: Debian's chromium driven by playwright-core, against the app
 * listening on a port with demo-like data loaded through the API. Each test saves a screenshot
 * under test-results/ — under docs/screenshots/, which the README shows, when
 * TESSERA_UPDATE_SCREENSHOTS=1 — and logs how fast the page was usable.
 *
 * Without a chromium binary (TESSERA_TEST_CHROMIUM when set, else /usr/bin/chromium) the suite is SKIPPED
 * with a notice; in CI (CI=true) a missing browser is an error: .ci/run installs it.
 */

/** The targets of issue 9 (interactive within 1 s, count within 300 ms of an edit), asserted with headroom for a busy 2-core machine. */
const INTERACTIVE_LIMIT_MS = 3_000;
const COUNT_LIMIT_MS = 1_000;

requireChromiumInCi('console end-to-end');

describe.skipIf(!CHROMIUM)('console end to end (chromium)', () => {
  let harness: ConsoleHarness;
  let app: TestApp;
  let baseUrl: string;
  let browser: Browser;
  let eventsLoaded = 0;

  beforeAll(async () => {
    harness = await startConsoleHarness('console e2e');
    ({ app, baseUrl, browser } = harness);
    const call = (method: string, path: string, body: unknown) => harness.call(method, path, body);
    for (const audience of CONSOLE_DEMO_AUDIENCES) await call('POST', '/v1/audiences', audience);
    const events = consoleDemoEvents(new Date());
    eventsLoaded = events.length;
    const ingested = await call('POST', '/v1/events', { events });
    const refused = (ingested.results as { status: string }[]).filter((r) => r.status !== 'accepted');
    expect(refused, JSON.stringify(refused)).toEqual([]);
    await app.tessera.services.pipeline.drain();
  }, 300_000);

  afterAll(async () => {
    await harness?.close();
  });

  /** A fresh tab, signed in through the sign-in page. */
  const signedIn = (): Promise<Page> => signedInPage(harness, 'console e2e');

  it('signs in with an API key only: a wrong key is refused, the server answers the console for any page path', async () => {
    const page = await browser.newPage();
    const started = Date.now();
    await page.goto(baseUrl + '/audiences/new');
    await page.getByLabel('API key').waitFor();
    const coldMs = Date.now() - started;
    process.stdout.write(`[console e2e] sign-in page (cold, nothing cached): interactive ${coldMs} ms after navigation\n`);
    expect(coldMs).toBeLessThan(INTERACTIVE_LIMIT_MS);
    await page.getByLabel('API key').fill('not-a-key');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    expect(await page.evaluate("sessionStorage.getItem('tessera.apiKey')")).toBeNull();
    // The API keeps its JSON 404s beside the console's fallback.
    const missing = await fetch(baseUrl + '/v1/nothing', { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    await page.close();
  });

  it('moves between the pages with the keyboard: overview, audiences, sources', async () => {
    const page = await signedIn();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    // Skip link, brand-less nav: Overview, Profiles, Audiences.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Audiences');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Prepaid toppers' }).waitFor();
    expect(await page.getByRole('link', { name: 'Audiences' }).getAttribute('aria-current')).toBe('page');
    expect(await page.getByRole('row', { name: /Moscow residents/ }).textContent()).toContain('10%');

    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByRole('heading', { name: 'Sources and contracts' }).waitFor();
    await expect.poll(() => page.locator('details').count()).toBeGreaterThanOrEqual(5);
    expect(await page.getByText('Nothing in quarantine.').isVisible()).toBe(true);

    await page.getByRole('link', { name: 'Overview' }).click();
    await expect.poll(() => page.getByTestId('accepted-total').textContent()).toBe(String(eventsLoaded));
    await page.close();
  }, 60_000);

  it('finds a profile by MSISDN and shows its card, audiences, identity graph and timeline', async () => {
    const page = await signedIn();
    const started = Date.now();
    await page.goto(baseUrl + '/profiles');
    await page.getByLabel('Value').waitFor();
    const interactiveMs = Date.now() - started;

    // Keyboard only: choose the type, type the number, press Enter.
    await page.getByLabel('Search by').selectOption('msisdn');
    await page.getByLabel('Value').fill('8 916 111-00-03');
    await page.getByLabel('Value').press('Enter');
    await page.waitForURL(/\/profiles\/p_/);
    const profileStarted = Date.now();
    await page.getByRole('heading', { name: 'Dmitry Ivanov' }).waitFor();
    await expect.poll(() => page.getByTestId('identity-node').count()).toBeGreaterThanOrEqual(5);
    const profileMs = Date.now() - profileStarted;

    const graph = page.getByRole('img', { name: /Identity graph/ });
    expect(await graph.getAttribute('aria-label')).toMatch(/\d+ identifiers and 1 accounts/);
    for (const value of [CONSOLE_DEMO_MSISDN, /passport4510 ?123456/, 'u-1003', '250010987650003']) {
      await expect
        .poll(() => page.getByTestId('identity-node').filter({ hasText: value }).count(), { message: String(value) })
        .toBeGreaterThan(0);
    }
    // Household relations: the two other people of the family account, each a link to their profile.
    await expect.poll(() => page.getByTestId('household-node').count()).toBe(2);
    expect(await graph.getAttribute('aria-label')).toContain('2 other people on them');
    // The SIM change ended the old SIM's link: its validity is shown.
    await expect.poll(() => page.getByRole('row', { name: /iccid 8970101200000000003/ }).textContent()).toMatch(/UTC/);
    // Audiences with explanations: a prepaid person who topped up 3 times is a member.
    const toppers = page.locator('details', { hasText: 'Prepaid toppers' });
    await expect.poll(() => toppers.locator('summary').textContent()).toContain('member');
    expect(await toppers.locator('summary').textContent()).not.toContain('not a member');
    // The person's consent now (no record in this data: every purpose denied, said in words).
    await expect.poll(() => page.getByRole('region', { name: 'Consent' }).textContent()).toContain('every purpose is denied');
    // Aggregates with a sparkline of their last 30 days, named in words.
    await expect.poll(() => page.getByRole('img', { name: /Amount topped up, last 30 days: highest/ }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('heading', { name: 'Timeline' }).isVisible()).toBe(true);
    await expect.poll(() => page.locator('.timeline li').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('.timeline').textContent()).toContain('network/sim_change');
    // Keyboard navigation reaches the graph's nodes.
    await page.getByTestId('identity-node').first().focus();
    expect(await page.evaluate("document.activeElement?.getAttribute('aria-label')")).toMatch(/linked by/);

    await page.screenshot({ path: join(SCREENSHOTS, 'profile-explorer.png'), fullPage: true });
    // An account is a relation, not an identifier: searching one lists its people (a family of three).
    await page.getByLabel('Search by').selectOption('accountId');
    await page.getByLabel('Value').fill('A-101');
    await page.getByLabel('Value').press('Enter');
    await expect.poll(() => page.getByRole('search').getByRole('link').count()).toBe(3);
    expect(await page.getByRole('search').textContent()).toContain('Account A-101 has 3 people');
    process.stdout.write(
      `[console e2e] profile explorer: interactive ${interactiveMs} ms after navigation, profile with graph shown ${profileMs} ms after the search\n`,
    );
    expect(interactiveMs).toBeLessThan(INTERACTIVE_LIMIT_MS);
    await page.close();
  }, 60_000);

  it('builds an audience, sees its exact count follow each edit, and saves it', async () => {
    const page = await signedIn();
    const started = Date.now();
    await page.goto(baseUrl + '/audiences/new');
    const addRule = page.getByRole('button', { name: /Rule/ }).first();
    await addRule.waitFor();
    const interactiveMs = Date.now() - started;

    // Times from the DOM event of an edit to the count on screen changing, measured in the page
    // (browser code as text: this file is type-checked without the DOM library).
    await page.evaluate(`(() => {
      const stamp = () => (window.editAt = performance.now());
      for (const type of ['input', 'change', 'click']) document.addEventListener(type, stamp, true);
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="count-value"]')?.textContent ?? undefined;
        if (text !== undefined && text !== window.lastCount) {
          window.lastCount = text;
          window.countAt = performance.now();
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    const countAfter = async (edit: () => Promise<void>, expected: string): Promise<number> => {
      await edit();
      await expect.poll(() => page.getByTestId('count-value').textContent(), { timeout: 10_000 }).toBe(expected);
      return page.evaluate<number>('Math.round(window.countAt - window.editAt)');
    };

    await page.getByLabel('Name').fill('Prepaid Moscow toppers');
    const rules = page.locator('.rule');
    const latencies: number[] = [];
    // 1. plan type = prepaid: 27 of the 40 people.
    latencies.push(
      await countAfter(async () => {
        await addRule.click();
        await rules.nth(0).locator('select.rule-fields').selectOption({ label: 'plan type' });
      }, '27'),
    );
    // 2. and home region = RU-MOW.
    latencies.push(
      await countAfter(async () => {
        await addRule.click();
        await rules.nth(1).locator('select.rule-fields').selectOption({ label: 'home region' });
        await rules.nth(1).locator('.rule-value').fill('RU-MOW');
      }, '14'),
    );
    // 3. and topped up at least 2 times in the last 30 days.
    latencies.push(
      await countAfter(async () => {
        await addRule.click();
        await rules.nth(2).locator('select.rule-fields').selectOption({ label: 'event in a time window' });
        await rules.nth(2).getByLabel('Event type').selectOption('billing/topup');
        await rules.nth(2).getByLabel('Number of times').fill('2');
      }, '8'),
    );
    // 4. an edit of the count alone: at least 3 times.
    latencies.push(await countAfter(() => rules.nth(2).getByLabel('Number of times').fill('3'), '5'));
    expect(await page.getByTestId('summary').textContent()).toBe(
      'People whose plan type is prepaid and whose home region is RU-MOW and who topped up at least 3 times in the last 30 days',
    );
    expect(await page.getByTestId('took-ms').textContent()).toMatch(/counted in \d+ ms/);
    // A property filter on the counted events: the count is the API's for the same rule.
    await rules.nth(2).getByRole('button', { name: '+ property filter' }).click();
    await rules.nth(2).getByLabel('Property', { exact: true }).selectOption('amount.value');
    await rules.nth(2).getByLabel('Property operator').selectOption('>=');
    await rules.nth(2).getByLabel('Property value').fill('300');
    const filtered = (await (
      await fetch(`${baseUrl}/v1/audiences/preview`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          entity: 'person',
          rule: {
            combinator: 'and',
            rules: [
              { field: 'traits.planType', operator: '=', value: 'prepaid' },
              { field: 'traits.homeRegion', operator: '=', value: 'RU-MOW' },
              {
                field: 'event',
                operator: 'performed',
                eventType: 'billing/topup',
                propertyFilters: [{ field: 'amount.value', operator: '>=', value: 300 }],
                count: { op: 'atLeast', n: 3 },
                window: { lastDays: 30 },
              },
            ],
          },
        }),
      })
    ).json()) as { count: number };
    expect(filtered.count).toBeLessThan(5);
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe(String(filtered.count));
    expect(await page.getByTestId('summary').textContent()).toContain('amount');
    await rules.nth(2).getByRole('button', { name: 'Remove property filter 1' }).click();
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('5');
    // An operator that does not apply is explained, not counted.
    await rules.nth(0).locator('select.rule-operators').selectOption({ label: 'is empty' });
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('0');
    await rules.nth(0).locator('select.rule-operators').selectOption({ label: '=' });
    await rules.nth(0).locator('.rule-value').selectOption('prepaid');
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('5');

    await page.getByRole('radio', { name: 'scheduled' }).check();
    await page.getByLabel('Minutes between runs').fill('30');
    await page.getByLabel('Holdout %').fill('5');
    await page.getByRole('button', { name: 'Save as new audience' }).click();
    await page.waitForURL(/\/audiences\/[0-9A-Z]{26}$/);
    await page.getByRole('heading', { name: /Saved version 1/ }).waitFor();
    await expect.poll(() => page.locator('table', { hasText: 'Alone' }).locator('tbody tr').count()).toBe(3);
    await page.getByLabel('Overlap with').selectOption({ label: 'Moscow residents' });
    await expect.poll(() => page.getByTestId('overlap').textContent()).toMatch(/Both: 5/);
    await page.getByTestId('count-value').waitFor();

    const saved = (await (
      await fetch(`${baseUrl}/v1/audiences/${page.url().split('/').pop()}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).json()) as { mode: string; schedule: unknown; holdoutPercent: number; definition: { rule: { rules: unknown[] } } };
    expect(saved).toMatchObject({ mode: 'scheduled', schedule: { everyMinutes: 30 }, holdoutPercent: 5 });
    expect(saved.definition.rule.rules[2]).toEqual({
      field: 'event',
      operator: 'performed',
      eventType: 'billing/topup',
      count: { op: 'atLeast', n: 3 },
      window: { lastDays: 30 },
    });

    await page.screenshot({ path: join(SCREENSHOTS, 'audience-builder.png'), fullPage: true });
    process.stdout.write(
      `[console e2e] audience builder: interactive ${interactiveMs} ms after navigation; count on screen ${latencies.join(', ')} ms after each edit (120 ms debounce included)\n`,
    );
    expect(interactiveMs).toBeLessThan(INTERACTIVE_LIMIT_MS);
    for (const latency of latencies) expect(latency).toBeLessThan(COUNT_LIMIT_MS);
    await page.close();
  }, 90_000);
});
