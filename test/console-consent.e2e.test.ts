import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './backends.js';
import { CHROMIUM, requireChromiumInCi, SCREENSHOTS, signedInPage, type ConsoleHarness } from './console-browser.js';
import { CONSOLE_DEMO_AUDIENCES, consoleDemoEvents, ensureConsoleBuilt } from './console-data.js';
import { WebhookReceiver } from './delivery-receiver.js';
import { ADMIN_KEY, startTestApp } from './test-app.js';

/**
 * The console's consent, subscriptions and account-audience pages in Debian's chromium, against
 * the app on a real port. Everything is set up through the API: a purpose, a notice, two
 * consumers, consent for half the people (and a history with a withdrawal, an expiry and a TCF
 * string for one), an audience export, and two webhook subscriptions to a real receiver on
 * loopback — one whose endpoint fails, one whose endpoint answers 410 Gone — so there are failing
 * deliveries and dead letters to show and replay. Skipped without chromium, failing in CI.
 */
const LOG = 'console consent e2e';
requireChromiumInCi('console consent end-to-end');

/** Dmitry Ivanov of the demo data (person 3): prepaid, a passport, a SIM change. */
const DMITRY = '+79161110003';
const msisdnOf = (i: number) => `+7916111${String(i).padStart(4, '0')}`;
const DAY = 86_400_000;

