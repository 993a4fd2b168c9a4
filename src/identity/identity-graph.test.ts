import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTIFIER_REGISTRY, withIdentifierPolicy, type IdentifierRegistry } from './identifier-types.js';
import { DEFAULT_GRAPH_RULES, linkKey, resolveGraph, ttlBoundaries, valueKey, type GraphInput, type GraphRules } from './identity-graph.js';
import { observe, type Observation } from './observe.js';

let seq = 0;
/** Observations under a registry (its classes and priorities decide the merge keys and their order). */
const observedWith =
  (types: IdentifierRegistry) =>
  (
    sourceId: string,
    type: string,
    at: string,
    identifiers: Record<string, string>,
    properties: Record<string, unknown> = {},
  ): Observation =>
    observe({ seq: ++seq, sourceId, eventId: `${type}-${seq}`, type, occurredAt: at, payload: { identifiers, properties } }, types);
const event = observedWith(DEFAULT_IDENTIFIER_REGISTRY);

/** Builds the graph input the way the pipeline does: line ends gathered from the observations. */
const input = (observations: Observation[], extra: Partial<GraphInput> = {}): GraphInput => {
  const lineEnds = new Map<string, string[]>();
  for (const o of observations)
    for (const id of o.lineEnds) lineEnds.set(valueKey(id), [...(lineEnds.get(valueKey(id)) ?? []), o.event.at]);
  return { observations, lineEnds, blocked: new Set(), removedLinks: new Set(), ...extra };
};

/** The partition as sorted lists of node keys, comparable across runs. */
const partition = (observations: Observation[], extra: Partial<GraphInput> = {}, rules: GraphRules = DEFAULT_GRAPH_RULES): string[][] =>
  resolveGraph(input(observations, extra), rules)
    .persons.map((p) => p.nodes.map((n) => n.key).sort())
    .sort((a, b) => (a[0] as string).localeCompare(b[0] as string));

const personOf = (observations: Observation[], type: string, value: string, at: string): string[] | undefined => {
  const result = resolveGraph(input(observations));
  const node = result.nodeOf({ type: type as 'msisdn', value }, at);
  return result.persons
    .find((p) => p.nodes.some((n) => n.key === node))
    ?.nodes.map((n) => n.key)
    .sort();
};

