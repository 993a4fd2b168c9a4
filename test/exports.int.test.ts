import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { filterMessagesFor } from '../src/activation/index.js';
import { ManualClock } from '../src/core/clock.js';
import { activationWorld, at, campaigns, googleAds, NOW, phone } from './activation-fixture.js';
import { describeEachBackend } from './backends.js';
import { startTestApp, type TestApp } from './test-app.js';

/*
 * Audience exports (issue 8.7) and the legal-basis report (issue 7.9) through HTTP, on every
 * backend: only consented, non-held-out members; identifiers hashed for an ad partner; the
 * incremental diff; the report's consent events and notices; every loss of consent (withdrawal,
 * deny, expiry) propagated as a remove operation to the consumers that received the person (issue 7.7).
 */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const MINUTE = 60_000;

describeEachBackend('audience exports', (backend) => {
  let app: TestApp;
  const clock = new ManualClock(NOW);
  beforeEach(async () => {
    clock.set(NOW);
    app = await startTestApp(backend, { clock });
  });
  afterEach(async () => {
    await app.close();
  });
  const w = activationWorld(() => app);

  /**
   * Subscribers 1–4 activated; 1, 2 and 3 gave marketing SMS consent, 4 gave none; 1 and 2 gave
   * Google ads consent; 3 is held out of the audience. Subscriber 1 has an email too.
   */
  const world = async () => {
    await w.createAudience();
    await w.ingest([
      w.activation(1, at(-3 * 24 * 60 * MINUTE), { email: 'Anna@Example.com' }),
      w.activation(2, at(-3 * 24 * 60 * MINUTE)),
      w.activation(3, at(-3 * 24 * 60 * MINUTE)),
      w.activation(4, at(-3 * 24 * 60 * MINUTE)),
    ]);
    await w.publishNotice();
    await w.record(
      w.decision('m-1', 1, 'grant', at(-2 * 24 * 60 * MINUTE)),
      w.decision('m-2', 2, 'grant', at(-2 * 24 * 60 * MINUTE)),
      w.decision('m-3', 3, 'grant', at(-2 * 24 * 60 * MINUTE)),
      w.decision('g-1', 1, 'grant', at(-2 * 24 * 60 * MINUTE), 'third_party_ads', 'ads:google', 'fz152_consent'),
      w.decision('g-2', 2, 'grant', at(-2 * 24 * 60 * MINUTE), 'third_party_ads', 'ads:google', 'fz152_consent'),
    );
    const [p1, p2, p3, p4] = [
      await w.profileOf(phone(1)),
      await w.profileOf(phone(2)),
      await w.profileOf(phone(3)),
      await w.profileOf(phone(4)),
    ];
    // The holdout is a share of the audience picked by hash; the test names its member outright.
    await app.tessera.storage.db
      .updateTable('audience_members')
      .set({ held_out: 1 })
      .where('member_id', '=', p3 as string)
      .execute();
    const members = (await w.ok('GET', '/v1/audiences/active/members?limit=100')).members.map((m: { memberId: string }) => m.memberId);
    expect(members.sort()).toEqual([p1, p2, p3, p4].sort());
    return { p1: p1 as string, p2: p2 as string, p3: p3 as string, p4: p4 as string };
  };
  const exportTo = (consumerId: string, body: Record<string, unknown>, key?: string) =>
    w.ok('POST', '/v1/audiences/active/exports', { consumerId, ...body }, 201, key);
  const fileOf = async (id: string, key?: string) => {
    const answer = await w.call('GET', `/v1/exports/${id}/file`, undefined, key);
    expect(answer.status, answer.body).toBe(200);
    return answer.body;
  };

  it('a full JSON export holds only members with valid consent that are not held out; each is a disclosure', async () => {
    const { p1, p2, p3, p4 } = await world();
    const consumerKey = await w.registerConsumer(campaigns, ['exports:read']);
    const made = await exportTo('campaigns', { format: 'json', mode: 'full', purpose: 'marketing', channel: 'sms' });
    expect(made).toMatchObject({
      audienceId: 'active',
      consumerId: 'campaigns',
      purpose: 'marketing',
      channel: 'sms',
      mode: 'full',
      hashing: null,
      counts: { members: 4, heldOut: 1, denied: 1, added: 2, kept: 0, removed: 0 },
    });
    expect(made.counts.deniedBy['forbid-without-valid-consent']).toBe(1);

    const text = await fileOf(made.id, consumerKey);
    expect(sha256(text)).toBe(made.fileSha256);
    const file = JSON.parse(text);
    expect(file.export).toMatchObject({ id: made.id, audienceId: 'active', consumerId: 'campaigns', mode: 'full' });
    const byId = new Map(file.members.map((m: { profileId: string }) => [m.profileId, m]));
    expect([...byId.keys()].sort()).toEqual([p1, p2].sort());
    expect(byId.has(p3)).toBe(false); // held out
    expect(byId.has(p4)).toBe(false); // no consent
    expect(byId.get(p1)).toEqual({ op: 'add', profileId: p1, identifiers: { msisdn: [phone(1)], email: ['anna@example.com'] } });

    const disclosures = await w.ok('GET', '/v1/disclosures?consumer=campaigns');
    expect(disclosures.items.map((d: { subject: string }) => d.subject).sort()).toEqual([p1, p2].sort());
    const first = disclosures.items.find((d: { subject: string }) => d.subject === p1);
    expect(first).toMatchObject({
      exit: 'audience_export',
      purpose: 'marketing',
      channel: 'sms',
      reference: made.id,
      consentEvents: ['m-1'],
    });
    expect(first.released).toEqual(['audience.membership', 'identifiers.email', 'identifiers.msisdn']);

    // Another consumer's key cannot read it; the record reads back as created.
    const otherKey = await w.registerConsumer({ ...campaigns, id: 'other', name: 'Other' }, ['exports:read']);
    expect((await w.call('GET', `/v1/exports/${made.id}/file`, undefined, otherKey)).status).toBe(404);
    expect((await w.call('GET', `/v1/exports/${made.id}`, undefined, otherKey)).status).toBe(404);
    expect(await w.ok('GET', `/v1/exports/${made.id}`, undefined, 200, consumerKey)).toEqual(made);
  });

  it('an ad partner gets Google-hashed phones in CSV, nothing of a member without ads consent, and no profile ids', async () => {
    const { p1 } = await world();
    await w.registerConsumer(googleAds);
    const made = await exportTo('google-ads', { format: 'csv', mode: 'full' });
    expect(made).toMatchObject({ purpose: 'third_party_ads', channel: 'ads:google', hashing: 'google', counts: { added: 2, denied: 1 } });
    // Email is contact data, which does not serve third-party ads (docs/policy.md): redacted.
    expect(made.redacted).toEqual(['identifiers.email']);
    const csv = await fileOf(made.id);
    const [header, ...rows] = csv.trimEnd().split('\r\n');
    expect(header).toBe('op,msisdn_sha256,email_sha256');
    expect(rows.sort()).toEqual([`add,${sha256(phone(1))},`, `add,${sha256(phone(2))},`].sort());
    expect(csv).not.toContain(p1);
    expect(csv).not.toContain(phone(1));

    // Meta's hashing: digits only, no '+'.
    await w.registerConsumer({ ...googleAds, id: 'meta-ads', name: 'Meta', partner: 'meta', channels: ['ads:meta'] });
    await w.record(w.decision('meta-1', 1, 'grant', at(-MINUTE), 'third_party_ads', 'ads:meta', 'fz152_consent'));
    const meta = await w.ok('POST', '/v1/audiences/active/exports', { consumerId: 'meta-ads', format: 'json', mode: 'full' }, 201);
    const metaFile = JSON.parse(await fileOf(meta.id));
    expect(metaFile.members).toEqual([{ op: 'add', identifiers: { msisdn_sha256: [sha256(phone(1).slice(1))] } }]);
  });

  it('an incremental export has only the diff since the consumer’s last export', async () => {
    const { p1, p2, p4 } = await world();
    await w.registerConsumer(campaigns);
    const full = await exportTo('campaigns', { format: 'json', mode: 'full', channel: 'sms' });

    // Subscriber 4 grants, subscriber 2 withdraws.
    clock.set(at(10 * MINUTE));
    await w.record(w.decision('m-4', 4, 'grant', at(10 * MINUTE)), w.decision('m-2w', 2, 'withdraw', at(10 * MINUTE)));
    clock.set(at(20 * MINUTE));
    const inc = await exportTo('campaigns', { format: 'json', mode: 'incremental', channel: 'sms' });
    expect(inc).toMatchObject({ mode: 'incremental', baseExportId: full.id, counts: { added: 1, kept: 1, removed: 1, denied: 1 } });
    const file = JSON.parse(await fileOf(inc.id));
    expect(file.members).toEqual([
      { op: 'add', profileId: p4, identifiers: { msisdn: [phone(4)] } },
      { op: 'remove', profileId: p2, identifiers: { msisdn: [phone(2)] } },
    ]);
    expect(file.members.some((m: { profileId: string }) => m.profileId === p1)).toBe(false);

    // Nothing changed since: an empty diff.
    const again = await exportTo('campaigns', { format: 'csv', mode: 'incremental', channel: 'sms' });
    expect(again.counts).toMatchObject({ added: 0, kept: 2, removed: 0 });
    expect((await fileOf(again.id)).trimEnd()).toBe('op,profile_id,msisdn,email');
  });

  it('the legal-basis report lists every recipient’s consent event and notice, and that none lacked a basis', async () => {
    const { p1, p2 } = await world();
    await w.registerConsumer(campaigns);
    const made = await exportTo('campaigns', { format: 'json', mode: 'full', channel: 'sms' });
    const report = await w.ok('GET', `/v1/reports/legal-basis/${made.id}`);
    expect(report).toMatchObject({
      kind: 'audience_export',
      id: made.id,
      audienceId: 'active',
      consumer: { id: 'campaigns', kind: 'campaign' },
      purpose: 'marketing',
      channel: 'sms',
      sentAt: NOW,
      policyVersion: 1,
      legalBases: { fz38_art18_ad_consent: 2 },
      recipientCount: 2,
      excluded: { heldOut: 1, denied: 1 },
      lackingValidBasis: [],
      allRecipientsHadValidBasis: true,
    });
    expect(report.statement).toMatch(/^All 2 recipient\(s\) had a valid legal basis/);
    const byProfile = new Map(report.recipients.map((r: { profileId: string }) => [r.profileId, r]));
    expect(byProfile.get(p1)).toMatchObject({
      consentEvent: {
        eventId: 'm-1',
        subject: `msisdn:${phone(1)}`,
        action: 'grant',
        legalBasis: 'fz38_art18_ad_consent',
        evidenceRef: 'FORM-m-1',
      },
      notice: { id: 'privacy', version: '2026-10', language: 'ru', textHash: sha256('Текст уведомления') },
    });
    expect(byProfile.get(p2)).toMatchObject({ consentEvent: { eventId: 'm-2' }, notice: { id: 'privacy' } });
    expect(report.next).toBeNull();
    // Paged: one recipient at a time, every one checked either way.
    const firstPage = await w.ok('GET', `/v1/reports/legal-basis/${made.id}?limit=1`);
    expect(firstPage).toMatchObject({ recipientCount: 2, allRecipientsHadValidBasis: true, next: [p1, p2].sort()[0] });
    const secondPage = await w.ok('GET', `/v1/reports/legal-basis/${made.id}?limit=1&after=${firstPage.next}`);
    expect(secondPage.recipients.map((r: { profileId: string }) => r.profileId)).toEqual([[p1, p2].sort()[1]]);
    expect(secondPage.next).toBeNull();
    expect((await w.call('GET', '/v1/reports/legal-basis/nothing-here')).status).toBe(404);
  });

  it('a withdrawal sends a remove operation to every consumer that received the person, in the ledger’s transaction', async () => {
    const { p1 } = await world();
    await w.registerConsumer(campaigns);
    await w.registerConsumer(googleAds);
    await exportTo('campaigns', { format: 'json', mode: 'full', channel: 'sms' });
    await exportTo('google-ads', { format: 'json', mode: 'full' });

    clock.set(at(5 * MINUTE));
    await w.record(w.decision('m-1w', 1, 'withdraw', at(5 * MINUTE)));
    const rows = await app.tessera.storage.db.selectFrom('outbox').selectAll().where('type', '=', 'consent.changed').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.subject).toBe(p1);
    expect(JSON.parse(rows[0]?.data as string)).toEqual({
      profileId: p1,
      consentSubject: `msisdn:${phone(1)}`,
      purpose: 'marketing',
      channel: 'sms',
      action: 'withdraw',
      remove: true,
      // Google received the person for third-party ads, not marketing SMS: it keeps them.
      consumers: ['campaigns'],
      consentEventId: 'm-1w',
      lostAt: at(5 * MINUTE),
      withdrawnAt: at(5 * MINUTE),
    });
    // The same withdrawal again is a duplicate: no second message.
    await w.record(w.decision('m-1w', 1, 'withdraw', at(5 * MINUTE)));
    expect(await app.tessera.storage.db.selectFrom('outbox').select('id').where('type', '=', 'consent.changed').execute()).toHaveLength(1);
  });

  const consentChanges = async () =>
    (await app.tessera.storage.db.selectFrom('outbox').selectAll().where('type', '=', 'consent.changed').orderBy('id').execute()).map(
      (r) => ({ id: r.id, subject: r.subject, data: JSON.parse(r.data) }),
    );
  /** Lets the scheduler run until it has nothing left (wake-ups, lapses). */
  const settle = async () => {
    for (let i = 0; i < 50 && (await app.tessera.services.pipeline.advanceTime()) > 0; i++);
  };

  it('a deny after a grant sends a remove operation to the consumer that received the person, and only to it', async () => {
    const { p1 } = await world();
    await w.registerConsumer(campaigns);
    await w.registerConsumer(googleAds);
    await exportTo('campaigns', { format: 'json', mode: 'full', channel: 'sms' });
    await exportTo('google-ads', { format: 'json', mode: 'full' });

    clock.set(at(5 * MINUTE));
    await w.record({ ...w.decision('m-1d', 1, 'grant', at(5 * MINUTE)), action: 'deny' });
    const changes = await consentChanges();
    expect(changes.map((c) => c.data)).toEqual([
      {
        profileId: p1,
        consentSubject: `msisdn:${phone(1)}`,
        purpose: 'marketing',
        channel: 'sms',
        action: 'deny',
        remove: true,
        consumers: ['campaigns'],
        consentEventId: 'm-1d',
        lostAt: at(5 * MINUTE),
      },
    ]);
    // The stream's filter hands it to the campaign tool, and not to Google, which received the person for ads.
    const messages = changes.map((c) => ({
      id: c.id,
      type: 'consent.changed',
      subject: c.subject,
      data: c.data,
      createdAt: at(5 * MINUTE),
    }));
    const { consumers } = app.tessera.policy;
    const { db } = app.tessera.storage;
    const deps = { consent: app.tessera.consent.service, policy: app.tessera.policy.service };
    const now = new Date(at(5 * MINUTE));
    const toCampaigns = await filterMessagesFor(
      db,
      deps,
      { consumer: await consumers.get('campaigns'), purpose: 'marketing', channel: 'sms' },
      messages,
      now,
    );
    const toGoogle = await filterMessagesFor(
      db,
      deps,
      { consumer: await consumers.get('google-ads'), purpose: 'third_party_ads', channel: 'ads:google' },
      messages,
      now,
    );
    expect(toCampaigns.allowed.map((m) => m.id)).toEqual([changes[0]?.id]);
    expect(toGoogle.allowed).toEqual([]);
    // The same deny again is a duplicate: no second message.
    await w.record({ ...w.decision('m-1d', 1, 'grant', at(5 * MINUTE)), action: 'deny' });
    expect(await consentChanges()).toHaveLength(1);
  });

  it('an expiring grant sends a remove operation once the clock passes its expiry, once, across restarts; a renewed one sends none', async () => {
    await w.createAudience();
    await w.ingest([w.activation(1, at(-3 * 24 * 60 * MINUTE)), w.activation(2, at(-3 * 24 * 60 * MINUTE))]);
    await w.publishNotice();
    const expiresAt = at(30 * MINUTE);
    await w.record(
      { ...w.decision('m-1', 1, 'grant', at(-MINUTE)), expiresAt },
      { ...w.decision('m-2', 2, 'grant', at(-MINUTE)), expiresAt },
    );
    const [p1, p2] = [await w.profileOf(phone(1)), await w.profileOf(phone(2))];
    await w.registerConsumer(campaigns);
    await w.registerConsumer(googleAds);
    const made = await exportTo('campaigns', { format: 'json', mode: 'full', channel: 'sms' });
    expect(made.counts.added).toBe(2);
    // Subscriber 2 renews before the expiry: no basis is lost.
    clock.set(at(10 * MINUTE));
    await w.record({ ...w.decision('m-2r', 2, 'grant', at(10 * MINUTE)), expiresAt: at(90 * 24 * 60 * MINUTE) });

    // A restart before the expiry keeps the schedule; nothing is sent before it.
    app = await app.restart();
    clock.set(at(29 * MINUTE));
    await settle();
    expect(await consentChanges()).toEqual([]);

    clock.set(at(31 * MINUTE));
    await settle();
    const sent = await consentChanges();
    expect(sent.map((c) => c.data)).toEqual([
      {
        profileId: p1,
        consentSubject: `msisdn:${phone(1)}`,
        purpose: 'marketing',
        channel: 'sms',
        action: 'expire',
        remove: true,
        consumers: ['campaigns'],
        consentEventId: 'm-1',
        lostAt: expiresAt,
      },
    ]);
    expect(sent[0]?.subject).toBe(p1);
    expect(sent.some((c) => c.subject === p2)).toBe(false);

    // Once: again, and after a restart, nothing more is written.
    await settle();
    app = await app.restart();
    await settle();
    expect(await consentChanges()).toEqual(sent);
    expect(
      await app.tessera.storage.db
        .selectFrom('consent_lapses')
        .select('event_hash')
        .where('lapse_at', '<=', at(31 * MINUTE))
        .execute(),
    ).toEqual([]);
  });

  it('a purpose’s new version that ends a basis sends a remove operation for the grants it ends, once', async () => {
    await w.createAudience();
    await w.ingest([w.activation(1, at(-3 * 24 * 60 * MINUTE)), w.activation(2, at(-3 * 24 * 60 * MINUTE))]);
    // Profiling by SMS: subscriber 1 under a 152-FZ processing consent in Russia, subscriber 2 under GDPR consent in Germany.
    const profiling = (eventId: string, n: number, legalBasis: string, jurisdiction: string) => ({
      ...w.decision(eventId, n, 'grant', at(-MINUTE), 'profiling', 'sms', legalBasis),
      jurisdiction,
      proof: { evidenceRef: eventId },
    });
    await w.record(profiling('pr-1', 1, 'fz152_consent', 'RU'), profiling('pr-2', 2, 'gdpr_art6_1a_consent', 'DE'));
    const p1 = await w.profileOf(phone(1));
    await w.registerConsumer({ id: 'nba', name: 'Next best action', kind: 'nba', purposes: ['profiling'], channels: ['sms'] });
    const made = await exportTo('nba', { format: 'json', mode: 'full' });
    expect(made.counts.added).toBe(2);

    // Profiling becomes advertising: an SMS now needs an advertising consent (38-FZ Art. 18) in Russia; GDPR consent still serves.
    clock.set(at(5 * MINUTE));
    const purpose = {
      code: 'profiling',
      legalBases: ['fz152_consent', 'fz38_art18_ad_consent', 'gdpr_art6_1a_consent', 'gdpr_art6_1f_legitimate_interests'],
      advertising: true,
    };
    expect((await w.ok('POST', '/v1/purposes', purpose, 201)).version).toBe(2);
    const sent = await consentChanges();
    expect(sent.map((c) => c.data)).toEqual([
      {
        profileId: p1,
        consentSubject: `msisdn:${phone(1)}`,
        purpose: 'profiling',
        channel: 'sms',
        action: 'purpose_change',
        remove: true,
        consumers: ['nba'],
        consentEventId: 'pr-1',
        lostAt: at(5 * MINUTE),
        purposeVersion: 2,
      },
    ]);
    // The same version again changes nothing.
    expect((await w.ok('POST', '/v1/purposes', purpose, 200)).created).toBe(false);
    expect(await consentChanges()).toEqual(sent);
  });

  it('refuses a purpose or channel the consumer is not registered for, and an ad partner without a platform', async () => {
    await world();
    await w.registerConsumer(campaigns);
    await w.registerConsumer({ ...googleAds, id: 'adnet', partner: 'adnet', channels: ['ads:adnet'] });
    expect(
      (await w.call('POST', '/v1/audiences/active/exports', { consumerId: 'campaigns', format: 'json', mode: 'full', channel: 'push' }))
        .status,
    ).toBe(400);
    expect((await w.call('POST', '/v1/audiences/active/exports', { consumerId: 'adnet', format: 'json', mode: 'full' })).status).toBe(400);
    expect((await w.call('POST', '/v1/audiences/active/exports', { consumerId: 'nobody', format: 'json', mode: 'full' })).status).toBe(404);
    expect(
      (await w.call('POST', '/v1/audiences/active/exports', { consumerId: 'adnet', format: 'csv', mode: 'full', platform: 'meta' })).status,
    ).toBe(201);
  });
});