describe.skipIf(!CHROMIUM)('console consent and subscriptions end to end (chromium)', () => {
  let harness: ConsoleHarness;
  let receiver: WebhookReceiver;
  let exportId = '';
  let exportRecipients = 0;
  let withdrawnAt = '';
  /** What the old endpoint answers: 410 Gone, until it is back. The app endpoint always fails. */
  let goneAnswers = 410;

  beforeAll(async () => {
    const build = ensureConsoleBuilt();
    if (build.built) process.stdout.write(`[${LOG}] built the console in ${build.ms} ms\n`);
    receiver = await WebhookReceiver.start();
    receiver.behaviour = (request) => {
      if (request.path === '/gone') return { status: goneAnswers };
      return { status: 500 };
    };
    // Private targets allowed for the loopback receiver; a quick poll so a replay is sent at once.
    const app = await startTestApp(BACKENDS[0] as (typeof BACKENDS)[number], {
      env: { TESSERA_WEBHOOK_ALLOW_PRIVATE: 'true', TESSERA_WEBHOOK_TIMEOUT_MS: '2000', TESSERA_DELIVERY_POLL_MS: '20' },
    });
    await app.tessera.http.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${(app.tessera.http.server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const answer = (await response.json()) as T;
      expect(response.status, `${method} ${path}: ${JSON.stringify(answer)}`).toBeLessThan(300);
      return answer;
    };
    harness = {
      app,
      baseUrl,
      browser,
      call,
      close: async () => {
        await browser.close();
        await app.close();
      },
    };

    const now = Date.now();
    const at = (days: number) => new Date(now - days * DAY).toISOString();
    await call('POST', '/v1/purposes', {
      code: 'loyalty',
      name: 'Loyalty programme',
      description: 'Points and rewards',
      legalBases: ['gdpr_art6_1b_contract', 'fz152_consent'],
    });
    await call('POST', '/v1/notices', {
      id: 'privacy-notice',
      version: '2026-11',
      language: 'ru',
      title: 'Privacy notice',
      text: 'How the operator uses your data for offers.',
      url: 'https://operator.example/privacy',
      purposes: ['marketing'],
    });
    await call('POST', '/v1/consumers', {
      id: 'campaigns',
      name: 'Campaign tool',
      kind: 'campaign',
      purposes: ['marketing'],
      channels: ['sms', 'email'],
    });
    await call('POST', '/v1/consumers', { id: 'app', name: 'Mobile app', kind: 'app', purposes: ['marketing'], channels: ['app'] });
    // Subscriptions exist before the data arrives: they receive what is written after them.
    for (const [description, path] of [
      ['App pushes', '/hook'],
      ['Old CRM hook', '/gone'],
    ] as const) {
      await call('POST', '/v1/subscriptions', {
        consumerId: 'app',
        description,
        eventTypes: ['audience.entered'],
        transport: 'webhook',
        url: receiver.url(path),
      });
    }
    for (const audience of CONSOLE_DEMO_AUDIENCES) await call('POST', '/v1/audiences', audience);

    const consent = (eventId: string, subject: string, fields: Record<string, unknown>) => ({
      eventId,
      subject,
      purpose: 'marketing',
      jurisdiction: 'RU',
      source: { collectionPoint: 'web-form', channel: 'web' },
      ...fields,
    });
    const smsGrant = {
      channel: 'sms',
      action: 'grant',
      legalBasis: 'fz38_art18_ad_consent',
      proof: { noticeId: 'privacy-notice', noticeVersion: '2026-11' },
    };
    // Advertising SMS consent for every Moscow resident (the even people), some also on the app.
    const events = [];
    for (let i = 0; i < 40; i += 2) {
      events.push(
        consent(`sms-${i}`, `msisdn:${msisdnOf(i)}`, {
          ...smsGrant,
          validFrom: at(50),
          proof: { ...smsGrant.proof, evidenceRef: `FORM-${i}` },
        }),
      );
      if (i % 6 === 0)
        events.push(
          consent(`app-${i}`, `msisdn:${msisdnOf(i)}`, { channel: 'app', action: 'grant', legalBasis: 'fz152_consent', validFrom: at(50) }),
        );
    }
    // Dmitry's history: an SMS grant later withdrawn, an email grant that expired, the app, a TCF string.
    withdrawnAt = at(5);
    events.push(
      consent('d-sms', `msisdn:${DMITRY}`, { ...smsGrant, validFrom: at(40), proof: { ...smsGrant.proof, evidenceRef: 'CALL-0003' } }),
      consent('d-email', `msisdn:${DMITRY}`, {
        channel: 'email',
        action: 'grant',
        legalBasis: 'fz152_consent',
        validFrom: at(30),
        expiresAt: at(10),
      }),
      consent('d-app', `msisdn:${DMITRY}`, { channel: 'app', action: 'grant', legalBasis: 'fz152_consent', validFrom: at(20) }),
      consent('d-ads', `msisdn:${DMITRY}`, {
        purpose: 'third_party_ads',
        channel: 'ads:gvl-755',
        action: 'grant',
        legalBasis: 'gdpr_art6_1a_consent',
        jurisdiction: 'DE',
        source: { collectionPoint: 'cmp', channel: 'web' },
        validFrom: at(15),
        // A string made with the IAB encoder (iabtcf-java's vectors): purposes 2 and 10 consented.
        tcfString: 'COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA',
      }),
      consent('d-sms-withdrawn', `msisdn:${DMITRY}`, {
        channel: 'sms',
        action: 'withdraw',
        legalBasis: 'fz38_art18_ad_consent',
        validFrom: withdrawnAt,
      }),
    );
    await call('POST', '/v1/consents', { events });

    const ingested = await call<{ results: { status: string }[] }>('POST', '/v1/events', { events: consoleDemoEvents(new Date()) });
    expect(ingested.results.filter((r) => r.status !== 'accepted')).toEqual([]);
    await app.tessera.services.pipeline.drain();

    const exported = await call<{ id: string; counts: { members: number; heldOut: number; denied: number } }>(
      'POST',
      '/v1/audiences/aud-moscow/exports',
      { consumerId: 'campaigns', format: 'json', mode: 'full', purpose: 'marketing', channel: 'sms' },
    );
    exportId = exported.id;
    exportRecipients = exported.counts.members - exported.counts.heldOut - exported.counts.denied;
    expect(exportRecipients).toBeGreaterThan(5);

    // The dispatcher as `tessera start` runs it: the app endpoint fails, the old one says 410 Gone.
    app.tessera.delivery.dispatcher.start();
    const subscriptions = await call<{ items: { id: string; description: string; status: string }[] }>('GET', '/v1/subscriptions');
    const byName = (name: string) => subscriptions.items.find((s) => s.description === name)?.id ?? '';
    const waitUntil = async (what: string, check: () => Promise<boolean>) => {
      for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 100)))
        if (Date.now() - started > 20_000) throw new Error(`timed out waiting until ${what}`);
    };
    await waitUntil('a delivery to the app endpoint has failed', async () =>
      (
        await call<{ items: { attempts: number; status: string }[] }>('GET', `/v1/subscriptions/${byName('App pushes')}/deliveries`)
      ).items.some((d) => d.status === 'pending' && d.attempts > 0),
    );
    await waitUntil(
      'the 410 endpoint is disabled',
      async () => (await call<{ status: string }>('GET', `/v1/subscriptions/${byName('Old CRM hook')}`)).status === 'disabled',
    );
  }, 300_000);

  afterAll(async () => {
    await harness?.app.tessera.delivery.dispatcher.stop();
    await harness?.close();
    await receiver?.close();
  });

  const open = (): Promise<Page> => signedInPage(harness, LOG);

  it('shows purposes, notices and consumers, and one subject’s consent history with its state now and in the past', async () => {
    const page = await open();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Consent' }).click();
    await page.getByRole('heading', { name: 'Consent', exact: true }).waitFor();
    await expect.poll(() => page.getByRole('row', { name: /Loyalty programme/ }).textContent()).toContain('contract (GDPR Art. 6(1)(b))');
    expect(await page.getByRole('row', { name: /Privacy notice/ }).textContent()).toContain('2026-11');
    expect(await page.getByRole('row', { name: /Campaign tool/ }).textContent()).toContain('email, sms');

    // Keyboard only: a non-normalised MSISDN, Enter.
    await page.getByLabel('Subject type').selectOption('msisdn');
    await page.getByLabel('Subject value').fill('8 916 111-00-03');
    await page.getByLabel('Subject value').press('Enter');
    await page.getByRole('heading', { name: `Consent of msisdn:${DMITRY}` }).waitFor();
    const state = page.getByRole('table', { name: 'Current consent' });
    await expect.poll(() => state.getByRole('row', { name: /^marketing sms/ }).textContent()).toContain('withdrawn');
    expect(await state.getByRole('row', { name: /^marketing app/ }).textContent()).toContain('valid consent');
    expect(await state.getByRole('row', { name: /^marketing email/ }).textContent()).toContain('expired');
    const history = page.getByRole('table', { name: 'Consent history' });
    expect(await history.locator('tbody tr').count()).toBe(5);
    expect(await history.locator('tbody tr[data-action="withdraw"]').textContent()).toContain('withdrew');
    expect(await history.locator('tbody tr', { hasText: 'd-email' }).textContent()).toMatch(/granted, expired/);
    expect(await history.locator('tbody tr', { hasText: 'd-sms' }).first().textContent()).toContain('notice privacy-notice v2026-11');
    expect(await page.getByTestId('chain').textContent()).toMatch(/Hash chain intact: 5 events/);
    // The person the number belongs to, whose other subjects the exits read too.
    await expect.poll(() => page.getByRole('link', { name: /^profile:p_/ }).count()).toBe(1);

    // The TC string, decoded in the page.
    await page.getByText('TCF string').click();
    await expect.poll(() => page.getByTestId('tcf-purposes').textContent()).toBe('2, 10');
    await page.screenshot({ path: join(SCREENSHOTS, 'consent.png'), fullPage: true });

    // The state a day before the withdrawal: the SMS grant held.
    const before = new Date(Date.parse(withdrawnAt) - DAY).toISOString().slice(0, 16);
    await page.getByLabel('State as of (UTC)').fill(before);
    await page.getByRole('button', { name: 'Show state then' }).click();
    await page.waitForURL(/asOf=/);
    await expect.poll(() => state.getByRole('row', { name: /^marketing sms/ }).textContent()).toContain('valid consent');
    await page.close();
  }, 60_000);

  it('opens the legal-basis report of an export: every recipient with its consent event and notice', async () => {
    const page = await open();
    await page.goto(harness.baseUrl + '/consent');
    await page.getByLabel('Export or campaign id').fill(exportId);
    await page.getByRole('button', { name: 'Open the legal-basis report' }).click();
    await page.getByRole('heading', { name: `Legal-basis report ${exportId}` }).waitFor();
    await expect.poll(() => page.getByTestId('recipient-count').textContent()).toBe(String(exportRecipients));
    expect(await page.getByTestId('statement').textContent()).not.toBe('');
    expect(
      await page
        .getByRole('row', { name: /advertising consent \(38-FZ Art. 18\(1\)\)/ })
        .first()
        .textContent(),
    ).toContain(String(exportRecipients));
    const recipients = page.getByRole('table', { name: 'Recipients', exact: true });
    expect(await recipients.locator('tbody tr').count()).toBe(exportRecipients);
    const first = await recipients.locator('tbody tr').first().textContent();
    expect(first).toContain('Privacy notice');
    expect(first).toMatch(/msisdn:\+7916111\d{4}/);
    expect(first).toMatch(/FORM-\d+/);
    await page.screenshot({ path: join(SCREENSHOTS, 'legal-basis-report.png'), fullPage: true });

    // From a recipient to its subject's history, where the person's disclosure log leads back to the report.
    await recipients
      .locator('tbody tr')
      .first()
      .getByRole('link', { name: /^msisdn:/ })
      .click();
    await page.getByRole('heading', { name: /^Consent of msisdn:/ }).waitFor();
    const disclosures = page.getByRole('table', { name: 'Disclosures' });
    await expect.poll(() => disclosures.getByRole('row', { name: /audience export/ }).count()).toBe(1);
    expect(await disclosures.textContent()).toContain('marketing / sms');
    await disclosures.getByRole('link', { name: `legal-basis report ${exportId}` }).click();
    await page.getByRole('heading', { name: `Legal-basis report ${exportId}` }).waitFor();
    await page.close();
  }, 60_000);

  it('shows endpoints with their status and failures, replays a dead letter and sees it delivered, then a time range; rotates the secret', async () => {
    const page = await open();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Subscriptions' }).click();
    const appRow = page.getByRole('row', { name: /App pushes/ });
    const goneRow = page.getByRole('row', { name: /Old CRM hook/ });
    await expect.poll(() => appRow.getByTestId('endpoint-health').textContent()).toBe('failing');
    await expect.poll(() => goneRow.getByTestId('endpoint-health').textContent()).toBe('disabled');
    expect(await goneRow.textContent()).toContain('410 Gone');

    // The failing endpoint: the endpoint's answer, the attempts and when the next retry is due.
    await appRow.getByRole('link', { name: 'App pushes' }).click();
    await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
    const failing = page
      .getByTestId('delivery')
      .filter({ has: page.getByTestId('delivery-state').getByText('failing', { exact: true }) })
      .first();
    await expect.poll(() => failing.textContent()).toContain('HTTP 500');
    expect(await failing.textContent()).toMatch(/UTC.*UTC/); // last attempt, next retry
    expect(await failing.getByRole('button').count()).toBe(0); // retried on its schedule
    expect(await page.getByTestId('delivery').filter({ hasText: 'suppressed by policy' }).count()).toBeGreaterThan(0);

    // Rotation: the new secret is shown once; the old one keeps signing for the grace period.
    await page.getByLabel('Old secret keeps signing for (seconds)').fill('600');
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await expect.poll(() => page.getByTestId('new-secret').textContent()).toMatch(/^whsec_/);
    await expect.poll(() => page.getByRole('region', { name: 'Signing secret' }).locator('li').count()).toBe(2);
    await page.getByRole('button', { name: 'Hide it' }).click();
    expect(await page.getByTestId('new-secret').count()).toBe(0);

    // The endpoint that answered 410 Gone: its deliveries are dead letters; it is back, so enable it.
    await page.getByRole('link', { name: 'All subscriptions' }).click();
    await goneRow.getByRole('link', { name: 'Old CRM hook' }).click();
    await expect.poll(() => page.getByTestId('subscription-status').textContent()).toBe('disabled');
    await page.getByLabel('Show').selectOption({ label: 'dead letters' });
    const gone = page.getByTestId('delivery').filter({ hasText: 'HTTP 410' }).first();
    await expect.poll(() => gone.getByTestId('delivery-state').textContent()).toBe('dead letter');
    const dead = await page.getByTestId('delivery').count();
    const messageId = (await gone.locator('th [title="webhook-id"]').textContent()) ?? '';
    expect(messageId).toMatch(/^ob_/);
    goneAnswers = 204;
    await page.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => page.getByTestId('subscription-status').textContent()).toBe('active');

    // One dead letter again, under its webhook-id: delivered.
    await page.getByLabel('Show').selectOption({ label: 'all' });
    const replayed = page.getByTestId('delivery').filter({ hasText: messageId });
    await replayed.getByRole('button', { name: /^Replay delivery \d+$/ }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: messageId }).textContent()).toContain('queued to be sent again');
    await expect.poll(() => replayed.getByTestId('delivery-state').textContent(), { timeout: 15_000 }).toBe('delivered');
    // The same message (webhook-id) twice at the old endpoint: the 410, then the replay.
    expect(receiver.received.filter((r) => r.path === '/gone' && r.headers['webhook-id'] === messageId)).toHaveLength(2);
    await page.screenshot({ path: join(SCREENSHOTS, 'subscriptions.png'), fullPage: true });

    // Then every other dead letter since yesterday: each is delivered, or suppressed when the person has no consent for the app.
    await page.getByRole('button', { name: 'Replay dead letters' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'dead letter' }).textContent())
      .toBe(`${dead - 1} dead letter${dead - 1 === 1 ? '' : 's'} queued to be sent again.`);
    await page.getByLabel('Show').selectOption({ label: 'dead letters' });
    await expect.poll(() => page.getByText('No deliveries with this status.').isVisible(), { timeout: 15_000 }).toBe(true);
    await page.getByRole('link', { name: 'All subscriptions' }).click();
    await expect.poll(() => goneRow.getByTestId('endpoint-health').textContent(), { timeout: 10_000 }).toBe('active');
    await page.close();
  }, 90_000);

  it('builds an account audience with a members group (ANY / ALL / NONE of the members) and sees its count', async () => {
    const page = await open();
    await page.goto(harness.baseUrl + '/audiences/new');
    await page.getByLabel('Name').fill('Families with a postpaid line');
    await page.getByLabel('Selects').selectOption('account');
    await page.getByRole('button', { name: '+ Group' }).first().click();
    // A new group of an account audience is a members group: ANY of the members, on person fields.
    const quantifier = page.getByLabel('Group 1 applies to');
    await expect.poll(() => quantifier.inputValue()).toBe('any');
    const memberRule = page.locator('.ruleGroup .ruleGroup .rule').first();
    const fieldLabels = await memberRule.locator('select.rule-fields option').allTextContents();
    expect(fieldLabels).toContain('plan type');
    expect(fieldLabels).not.toContain('number of members');
    await memberRule.locator('select.rule-fields').selectOption({ label: 'plan type' });
    await memberRule.locator('.rule-value').selectOption('postpaid');
    // 14 accounts of up to three people; every account but the last (one prepaid person) has a postpaid line.
    await expect.poll(() => page.getByTestId('count-value').textContent(), { timeout: 10_000 }).toBe('13');
    expect(await page.getByTestId('live-count').textContent()).toContain('of 14 accounts');
    expect(await page.getByTestId('summary').textContent()).toMatch(/postpaid/);
    await quantifier.selectOption('all');
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('0');
    await quantifier.selectOption('none');
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('1');
    await quantifier.selectOption('any');
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('13');
    // A rule added inside the group starts on a person field; membership there is of person audiences.
    const group = page.locator('.ruleGroup .ruleGroup').first();
    await group.getByRole('button', { name: '+ Rule' }).click();
    const second = group.locator('.rule').nth(1);
    expect(await second.locator('select.rule-fields option').allTextContents()).toContain('plan type');
    await second.locator('select.rule-fields').selectOption({ label: 'member of audience' });
    const audienceChoices = await second.getByLabel('Audience').locator('option').allTextContents();
    expect(audienceChoices).toContain('Prepaid toppers (aud-prepaid-toppers)');
    await second.getByLabel('Audience').selectOption('aud-prepaid-toppers');
    // No one is both postpaid and a prepaid topper; either of them holds in every account.
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('0');
    await group.locator('select.ruleGroup-combinators').selectOption('or');
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('14');
    expect(await page.getByTestId('summary').textContent()).toMatch(/Prepaid toppers/);
    await second.getByRole('button', { name: /Remove|⨯|×/ }).click();
    await group.locator('select.ruleGroup-combinators').selectOption('and');
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('13');
    // An account-level condition beside it, outside the group: the account's own fields.
    await page.getByRole('button', { name: '+ Rule' }).first().click();
    const accountRule = page.locator('.queryBuilder > .ruleGroup > .ruleGroup-body > .rule').first();
    const accountLabels = await accountRule.locator('select.rule-fields option').allTextContents();
    expect(accountLabels).not.toContain('plan type');
    await accountRule.locator('select.rule-fields').selectOption({ label: 'number of members' });
    await accountRule.locator('select.rule-operators').selectOption({ label: '≥' });
    await accountRule.locator('.rule-value').fill('3');
    await expect.poll(() => page.getByTestId('count-value').textContent()).toBe('13');

    const preview = await harness.call<{ count: number }>('POST', '/v1/audiences/preview', {
      entity: 'account',
      rule: {
        combinator: 'and',
        rules: [{ combinator: 'and', members: 'any', rules: [{ field: 'traits.planType', operator: '=', value: 'postpaid' }] }],
      },
    });
    expect(preview.count).toBe(13);
    await page.getByRole('button', { name: 'Save as new audience' }).click();
    await page.waitForURL(/\/audiences\/[0-9A-Z]{26}$/);
    await page.getByRole('heading', { name: /Saved version 1/ }).waitFor();
    await page.getByTestId('count-value').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'audience-members-group.png'), fullPage: true });
    const saved = await harness.call<{ entity: string; definition: { rule: unknown } }>(
      'GET',
      `/v1/audiences/${page.url().split('/').pop()}`,
    );
    expect(saved.entity).toBe('account');
    expect(saved.definition.rule).toEqual({
      combinator: 'and',
      rules: [
        { combinator: 'and', members: 'any', rules: [{ field: 'traits.planType', operator: '=', value: 'postpaid' }] },
        { field: 'members.count', operator: '>=', value: '3' },
      ],
    });
    // Reopened, the group keeps its quantifier.
    await expect.poll(() => page.getByLabel('Group 1 applies to').inputValue()).toBe('any');
    await page.close();
  }, 90_000);
});
