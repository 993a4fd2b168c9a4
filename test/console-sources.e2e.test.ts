import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, requireChromiumInCi, SCREENSHOTS, signedInPage, startConsoleHarness, type ConsoleHarness } from './console-browser.js';

/**
 * Sources and contracts in a real browser (issue 9, page 2): a source with its owner, freshness,
 * schema versions, the diff between two of them, its compatibility mode changed and its drift;
 * then the quarantine browser: a bulk replay after a schema fix, and one event fixed and replayed
 * by hand, checked through the API in the event log and on the person's timeline.
 * Saves `sources.png` and `quarantine-replay.png`. Labelled controls and the keyboard only, where
 * a user could: that is the accessibility check.
 */
const LOG = 'console sources e2e';
/** Issue 9's target is 1 s; asserted with headroom for a busy 2-core machine, as in console.e2e.test.ts. */
const INTERACTIVE_LIMIT_MS = 3_000;
const MSISDN = '+79161112233';

const contract = (extra: Record<string, unknown>) => ({
  type: 'points_earned',
  description: 'Loyalty points earned by a subscriber',
  schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    properties: { msisdn: { type: 'string' }, points: { type: 'integer', minimum: 0 }, ...extra },
    required: ['msisdn', 'points'],
  },
  identifierMappings: { msisdn: 'msisdn' },
  classifications: {
    msisdn: 'identifier',
    points: 'behavioural',
    ...Object.fromEntries(Object.keys(extra).map((k) => [k, 'behavioural'])),
  },
});
const earned = (eventId: string, properties: Record<string, unknown>) => ({
  source: 'loyalty',
  type: 'points_earned',
  eventId,
  occurredAt: new Date(Date.now() - 60_000).toISOString(),
  properties: { msisdn: MSISDN, points: 10, ...properties },
});

requireChromiumInCi('console sources end-to-end');

