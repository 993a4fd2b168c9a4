import { afterEach, beforeEach, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ManualClock } from '../src/core/clock.js';
import { describeEachBackend } from './backends.js';
import { bearer, startTestApp, type TestApp } from './test-app.js';

const prepaid = { field: 'traits.planType', operator: '=', value: 'prepaid' };
const toppedUp3 = {
  field: 'event',
  operator: 'performed',
  eventType: 'billing/topup',
  count: { op: 'atLeast', n: 3 },
  window: { lastDays: 30 },
};
const and = (...rules: unknown[]) => ({ combinator: 'and', rules });
const inAudience = (audienceId: string) => ({ field: 'audience', operator: 'in', audienceId });

describeEachBackend('audience definitions', (backend) => {
  let app: TestApp;
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  beforeEach(async () => {
    clock.set('2026-11-20T12:00:00Z');
    app = await startTestApp(backend, { clock, env: { TESSERA_EVENT_RETENTION_DAYS: '90' } });
  });
  afterEach(async () => {
    await app.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, key?: string) =>
    app.tessera.http.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });
  const ok = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, status = 200) => {
    const answer = await call(method, url, payload);
    expect(answer.statusCode, answer.body).toBe(status);
    return answer.json();
  };
  const refused = async (method: 'POST' | 'PUT' | 'DELETE', url: string, payload: object | undefined, status: number) => {
    const answer = await call(method, url, payload);
    expect(answer.statusCode, answer.body).toBe(status);
    return answer.json().error as { code: string; message: string; details?: { path?: string; code?: string; message: string }[] };
  };

  it('creates, reads, versions a changed rule, keeps settings-only edits on the same version, and serves every version', async () => {
    const created = await ok(
      'POST',
      '/v1/audiences',
      { id: 'aud-prepaid-toppers', name: 'Prepaid toppers', entity: 'person', rule: and(prepaid, toppedUp3), holdoutPercent: 10 },
      201,
    );
    expect(created).toMatchObject({
      id: 'aud-prepaid-toppers',
      name: 'Prepaid toppers',
      description: '',
      entity: 'person',
      status: 'active',
      mode: 'realtime',
      schedule: null,
      holdoutPercent: 10,
      version: 1,
      createdAt: '2026-11-20T12:00:00.000Z',
      createdBy: 'admin-bootstrap',
    });
    expect(created.summary).toBe('People whose plan type is prepaid and who topped up at least 3 times in the last 30 days');
    expect(created.definition).toEqual({ id: 'aud-prepaid-toppers', entity: 'person', rule: and(prepaid, toppedUp3) });

    const read = await ok('GET', '/v1/audiences/aud-prepaid-toppers');
    expect(read).toEqual(created);

    // A new rule: version 2, stored beside version 1, which never changes.
    clock.set('2026-11-21T09:00:00Z');
    const edited = await ok('PUT', '/v1/audiences/aud-prepaid-toppers', {
      name: 'Prepaid toppers',
      entity: 'person',
      rule: and(prepaid, { ...toppedUp3, count: { op: 'atLeast', n: 5 } }),
      holdoutPercent: 10,
      baseVersion: 1,
    });
    expect(edited).toMatchObject({ version: 2, versionCreated: true, updatedAt: '2026-11-21T09:00:00.000Z' });
    expect(edited.summary).toContain('at least 5 times');

    // Settings only (and the query builder's own ids added): same version, new settings.
    const renamed = await ok('PUT', '/v1/audiences/aud-prepaid-toppers', {
      name: 'Prepaid heavy toppers',
      description: 'for the loyalty campaign',
      entity: 'person',
      rule: { id: 'root', ...and({ id: 'r1', ...prepaid }, { id: 'r2', ...toppedUp3, count: { op: 'atLeast', n: 5 } }) },
      mode: 'scheduled',
      schedule: { dailyAt: '06:00' },
      holdoutPercent: 12.5,
    });
    expect(renamed).toMatchObject({
      version: 2,
      versionCreated: false,
      name: 'Prepaid heavy toppers',
      mode: 'scheduled',
      schedule: { dailyAt: '06:00', timeZone: 'Europe/Moscow' },
      holdoutPercent: 12.5,
    });
    expect(renamed.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    // The same submission again changes nothing, not even updatedAt.
    clock.set('2026-11-21T10:00:00Z');
    const again = await ok('PUT', '/v1/audiences/aud-prepaid-toppers', {
      name: 'Prepaid heavy toppers',
      description: 'for the loyalty campaign',
      entity: 'person',
      rule: and(prepaid, { ...toppedUp3, count: { op: 'atLeast', n: 5 } }),
      mode: 'scheduled',
      schedule: { dailyAt: '06:00', timeZone: 'Europe/Moscow' },
      holdoutPercent: 12.5,
    });
    expect(again).toMatchObject({ version: 2, versionCreated: false, updatedAt: renamed.updatedAt });
    expect(renamed.versions[0]).toMatchObject({ createdAt: '2026-11-20T12:00:00.000Z', createdBy: 'admin-bootstrap' });

    const v1 = await ok('GET', '/v1/audiences/aud-prepaid-toppers/versions/1');
    expect(v1).toMatchObject({ audienceId: 'aud-prepaid-toppers', version: 1, summary: created.summary });
    expect(v1.definition.rule).toEqual(and(prepaid, toppedUp3));
    expect((await ok('GET', '/v1/audiences/aud-prepaid-toppers/versions/2')).definition.rule.rules[1].count.n).toBe(5);
    expect((await call('GET', '/v1/audiences/aud-prepaid-toppers/versions/3')).statusCode).toBe(404);
    expect((await call('GET', '/v1/audiences/aud-nobody')).statusCode).toBe(404);

    // An editor still on version 1 does not overwrite version 2.
    const stale = await refused(
      'PUT',
      '/v1/audiences/aud-prepaid-toppers',
      { name: 'x', entity: 'person', rule: and(prepaid), baseVersion: 1 },
      409,
    );
    expect(stale.details?.[0]).toMatchObject({ path: '/baseVersion', code: 'STALE_VERSION' });
    // An audience keeps its entity type.
    expect(
      (await refused('PUT', '/v1/audiences/aud-prepaid-toppers', { name: 'x', entity: 'account', rule: and() }, 409)).message,
    ).toContain('entity');
  });

  it('generates ULIDs when no id is given, refuses a taken or reserved id, and pages the list', async () => {
    const generated = await ok('POST', '/v1/audiences', { name: 'Generated', entity: 'person', rule: and(prepaid) }, 201);
    expect(generated.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    for (const id of ['aud-a', 'aud-b', 'aud-c'])
      await ok('POST', '/v1/audiences', { id, name: id, entity: 'person', rule: and(prepaid) }, 201);
    expect((await refused('POST', '/v1/audiences', { id: 'aud-a', name: 'again', entity: 'person', rule: and(prepaid) }, 409)).code).toBe(
      'CONFLICT',
    );
    const reserved = await refused('POST', '/v1/audiences', { id: 'fields', name: 'f', entity: 'person', rule: and(prepaid) }, 400);
    expect(reserved.details?.[0]).toMatchObject({ path: '/id' });

    const first = await ok('GET', '/v1/audiences?limit=2');
    expect(first.items.map((a: { id: string }) => a.id)).toEqual([generated.id, 'aud-a']);
    expect(first.items[1].summary).toBe('People whose plan type is prepaid');
    const second = await ok('GET', `/v1/audiences?limit=2&after=${first.next}`);
    expect(second.items.map((a: { id: string }) => a.id)).toEqual(['aud-b', 'aud-c']);
    expect((await ok('GET', `/v1/audiences?limit=2&after=${second.next}`)).items).toEqual([]);
  });

  it('refuses an invalid definition with every problem at its path, and saves nothing', async () => {
    const error = await refused(
      'POST',
      '/v1/audiences',
      {
        id: 'aud-bad',
        name: 'Bad',
        entity: 'person',
        rule: and(
          { field: 'traits.shoeSize', operator: '=', value: 42 },
          { field: 'traits.planType', operator: '<', value: 'prepaid' },
          { ...toppedUp3, window: { lastDays: 120 } },
          inAudience('aud-missing'),
        ),
        holdoutPercent: 150,
      },
      400,
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details?.map((d) => [d.path, d.code])).toEqual([
      ['/rule/rules/0/field', 'UNKNOWN_FIELD'],
      ['/rule/rules/1/operator', 'OPERATOR_NOT_ALLOWED'],
      ['/rule/rules/2/window/lastDays', 'WINDOW_TOO_LONG'],
      ['/rule/rules/3/audienceId', 'UNKNOWN_AUDIENCE'],
      ['/holdoutPercent', 'BAD_VALUE'],
    ]);
    expect(error.message).toBe("the audience is not valid: /rule/rules/0/field 'traits.shoeSize' is not a person field (and 4 more)");
    expect(error.details?.[1]?.message).toContain("'<' does not apply to enum field traits.planType");
    expect(error.details?.[2]?.message).toContain('90 days of events retained');
    expect((await call('GET', '/v1/audiences/aud-bad')).statusCode).toBe(404);
  });

  it('refuses a cycle A → B → A, and applies what other audiences are now', async () => {
    await ok('POST', '/v1/audiences', { id: 'aud-a', name: 'Prepaid', entity: 'person', rule: and(prepaid) }, 201);
    const b = await ok(
      'POST',
      '/v1/audiences',
      { id: 'aud-b', name: 'Prepaid toppers', entity: 'person', rule: and(inAudience('aud-a'), toppedUp3) },
      201,
    );
    expect(b.summary).toBe('People who are in the audience "Prepaid" and who topped up at least 3 times in the last 30 days');

    const cycle = await refused(
      'PUT',
      '/v1/audiences/aud-a',
      { name: 'Prepaid', entity: 'person', rule: and(prepaid, inAudience('aud-b')) },
      400,
    );
    expect(cycle.details).toEqual([
      {
        path: '/rule/rules/1/audienceId',
        code: 'AUDIENCE_CYCLE',
        message: 'audiences would use each other in a cycle: aud-a → aud-b → aud-a',
      },
    ]);
    // The same through the draft check, which the console calls as the user edits.
    const draft = await ok('POST', '/v1/audiences/validate', { id: 'aud-a', entity: 'person', rule: and(inAudience('aud-b')) });
    expect(draft).toMatchObject({ valid: false, summary: null });
    expect(draft.issues[0]).toMatchObject({ path: '/rule/rules/0/audienceId', code: 'AUDIENCE_CYCLE' });
    // A self-reference is the shortest cycle.
    const self = await refused('PUT', '/v1/audiences/aud-b', { name: 'b', entity: 'person', rule: and(inAudience('aud-b')) }, 400);
    expect(self.details?.[0]?.code).toBe('AUDIENCE_CYCLE');
    // An account audience cannot be used inside a person audience.
    await ok(
      'POST',
      '/v1/audiences',
      { id: 'aud-families', name: 'Families', entity: 'account', rule: and({ field: 'members.count', operator: '>=', value: 3 }) },
      201,
    );
    const mismatch = await refused('POST', '/v1/audiences', { name: 'm', entity: 'person', rule: and(inAudience('aud-families')) }, 400);
    expect(mismatch.details?.[0]?.code).toBe('ENTITY_MISMATCH');
    expect((await ok('GET', '/v1/audiences/aud-a')).version).toBe(1);
  });

  it('lets only one of two concurrent edits that would make a cycle through', async () => {
    await ok('POST', '/v1/audiences', { id: 'aud-a', name: 'A', entity: 'person', rule: and(prepaid) }, 201);
    await ok('POST', '/v1/audiences', { id: 'aud-b', name: 'B', entity: 'person', rule: and(prepaid) }, 201);
    const answers = await Promise.all([
      call('PUT', '/v1/audiences/aud-a', { name: 'A', entity: 'person', rule: and(inAudience('aud-b')) }),
      call('PUT', '/v1/audiences/aud-b', { name: 'B', entity: 'person', rule: and(inAudience('aud-a')) }),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
    expect(answers.find((a) => a.statusCode === 400)?.json().error.details[0].code).toBe('AUDIENCE_CYCLE');
  });

  it('validates and renders a draft without saving it', async () => {
    const valid = await ok('POST', '/v1/audiences/validate', {
      entity: 'person',
      rule: and(prepaid, { field: 'event', operator: 'notPerformed', eventType: 'app/login', window: { lastDays: 14 } }),
    });
    expect(valid).toEqual({
      valid: true,
      issues: [],
      summary: 'People whose plan type is prepaid and who did not log in in the last 14 days',
    });
    const invalid = await ok('POST', '/v1/audiences/validate', {
      entity: 'person',
      rule: and({ field: 'event', operator: 'performed', eventType: 'billing/topup', window: { from: '2026-01-01', to: '2026-02-01' } }),
      mode: 'scheduled',
    });
    expect(invalid.valid).toBe(false);
    expect(invalid.issues.map((i: { path: string }) => i.path)).toEqual(['/rule/rules/0/window/from', '/schedule']);
    expect((await ok('GET', '/v1/audiences')).items).toEqual([]);
  });

  it('archives: kept and readable, refused while used, no longer usable or editable', async () => {
    await ok('POST', '/v1/audiences', { id: 'aud-a', name: 'A', entity: 'person', rule: and(prepaid) }, 201);
    await ok('POST', '/v1/audiences', { id: 'aud-b', name: 'B', entity: 'person', rule: and(inAudience('aud-a')) }, 201);
    const inUse = await refused('DELETE', '/v1/audiences/aud-a', undefined, 409);
    expect(inUse.details?.[0]).toMatchObject({ code: 'AUDIENCE_IN_USE', audienceId: 'aud-b' });

    clock.set('2026-11-22T00:00:00Z');
    const archived = await ok('DELETE', '/v1/audiences/aud-b');
    expect(archived).toMatchObject({ id: 'aud-b', status: 'archived', updatedAt: '2026-11-22T00:00:00.000Z' });
    expect((await ok('DELETE', '/v1/audiences/aud-b')).status).toBe('archived');
    expect((await ok('DELETE', '/v1/audiences/aud-a')).status).toBe('archived');
    expect((await ok('GET', '/v1/audiences/aud-b')).definition.rule).toEqual(and(inAudience('aud-a')));

    expect((await ok('GET', '/v1/audiences')).items).toEqual([]);
    expect((await ok('GET', '/v1/audiences?status=archived')).items.map((a: { id: string }) => a.id)).toEqual(['aud-a', 'aud-b']);
    expect((await ok('GET', '/v1/audiences?status=all')).items).toHaveLength(2);

    expect((await refused('PUT', '/v1/audiences/aud-a', { name: 'A', entity: 'person', rule: and(prepaid) }, 409)).message).toContain(
      'archived',
    );
    const usesArchived = await refused('POST', '/v1/audiences', { name: 'C', entity: 'person', rule: and(inAudience('aud-a')) }, 400);
    expect(usesArchived.details?.[0]?.code).toBe('UNKNOWN_AUDIENCE');
    expect((await call('DELETE', '/v1/audiences/aud-nobody')).statusCode).toBe(404);
  });

  it('asks for audiences:read to read and audiences:write to change', async () => {
    await ok('POST', '/v1/audiences', { id: 'aud-a', name: 'A', entity: 'person', rule: and(prepaid) }, 201);
    const { key: reader } = await app.tessera.services.apiKeys.create('console viewer', ['audiences:read']);
    const { key: other } = await app.tessera.services.apiKeys.create('profiles only', ['profiles:read']);
    const { key: writer, apiKey: writerKey } = await app.tessera.services.apiKeys.create('marketing', [
      'audiences:read',
      'audiences:write',
    ]);

    expect((await call('GET', '/v1/audiences/aud-a', undefined, reader)).statusCode).toBe(200);
    expect((await call('GET', '/v1/audiences/fields', undefined, reader)).statusCode).toBe(200);
    expect((await call('POST', '/v1/audiences/validate', { entity: 'person', rule: and(prepaid) }, reader)).statusCode).toBe(200);
    const body = { name: 'B', entity: 'person', rule: and(prepaid) };
    for (const [method, url] of [
      ['POST', '/v1/audiences'],
      ['PUT', '/v1/audiences/aud-a'],
      ['DELETE', '/v1/audiences/aud-a'],
    ] as const) {
      const answer = await call(method, url, method === 'DELETE' ? undefined : body, reader);
      expect(answer.statusCode, `${method} ${url}`).toBe(403);
      expect(answer.json().error.message).toContain("'audiences:write'");
    }
    expect((await call('GET', '/v1/audiences', undefined, other)).statusCode).toBe(403);
    expect((await app.tessera.http.inject({ method: 'GET', url: '/v1/audiences' })).statusCode).toBe(401);

    const written = await call('PUT', '/v1/audiences/aud-a', { ...body, rule: and({ ...prepaid, value: 'postpaid' }) }, writer);
    expect(written.statusCode, written.body).toBe(200);
    expect(written.json()).toMatchObject({ version: 2, updatedBy: writerKey.id, createdBy: 'admin-bootstrap' });
  });

  it('serves the field and event catalogue, following the contract registry', async () => {
    const guide = await ok('GET', '/v1/audiences/fields');
    expect(guide.fields.person.map((g: { domain: string }) => g.domain)).toEqual(['state', 'aggregates', 'scores', 'identity']);
    expect(guide.fields.account.flatMap((g: { fields: { id: string }[] }) => g.fields.map((f) => f.id))).toContain('members.count');
    expect(guide.events.find((e: { eventType: string }) => e.eventType === 'billing/topup')).toBeDefined();
    expect(guide.retainedEventDays).toBe(90);

    // A source registered over the API: its event type is usable at once.
    await ok(
      'POST',
      '/v1/sources',
      {
        id: 'loyalty',
        name: 'Loyalty',
        owner: 'crm-team',
        freshnessSlaSeconds: 3600,
        eventTypes: [
          {
            type: 'points_earned',
            schema: { type: 'object', properties: { points: { type: 'integer' }, tier: { enum: ['silver', 'gold'] } } },
          },
        ],
      },
      201,
    );
    const after = await ok('GET', '/v1/audiences/fields');
    const points = after.events.find((e: { eventType: string }) => e.eventType === 'loyalty/points_earned');
    expect(points.properties).toEqual([
      {
        path: 'points',
        type: 'number',
        operators: ['=', '!=', '<', '>', '<=', '>=', 'between', 'notBetween', 'in', 'notIn', 'null', 'notNull'],
      },
      { path: 'tier', type: 'enum', values: ['silver', 'gold'], operators: ['=', '!=', 'in', 'notIn', 'null', 'notNull'] },
    ]);
    await ok(
      'POST',
      '/v1/audiences',
      {
        name: 'Gold earners',
        entity: 'person',
        rule: and({
          field: 'event',
          operator: 'performed',
          eventType: 'loyalty/points_earned',
          propertyFilters: [{ field: 'tier', operator: '=', value: 'gold' }],
          window: { lastDays: 30 },
        }),
      },
      201,
    );
  });

  it('has the membership table the pipeline stage writes, with its wake-up index', async () => {
    const { db } = app.tessera.storage;
    await db
      .insertInto('audience_members')
      .values([
        {
          audience_id: 'aud-a',
          member_id: 'p-1',
          version: 1,
          entered_at: '2026-11-20T12:00:00.000Z',
          explanation: '{}',
          held_out: 0,
          next_change_at: '2026-11-21T00:00:00.000Z',
        },
        {
          audience_id: 'aud-a',
          member_id: 'p-2',
          version: 1,
          entered_at: '2026-11-20T12:00:00.000Z',
          explanation: '{}',
          held_out: 1,
          next_change_at: null,
        },
      ])
      .execute();
    const due = await db
      .selectFrom('audience_members')
      .select('member_id')
      .where('next_change_at', '<=', '2026-11-21T00:00:00.000Z')
      .execute();
    expect(due).toEqual([{ member_id: 'p-1' }]);
    await expect(
      db
        .insertInto('audience_members')
        .values({
          audience_id: 'aud-a',
          member_id: 'p-1',
          version: 2,
          entered_at: 'x',
          explanation: '{}',
          held_out: 0,
          next_change_at: null,
        })
        .execute(),
    ).rejects.toThrow();
  });

  it('finds a profile’s memberships by member through an index, not a scan of every membership', async () => {
    const { db } = app.tessera.storage;
    const query = db.selectFrom('audience_members').selectAll().where('member_id', 'in', ['p-1', 'p-2']).compile();
    if (backend.name === 'sqlite') {
      const plan = await sql<{ detail: string }>`explain query plan ${sql.raw(query.sql.replaceAll('?', "'p'"))}`.execute(db);
      expect(plan.rows.map((r) => r.detail).join(' ')).toContain('USING INDEX audience_members_member');
    } else {
      const indexes = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'audience_members_member'`.execute(
        db,
      );
      expect(indexes.rows[0]?.indexdef).toContain('(member_id)');
    }
  });
});