describe('identity graph', () => {
  it('never merges the old and new owner of a recycled number; a late event before the recycle goes to the old owner', () => {
    const world = [
      event('crm', 'customer_changed', '2026-01-01T00:00:00Z', { msisdn: '+79161234567', passport: 'P-OLD' }),
      event('billing', 'termination', '2026-03-01T00:00:00Z', { msisdn: '+79161234567', imsi: '250010000000001' }),
      event('billing', 'activation', '2026-06-01T00:00:00Z', {
        msisdn: '+79161234567',
        imsi: '250010000000002',
        iccid: '8970100000000000002',
      }),
      event('crm', 'customer_changed', '2026-06-02T00:00:00Z', { msisdn: '+79161234567', passport: 'P-NEW' }),
      // Arrives last, dated before the termination.
      event('network', 'data_session', '2026-02-15T00:00:00Z', { msisdn: '+79161234567', imsi: '250010000000001' }),
    ];
    const persons = partition(world);
    expect(persons).toHaveLength(2);
    expect(persons).toContainEqual(['imsi:250010000000001#0', 'msisdn:+79161234567#0', 'passport:P-OLD']);
    expect(persons).toContainEqual(['iccid:8970100000000000002#0', 'imsi:250010000000002#0', 'msisdn:+79161234567#1', 'passport:P-NEW']);
    expect(personOf(world, 'msisdn', '+79161234567', '2026-02-20T00:00:00Z')).toContain('passport:P-OLD');
    expect(personOf(world, 'msisdn', '+79161234567', '2026-07-01T00:00:00Z')).toContain('passport:P-NEW');
  });

  it('treats a port-out and its termination a minute later as one boundary', () => {
    const world = [
      event('billing', 'activation', '2026-01-01T00:00:00Z', { msisdn: '+79161234567', imsi: '250010000000001' }),
      event('billing', 'port_out', '2026-03-01T07:08:21Z', { msisdn: '+79161234567' }),
      event('billing', 'termination', '2026-03-01T07:09:21Z', { msisdn: '+79161234567', imsi: '250010000000001' }),
      event('web', 'page', '2026-05-01T00:00:00Z', { msisdn: '+79161234567', email: 'next.holder@example.ru' }),
    ];
    expect(partition(world)).toEqual([
      ['email:next.holder@example.ru', 'msisdn:+79161234567#1'],
      ['imsi:250010000000001#0', 'msisdn:+79161234567#0'],
    ]);
    const holder = resolveGraph(input(world)).persons.find((p) => p.nodes.some((n) => n.key === 'msisdn:+79161234567#0'));
    expect(holder?.nodes.find((n) => n.type === 'msisdn')).toMatchObject({ validFrom: null, validTo: '2026-03-01T07:09:21Z' });
  });

  it('keeps a SIM swap on the same person and closes the old SIM', () => {
    const world = [
      event('billing', 'activation', '2026-01-01T00:00:00Z', {
        msisdn: '+79161234567',
        imsi: '250010000000001',
        iccid: '8970100000000000001',
      }),
      event(
        'network',
        'sim_change',
        '2026-02-01T00:00:00Z',
        { msisdn: '+79161234567', imsi: '250010000000009', iccid: '8970100000000000009' },
        { oldIccid: '8970100000000000001', oldImsi: '250010000000001' },
      ),
      event('network', 'location_update', '2026-02-02T00:00:00Z', { msisdn: '+79161234567', imsi: '250010000000009' }),
      // The old SIM used after the swap is not the person any more.
      event('network', 'location_update', '2026-02-03T00:00:00Z', { imsi: '250010000000001', msisdn: '+79169999999' }),
    ];
    const swap = world[1] as Observation;
    expect(swap.simSwap).toMatchObject({ oldIccid: '8970100000000000001', newIccid: '8970100000000000009' });
    expect(swap.lineEnds.map(valueKey)).toEqual(['iccid:8970100000000000001', 'imsi:250010000000001']);
    const persons = partition(world);
    expect(persons).toContainEqual([
      'iccid:8970100000000000001#0',
      'iccid:8970100000000000009#0',
      'imsi:250010000000001#0',
      'imsi:250010000000009#0',
      'msisdn:+79161234567#0',
    ]);
    expect(persons).toContainEqual(['imsi:250010000000001#1', 'msisdn:+79169999999#0']);
  });

  it('joins an eSIM and a physical SIM of one person through the person, and not through the account', () => {
    const world = [
      event('billing', 'activation', '2026-01-01T00:00:00Z', { msisdn: '+79161111111', imsi: '250010000000011', accountId: 'A-1' }),
      event(
        'billing',
        'activation',
        '2026-01-05T00:00:00Z',
        { msisdn: '+79162222222', imsi: '250010000000022', accountId: 'A-1' },
        { simType: 'esim' },
      ),
      event('crm', 'customer_changed', '2026-01-06T00:00:00Z', { msisdn: '+79161111111', passport: '4508123456', accountId: 'A-1' }),
      event('crm', 'customer_changed', '2026-01-06T00:00:01Z', { msisdn: '+79162222222', passport: '4508123456', accountId: 'A-1' }),
    ];
    expect(partition(world)).toHaveLength(1);
  });

  it('does not join a ported-out number to its former holder', () => {
    const world = [
      event('crm', 'customer_changed', '2026-01-01T00:00:00Z', { msisdn: '+79161234567', email: 'old@example.ru' }),
      event('billing', 'port_out', '2026-03-01T00:00:00Z', { msisdn: '+79161234567' }),
      event('web', 'page', '2026-04-01T00:00:00Z', { msisdn: '+79161234567', email: 'new@example.ru' }),
    ];
    expect(partition(world)).toEqual([
      ['email:new@example.ru', 'msisdn:+79161234567#1'],
      ['email:old@example.ru', 'msisdn:+79161234567#0'],
    ]);
  });

  it('gives a family account with four lines and four app users four persons, and a corporate account merges nobody', () => {
    const family = [0, 1, 2, 3].flatMap((i) => [
      event('billing', 'activation', `2026-01-0${i + 1}T00:00:00Z`, {
        msisdn: `+7916000000${i}`,
        imsi: `25001000000010${i}`,
        accountId: 'FAM-1',
      }),
      event('app', 'login', `2026-01-1${i}T00:00:00Z`, { msisdn: `+7916000000${i}`, appUserId: `u-${i}`, deviceId: `d-${i}` }),
    ]);
    expect(partition(family)).toHaveLength(4);
    expect(family[0]?.accounts).toEqual([{ accountId: 'FAM-1', role: 'user' }]);

    const corporate = Array.from({ length: 500 }, (_, i) =>
      event('billing', 'activation', '2026-01-01T00:00:00Z', {
        msisdn: `+7916${String(1000000 + i)}`,
        accountId: 'CORP-1',
        email: 'it@corp.example',
      }),
    );
    // Frequency-blocked: the shared mailbox is no merge key (the pipeline decides the block).
    expect(partition(corporate, { blocked: new Set(['email:it@corp.example']) })).toHaveLength(500);
  });

  it('refuses a second passport on one person and records the conflict', () => {
    const world = [
      event('crm', 'customer_changed', '2026-01-01T00:00:00Z', { msisdn: '+79161234567', passport: 'P-1' }),
      event('crm', 'customer_changed', '2026-01-02T00:00:00Z', { msisdn: '+79161234567', passport: 'P-2' }),
    ];
    const result = resolveGraph(input(world));
    expect(result.persons).toHaveLength(2);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'person-unique-conflict', nodes: ['passport:P-2', 'msisdn:+79161234567#0'] }),
    ]);
  });

  it('demotes a sixth email within a year instead of merging it', () => {
    const world = [1, 2, 3, 4, 5, 6].map((i) =>
      event('crm', 'customer_changed', `2026-0${i}-01T00:00:00Z`, { msisdn: '+79161234567', email: `e${i}@example.ru` }),
    );
    const result = resolveGraph(input(world));
    const main = result.persons.find((p) => p.nodes.some((n) => n.key === 'msisdn:+79161234567#0'));
    expect(main?.nodes.filter((n) => n.type === 'email')).toHaveLength(5);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'limit-demoted', nodes: ['msisdn:+79161234567#0', 'email:e6@example.ru'] }),
    ]);
    // A year later the window has room again.
    const later = [...world, event('crm', 'customer_changed', '2027-09-01T00:00:00Z', { msisdn: '+79161234567', email: 'e7@example.ru' })];
    expect(resolveGraph(input(later)).findings).toHaveLength(1);
  });

  it('stops a chain of 1,000 identifiers through one device at the cap, with an alert', () => {
    const at = (i: number) =>
      `2026-01-01T${String(Math.floor(i / 3600)).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`;
    const msisdn = (i: number) => `+7916${String(2000000 + i)}`;
    const imsi = (i: number) => `25001${String(1000000000 + i)}`;
    // Each web hit on the shared device pairs a line with the next line's SIM: a chain of 1,000.
    const chain = Array.from({ length: 500 }, (_, i) => [
      event('web', 'domain_visit', at(2 * i), { msisdn: msisdn(i), imsi: imsi(i) }),
      event('web', 'domain_visit', at(2 * i + 1), { imsi: imsi(i), msisdn: msisdn(i + 1) }),
    ]).flat();
    const result = resolveGraph(input(chain.map((o) => ({ ...o, devices: [{ type: 'deviceId', value: 'shared-kiosk' }] }))));
    expect(Math.max(...result.persons.map((p) => p.nodes.length))).toBe(DEFAULT_GRAPH_RULES.componentCap);
    expect(result.findings.filter((f) => f.kind === 'component-cap').length).toBeGreaterThan(0);
  });

  it('restores exactly the two persons when a bad link is removed', () => {
    const world = [
      event('billing', 'activation', '2026-01-01T00:00:00Z', { msisdn: '+79161111111', imsi: '250010000000011' }),
      event('billing', 'activation', '2026-01-02T00:00:00Z', { msisdn: '+79162222222', imsi: '250010000000022' }),
      event('app', 'login', '2026-01-03T00:00:00Z', { msisdn: '+79161111111', appUserId: 'u-1' }),
      // A CRM error files the first person's app account on the second line.
      event('app', 'login', '2026-01-04T00:00:00Z', { msisdn: '+79162222222', appUserId: 'u-1' }),
    ];
    expect(partition(world)).toHaveLength(1);
    const removed = new Set([linkKey('appUserId:u-1', 'msisdn:+79162222222#0')]);
    expect(partition(world, { removedLinks: removed })).toEqual([
      ['appUserId:u-1', 'imsi:250010000000011#0', 'msisdn:+79161111111#0'],
      ['imsi:250010000000022#0', 'msisdn:+79162222222#0'],
    ]);
  });

  it('never lets a shared mailbox join two people who each hold a line', () => {
    // A family: one member's CRM record lost its passport (a placeholder), the other has one.
    const world = [
      event('billing', 'activation', '2026-01-01T00:00:00Z', { msisdn: '+79881111111', imsi: '250010000000111', accountId: 'FAM' }),
      event('billing', 'activation', '2026-01-01T00:00:01Z', { msisdn: '+79882222222', imsi: '250010000000222', accountId: 'FAM' }),
      event('crm', 'customer_changed', '2026-02-01T00:00:00Z', { msisdn: '+79881111111', email: 'family@mail.ru' }),
      event('crm', 'customer_changed', '2026-03-01T00:00:00Z', { msisdn: '+79882222222', email: 'family@mail.ru', passport: '5095466287' }),
      // A web lead with the mailbox and no line still attaches to the person it is known with.
      event('web', 'page', '2026-04-01T00:00:00Z', { email: 'family@mail.ru', appUserId: 'web-77' }),
    ];
    const result = resolveGraph(input(world));
    expect(partition(world)).toEqual([
      ['appUserId:web-77', 'email:family@mail.ru', 'imsi:250010000000111#0', 'msisdn:+79881111111#0'],
      ['imsi:250010000000222#0', 'msisdn:+79882222222#0', 'passport:5095466287'],
    ]);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'weak-bridge', nodes: ['passport:5095466287', 'email:family@mail.ru'] }),
    ]);
  });

  it('explains every link with its event and rule', () => {
    const world = [
      event('billing', 'activation', '2026-01-01T00:00:00Z', { msisdn: '+79161111111', imsi: '250010000000011' }),
      event('crm', 'customer_changed', '2026-01-02T00:00:00Z', { msisdn: '+79161111111', passport: 'P-1' }),
    ];
    const [person] = resolveGraph(input(world)).persons;
    expect(person?.reasons.get('imsi:250010000000011#0')).toMatchObject({ rule: 'first-seen', event: { type: 'activation' } });
    expect(person?.reasons.get('msisdn:+79161111111#0')).toMatchObject({ rule: 'co-occurrence', event: { type: 'activation' } });
    expect(person?.reasons.get('passport:P-1')).toMatchObject({
      rule: 'co-occurrence',
      event: { type: 'customer_changed' },
      edge: ['passport:P-1', 'msisdn:+79161111111#0'],
    });
  });

  it('gives the same partition for the same events in any order and with duplicates', () => {
    const ids = fc.record({
      msisdn: fc.constantFrom('+79161111111', '+79162222222', '+79163333333'),
      email: fc.constantFrom('a@x.ru', 'b@x.ru', 'c@x.ru', 'd@x.ru'),
      passport: fc.constantFrom('P-1', 'P-2'),
    });
    const anEvent = fc.record({
      kind: fc.constantFrom('customer_changed', 'termination', 'page'),
      day: fc.integer({ min: 1, max: 28 }),
      ids: fc.subarray(['msisdn', 'email', 'passport'] as const, { minLength: 1 }),
      values: ids,
    });
    fc.assert(
      fc.property(fc.array(anEvent, { minLength: 1, maxLength: 25 }), fc.infiniteStream(fc.nat()), (specs, randoms) => {
        seq = 0;
        const world = specs.map((s, i) => {
          const source = s.kind === 'termination' ? 'billing' : s.kind === 'page' ? 'web' : 'crm';
          const identifiers = Object.fromEntries(s.ids.map((k) => [k, s.values[k]]));
          return observe(
            {
              seq: i,
              sourceId: source,
              eventId: `e${i}`,
              type: s.kind,
              occurredAt: `2026-01-${String(s.day).padStart(2, '0')}T00:00:00Z`,
              payload: { identifiers, properties: {} },
            },
            DEFAULT_IDENTIFIER_REGISTRY,
          );
        });
        const it = randoms[Symbol.iterator]();
        const shuffled = [...world, ...world.filter(() => (it.next().value as number) % 3 === 0)].sort(
          () => ((it.next().value as number) % 3) - 1,
        );
        expect(partition(shuffled)).toEqual(partition(world));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same partition in any order with a TTL and a limit of one week on emails', () => {
    const rules: GraphRules = {
      ...DEFAULT_GRAPH_RULES,
      types: withIdentifierPolicy(DEFAULT_IDENTIFIER_REGISTRY, 'email', { ttlDays: 5, limit: { max: 2, windowDays: 7 } }),
    };
    const anEvent = fc.record({
      day: fc.integer({ min: 1, max: 28 }),
      msisdn: fc.constantFrom('+79161111111', '+79162222222', undefined),
      email: fc.constantFrom('a@x.ru', 'b@x.ru', 'c@x.ru'),
      appUserId: fc.constantFrom('u-1', 'u-2', undefined),
    });
    fc.assert(
      fc.property(fc.array(anEvent, { minLength: 1, maxLength: 20 }), fc.infiniteStream(fc.nat()), (specs, randoms) => {
        const world = specs.map((s, i) => {
          const identifiers: Record<string, string> = { email: s.email };
          if (s.msisdn) identifiers.msisdn = s.msisdn;
          if (s.appUserId) identifiers.appUserId = s.appUserId;
          return observe(
            {
              seq: i,
              sourceId: 'crm',
              eventId: `e${i}`,
              type: 'customer_changed',
              occurredAt: `2026-01-${String(s.day).padStart(2, '0')}T00:00:00.000Z`,
              payload: { identifiers, properties: {} },
            },
            rules.types,
          );
        });
        const it = randoms[Symbol.iterator]();
        const shuffled = [...world, ...world.filter(() => (it.next().value as number) % 3 === 0)].sort(
          () => ((it.next().value as number) % 3) - 1,
        );
        expect(partition(shuffled, {}, rules)).toEqual(partition(world, {}, rules));
      }),
      { numRuns: 200 },
    );
  });
});

describe('identity graph under an overridden registry', () => {
  const rulesWith = (type: Parameters<typeof withIdentifierPolicy>[1], change: Parameters<typeof withIdentifierPolicy>[2]): GraphRules => ({
    ...DEFAULT_GRAPH_RULES,
    types: withIdentifierPolicy(DEFAULT_IDENTIFIER_REGISTRY, type, change),
  });

  it('uses no email as a merge key once email is an attribute class', () => {
    const world = (types: IdentifierRegistry) => [
      observedWith(types)('crm', 'customer_changed', '2026-01-01T00:00:00Z', { msisdn: '+79161111111', email: 'shared@mail.ru' }),
      observedWith(types)('web', 'page', '2026-01-02T00:00:00Z', { appUserId: 'web-1', email: 'shared@mail.ru' }),
    ];
    expect(partition(world(DEFAULT_IDENTIFIER_REGISTRY))).toEqual([['appUserId:web-1', 'email:shared@mail.ru', 'msisdn:+79161111111#0']]);
    const rules = rulesWith('email', { class: 'device' });
    const observations = world(rules.types);
    expect(observations[0]?.keys).toEqual([{ type: 'msisdn', value: '+79161111111' }]);
    expect(observations[0]?.devices).toEqual([{ type: 'email', value: 'shared@mail.ru' }]);
    expect(partition(observations, {}, rules)).toEqual([['appUserId:web-1'], ['msisdn:+79161111111#0']]);
  });

  it('anchors an event on the identifier the registry ranks strongest', () => {
    // A line already held by a passport holder; a later record pairs it with another passport and a mailbox.
    const world = (types: IdentifierRegistry) => [
      observedWith(types)('crm', 'customer_changed', '2026-01-01T00:00:00Z', { msisdn: '+79161111111', passport: 'P-0' }),
      observedWith(types)('crm', 'customer_changed', '2026-01-02T00:00:00Z', {
        msisdn: '+79161111111',
        passport: 'P-1',
        email: 'who@mail.ru',
      }),
    ];
    // By default the passport is the anchor: its link to the line is a conflict, the mailbox follows the passport.
    expect(partition(world(DEFAULT_IDENTIFIER_REGISTRY))).toEqual([
      ['email:who@mail.ru', 'passport:P-1'],
      ['msisdn:+79161111111#0', 'passport:P-0'],
    ]);
    // Ranked above the passport, the line anchors the record and the mailbox follows the line.
    const rules = rulesWith('msisdn', { priority: 0 });
    expect(partition(world(rules.types), {}, rules)).toEqual([
      ['email:who@mail.ru', 'msisdn:+79161111111#0', 'passport:P-0'],
      ['passport:P-1'],
    ]);
  });

  it('applies a limit to any merge-key type: a third web cookie within 30 days is demoted', () => {
    const rules = rulesWith('deviceId', { class: 'contact', limit: { max: 2, windowDays: 30 }, ttlDays: null });
    const web = observedWith(rules.types);
    const world = [1, 2, 3].map((i) => web('web', 'page', `2026-01-0${i}T00:00:00Z`, { appUserId: 'u-1', deviceId: `cookie-${i}` }));
    const result = resolveGraph(input(world), rules);
    const person = result.persons.find((p) => p.nodes.some((n) => n.key === 'appUserId:u-1'));
    expect(person?.nodes.map((n) => n.key).sort()).toEqual(['appUserId:u-1', 'deviceId:cookie-1', 'deviceId:cookie-2']);
    expect(result.findings).toEqual([
      expect.objectContaining({
        kind: 'limit-demoted',
        nodes: ['appUserId:u-1', 'deviceId:cookie-3'],
        message: expect.stringContaining('30 days'),
      }),
    ]);
    // A month later the window has room again.
    const later = [...world, web('web', 'page', '2026-03-01T00:00:00Z', { appUserId: 'u-1', deviceId: 'cookie-4' })];
    expect(resolveGraph(input(later), rules).findings).toHaveLength(1);
    // As a device (the default class) a cookie is no node at all.
    expect(partition(world.map((o) => ({ ...o, keys: o.keys.filter((k) => k.type !== 'deviceId') })))).toEqual([['appUserId:u-1']]);
  });

  it('expires a web cookie not seen for longer than its TTL: its next user is somebody else', () => {
    const rules = rulesWith('deviceId', { class: 'contact', ttlDays: 180 });
    const web = observedWith(rules.types);
    const first = web('web', 'page', '2026-01-01T00:00:00.000Z', { email: 'first@mail.ru', deviceId: 'cookie' });
    const nextUser = web('web', 'page', '2026-09-01T00:00:00.000Z', { email: 'next@mail.ru', deviceId: 'cookie' });
    const result = resolveGraph(input([nextUser, first]), rules);
    expect(partition([first, nextUser], {}, rules)).toEqual([
      ['deviceId:cookie#0', 'email:first@mail.ru'],
      ['deviceId:cookie#1', 'email:next@mail.ru'],
    ]);
    const cookie = result.persons.flatMap((p) => p.nodes).find((n) => n.key === 'deviceId:cookie#0');
    expect(cookie).toMatchObject({ validFrom: null, validTo: '2026-06-30T00:00:00.000Z' });
    expect(result.nodeOf({ type: 'deviceId', value: 'cookie' }, '2026-03-01T00:00:00.000Z')).toBe('deviceId:cookie#0');
    // Past its last expiry the cookie alone resolves to nobody.
    expect(result.nodeOf({ type: 'deviceId', value: 'cookie' }, '2027-06-01T00:00:00.000Z')).toBe('deviceId:cookie#2');
    expect(result.persons.some((p) => p.nodes.some((n) => n.key === 'deviceId:cookie#2'))).toBe(false);
    // Seen with its user in between, the link stays alive: one browser, one person.
    const refreshed = web('web', 'page', '2026-05-01T00:00:00.000Z', { email: 'first@mail.ru', deviceId: 'cookie' });
    expect(partition([first, refreshed, nextUser], {}, rules)).toEqual([
      ['deviceId:cookie#0', 'email:first@mail.ru', 'email:next@mail.ru'],
    ]);
    const forever = rulesWith('deviceId', { class: 'contact', ttlDays: null });
    // Without a TTL the cookie never expires (the observations are the same: a TTL is no part of them).
    expect(partition([first, nextUser], {}, forever)).toEqual([['deviceId:cookie', 'email:first@mail.ru', 'email:next@mail.ru']]);
  });

  it('draws TTL boundaries where no link is alive, and at the last expiry', () => {
    const day = (d: number) => new Date(Date.UTC(2026, 0, d)).toISOString();
    expect(ttlBoundaries([[day(1), day(1)]], 10)).toEqual([day(11)]);
    // Overlapping and touching spans are one; a gap longer than the TTL parts them.
    expect(
      ttlBoundaries(
        [
          [day(1), day(5)],
          [day(15), day(15)],
          [day(40), day(41)],
        ],
        10,
      ),
    ).toEqual([day(25), day(51)]);
    expect(
      ttlBoundaries(
        [
          [day(40), day(41)],
          [day(1), day(5)],
          [day(15), day(15)],
        ],
        10,
      ),
    ).toEqual([day(25), day(51)]);
    expect(ttlBoundaries([], 10)).toEqual([]);
  });
});