describe.skipIf(!CHROMIUM)('console: sources, contracts and the quarantine (chromium)', () => {
  let harness: ConsoleHarness;
  const quarantineIds = new Map<string, string>();

  beforeAll(async () => {
    harness = await startConsoleHarness(LOG);
    const { call } = harness;
    await call('POST', '/v1/sources', {
      id: 'loyalty',
      name: 'Loyalty programme',
      owner: 'Irina Volkova (loyalty team)',
      description: 'Points earned and spent',
      freshnessSlaSeconds: 3600,
      eventTypes: [contract({})],
    });
    // v1 is closed: events that carry a campaign are refused until v2 declares it.
    const sent = await call<{ results: { eventId: string; status: string; quarantineId?: string }[] }>('POST', '/v1/events', {
      events: [
        earned('l-1', {}),
        earned('l-2', { points: -5 }),
        earned('l-3', { campaign: 'winter' }),
        earned('l-4', { campaign: 'spring' }),
      ],
    });
    expect(sent.results.map((r) => r.status)).toEqual(['accepted', 'quarantined', 'quarantined', 'quarantined']);
    for (const r of sent.results) if (r.quarantineId) quarantineIds.set(r.eventId, r.quarantineId);
    await call('POST', '/v1/sources/loyalty/schemas', contract({ campaign: { type: 'string', maxLength: 40 } }));
  }, 300_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('shows a source with its owner, freshness, versions, a readable diff, its mode and its drift', async () => {
    const page = await signedInPage(harness, LOG);
    const started = Date.now();
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByRole('heading', { name: 'Sources and contracts' }).waitFor();
    await page.locator('details', { hasText: 'Loyalty programme' }).waitFor();
    const interactiveMs = Date.now() - started;
    process.stdout.write(`[${LOG}] sources: every source on screen ${interactiveMs} ms after the click\n`);
    expect(interactiveMs).toBeLessThan(INTERACTIVE_LIMIT_MS);
    // Every drift signal of every source, on the index: v1 did not declare `campaign`.
    const drift = page.getByRole('region', { name: 'Contract drift' });
    await expect.poll(() => drift.getByRole('row', { name: /\/campaign/ }).count()).toBe(1);
    expect(await drift.getByRole('row', { name: /\/campaign/ }).textContent()).toContain('undeclared field');
    const card = page.locator('details', { hasText: 'Loyalty programme' });
    expect(await card.locator('summary').textContent()).toMatch(/owner Irina Volkova.*fresh.*SLA 1 h/);
    // Keyboard: open the card, follow its link.
    await card.locator('summary').focus();
    await page.keyboard.press('Enter');
    await card.getByRole('link', { name: /Contracts, versions and drift of Loyalty programme/ }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/sources\/loyalty$/);
    await page.getByRole('heading', { name: 'Loyalty programme', level: 1 }).waitFor();
    expect(await page.getByTestId('source-owner').textContent()).toBe('Irina Volkova (loyalty team)');
    await expect
      .poll(() =>
        page
          .getByRole('row', { name: /points_earned/ })
          .first()
          .textContent(),
      )
      .toMatch(/v1\s*v2/);

    // The diff opens on the latest two versions of the first type with two.
    const diff = page.getByTestId('schema-diff');
    await expect.poll(() => diff.textContent()).toContain('points_earned v1 → v2');
    expect(await diff.textContent()).toContain("optional field 'campaign' was added");
    expect(await diff.locator('.change-added').count()).toBe(1);
    expect(await diff.getByRole('row', { name: /^campaign/ }).textContent()).toMatch(/—.*string, length ≤ 40.*added/);
    expect(await diff.getByRole('row', { name: /^points/ }).textContent()).toContain('unchanged');
    // Comparing a version with itself, chosen with the labelled select.
    await page.getByLabel('From version').selectOption('2');
    await expect.poll(() => diff.textContent()).toContain('no structural change');
    await page.getByLabel('From version').selectOption('1');
    await expect.poll(() => diff.textContent()).toContain('Compatible under BACKWARD');

    // The compatibility mode, shown and changed: FULL would refuse v2's change, the diff says so.
    const mode = page.getByLabel('Compatibility mode of points_earned');
    expect(await mode.inputValue()).toBe('BACKWARD');
    await mode.selectOption('FULL');
    await page.getByRole('button', { name: 'Save the mode of points_earned' }).press('Enter');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'saved' }).count()).toBe(1);
    const stored = await harness.call<{ items: { type: string; compatibility: string }[] }>('GET', '/v1/sources/loyalty/schemas');
    expect(stored.items.find((t) => t.type === 'points_earned')?.compatibility).toBe('FULL');
    await expect.poll(() => diff.textContent()).toContain('1 would break FULL');

    // A new version, edited from v2: an optional `tier`. Under FULL the check says it breaks the
    // mode and the server refuses it; under BACKWARD again it is registered as v3.
    const contractEditor = page.getByLabel('Contract of the new version (JSON)');
    const draft = JSON.parse(await contractEditor.inputValue()) as {
      schema: { properties: Record<string, unknown> };
      classifications: Record<string, string>;
    };
    expect(Object.keys(draft.schema.properties)).toEqual(['msisdn', 'points', 'campaign']);
    draft.schema.properties.tier = { type: 'string', enum: ['silver', 'gold'] };
    draft.classifications.tier = 'behavioural';
    await contractEditor.fill(JSON.stringify(draft, null, 2));
    await page.getByRole('button', { name: 'Check compatibility' }).press('Enter');
    const checked = page.getByTestId('compatibility-check');
    await expect.poll(() => checked.textContent()).toContain('Not FULL-compatible with v2: 1 change breaks it.');
    expect(await checked.textContent()).toContain("optional field 'tier' was added");
    await page.getByRole('button', { name: 'Register as v3' }).click();
    const refusedVersion = page.getByRole('alert').filter({ hasText: 'The server refused the version' });
    await expect.poll(() => refusedVersion.textContent()).toContain('INCOMPATIBLE_SCHEMA');
    expect(await refusedVersion.textContent()).toContain('/tier');
    await mode.selectOption('BACKWARD');
    await page.getByRole('button', { name: 'Save the mode of points_earned' }).click();
    await expect
      .poll(
        async () =>
          (await harness.call<{ items: { compatibility: string }[] }>('GET', '/v1/sources/loyalty/schemas')).items[0]?.compatibility,
      )
      .toBe('BACKWARD');
    await page.getByRole('button', { name: 'Register as v3' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Registered points_earned v3.' }).count()).toBe(1);
    await expect
      .poll(() =>
        page
          .getByRole('row', { name: /points_earned/ })
          .first()
          .textContent(),
      )
      .toMatch(/v1\s*v2\s*v3/);
    const v3 = await harness.call<{ items: { latestVersion: number; versions: { schema: { properties: Record<string, unknown> } }[] }[] }>(
      'GET',
      '/v1/sources/loyalty/schemas',
    );
    expect(v3.items[0]?.latestVersion).toBe(3);
    expect(Object.keys(v3.items[0]?.versions[2]?.schema.properties ?? {})).toContain('tier');

    const sourceDrift = page.getByRole('region', { name: 'Contract drift' });
    expect(await sourceDrift.getByRole('row', { name: /\/campaign/ }).textContent()).toContain('v1');
    await page.screenshot({ path: join(SCREENSHOTS, 'sources.png'), fullPage: true });
    await page.close();
  }, 90_000);

  it('replays a selection after the schema fix, then fixes one event by hand and replays it', async () => {
    const page = await signedInPage(harness, LOG);
    await page.goto(harness.baseUrl + '/sources/loyalty');
    const started = Date.now();
    await page.getByRole('link', { name: 'open in quarantine' }).click();
    await page.getByRole('heading', { name: 'Quarantine', level: 1 }).waitFor();
    const entries = page.getByRole('region', { name: 'Entries' });
    await entries.getByRole('link', { name: 'loyalty/points_earned l-2' }).waitFor();
    const interactiveMs = Date.now() - started;
    process.stdout.write(`[${LOG}] quarantine browser: entries on screen ${interactiveMs} ms after the click\n`);
    expect(interactiveMs).toBeLessThan(INTERACTIVE_LIMIT_MS);
    expect(await page.getByLabel('Source').inputValue()).toBe('loyalty');
    await expect.poll(() => entries.getByRole('row').count()).toBe(4); // header + 3 entries

    // Filter by reason: all three are schema violations; none is an unknown source.
    await page.getByLabel('Reason').selectOption('UNKNOWN_SOURCE');
    await expect.poll(() => entries.textContent()).toContain('No entry matches.');
    await page.getByLabel('Reason').selectOption('SCHEMA_VIOLATION');
    await expect.poll(() => entries.getByRole('row').count()).toBe(4);
    expect(page.url()).toContain('reason=SCHEMA_VIOLATION');

    // Bulk replay of the two that v2 now accepts, chosen with the keyboard (Space on each checkbox).
    for (const eventId of ['l-3', 'l-4']) {
      await page.getByLabel(`Select loyalty/points_earned ${eventId}`).focus();
      await page.keyboard.press('Space');
    }
    const replaySelected = page.getByRole('button', { name: 'Replay selected (2)' });
    await replaySelected.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Replayed 2 entries: 2 accepted, 0 duplicates');
    await expect.poll(() => entries.getByRole('row').count()).toBe(2); // header + l-2
    for (const eventId of ['l-3', 'l-4']) {
      expect(await harness.call<{ eventId: string }>('GET', `/v1/events/loyalty/${eventId}`)).toMatchObject({ eventId });
    }

    // One entry in detail: its reason, its path marked in the payload as received.
    await entries.getByRole('link', { name: 'loyalty/points_earned l-2' }).click();
    await page.waitForURL(new RegExp(`/sources/quarantine/${quarantineIds.get('l-2')}$`));
    const reasons = page.getByRole('region', { name: 'Why it was refused' });
    await expect.poll(() => reasons.textContent()).toContain('SCHEMA_VIOLATION at /properties/points');
    const payload = page.getByLabel('Payload as received');
    expect(await payload.locator('mark').allTextContents()).toEqual([expect.stringContaining('"points": -5')]);
    expect(await page.getByTestId('entry-status').textContent()).toBe('open');

    // The editor checks the text before anything is sent.
    const editor = page.getByLabel('Corrected event (JSON)');
    const replayFixed = page.getByRole('button', { name: 'Replay corrected event' });
    const original = JSON.parse(await editor.inputValue()) as Record<string, unknown> & { properties: Record<string, unknown> };
    expect(original).toMatchObject({ eventId: 'l-2', properties: { points: -5 } });
    await editor.fill('{ "eventId": ');
    await expect.poll(() => page.locator('#corrected-event-check').textContent()).toContain('Not valid JSON');
    expect(await replayFixed.isDisabled()).toBe(true);
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await editor.fill(JSON.stringify({ ...original, eventId: 'l-2-fixed' }, null, 2));
    await expect.poll(() => page.locator('#corrected-event-check').textContent()).toContain('eventId must stay "l-2"');
    expect(await replayFixed.isDisabled()).toBe(true);

    // Valid JSON the contract still refuses: a clear error, nothing written, the entry stays open.
    await editor.fill(JSON.stringify({ ...original, properties: { ...original.properties, points: 'five' } }, null, 2));
    await expect.poll(() => page.locator('#corrected-event-check').textContent()).toContain('Valid JSON');
    await replayFixed.focus();
    await page.keyboard.press('Enter');
    const refused = page.getByRole('alert').filter({ hasText: 'still refuses' });
    await expect.poll(() => refused.count()).toBe(1);
    expect(await refused.textContent()).toContain('/properties/points');
    expect(await harness.call('GET', '/v1/events/loyalty/l-2', undefined, [404])).toMatchObject({ error: { code: 'NOT_FOUND' } });
    // The refusal of the correction is shown beside the original reason, and the correction is kept:
    // a reload starts the editor from it.
    await expect.poll(() => page.getByRole('heading', { name: 'Why your last correction was refused' }).count()).toBe(1);
    expect(await reasons.textContent()).toMatch(/>= 0[\s\S]*must be integer/);
    await page.reload();
    await expect.poll(() => editor.inputValue()).toContain('"points": "five"');

    // The fix: whole points. Accepted, the entry marked replayed.
    await editor.fill(JSON.stringify({ ...original, properties: { ...original.properties, points: 5 } }, null, 2));
    await replayFixed.click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Replayed 1 entry: 1 accepted');
    expect(await page.getByRole('status').textContent()).toMatch(/Accepted into the event log at position \d+/);
    await expect.poll(() => page.getByTestId('entry-status').textContent()).toBe('replayed');
    await page.screenshot({ path: join(SCREENSHOTS, 'quarantine-replay.png'), fullPage: true });

    // Through the API: the corrected event is in the log under its own source and eventId, once,
    // the entry keeps the payload as received, and the person's timeline shows the event.
    const logged = await harness.call<{ eventId: string; payload: { properties: Record<string, unknown>; channel: string } }>(
      'GET',
      '/v1/events/loyalty/l-2',
    );
    expect(logged).toMatchObject({ eventId: 'l-2', payload: { channel: 'replay', properties: { points: 5 } } });
    const entry = await harness.call<{ status: string; raw: string }>('GET', `/v1/quarantine/${quarantineIds.get('l-2')}`);
    expect(entry.status).toBe('replayed');
    expect(JSON.parse(entry.raw)).toMatchObject({ properties: { points: -5 } });
    await harness.app.tessera.services.pipeline.drain();
    const person = await harness.call<{ profileId: string }>('GET', `/v1/profiles/lookup?type=msisdn&value=${encodeURIComponent(MSISDN)}`);
    const timeline = await harness.call<{ events: { eventId: string }[] }>('GET', `/v1/profiles/${person.profileId}/timeline?limit=50`);
    expect(timeline.events.map((e) => e.eventId).sort()).toEqual(['l-1', 'l-2', 'l-3', 'l-4']);
    // Nothing open is left for the source.
    await page.getByRole('link', { name: '← Quarantine' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Entries' }).textContent()).toContain('No entry matches.');
    await page.close();
  }, 120_000);
});
