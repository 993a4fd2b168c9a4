import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTIFIER_REGISTRY } from './identifier-types.js';
import { linkKey, resolveGraph, type GraphInput, type GraphResult } from './identity-graph.js';
import { joiningEvent, mergeMessage, messageId, simSwapMessage, splitMessage } from './identity-messages.js';
import { observe, type Observation } from './observe.js';
import { assignProfiles, type PreviousProfile } from './profile-assignment.js';

let seq = 0;
const event = (sourceId: string, type: string, at: string, identifiers: Record<string, string>, properties = {}): Observation =>
  observe(
    { seq: ++seq, sourceId, eventId: `${type}-${seq}`, type, occurredAt: at, payload: { identifiers, properties } },
    DEFAULT_IDENTIFIER_REGISTRY,
  );
const graph = (observations: Observation[], extra: Partial<GraphInput> = {}): GraphResult =>
  resolveGraph({ observations, lineEnds: new Map(), blocked: new Set(), removedLinks: new Set(), ...extra });
/** Names each person of a graph by its first node, as the stage's stored profiles would be. */
const profilesOf = (result: GraphResult): Map<string, PreviousProfile> =>
  new Map(
    result.persons.flatMap((p, i) =>
      p.nodes.map((n) => [n.key, { profileId: `p-${p.nodes[0]?.value}`, createdAt: `2026-01-0${i + 1}T00:00:00Z` }] as const),
    ),
  );

describe('identity outbox messages', () => {
  const lineA = event('billing', 'activation', '2026-01-01T00:00:00Z', { msisdn: '+79161111111', imsi: '250010000000011' });
  const lineB = event('billing', 'activation', '2026-01-02T00:00:00Z', { msisdn: '+79162222222', imsi: '250010000000022' });
  const passportA = event('crm', 'customer_changed', '2026-01-06T00:00:00Z', { msisdn: '+79161111111', passport: 'P-1' });
  const passportB = event('crm', 'customer_changed', '2026-01-06T00:00:01Z', { msisdn: '+79162222222', passport: 'P-1' });

  it('names a merge by its profiles and the event whose link joined them, the same every time', () => {
    const previous = profilesOf(graph([lineA, lineB]));
    const after = graph([lineA, lineB, passportA, passportB]);
    const changes = assignProfiles(after.persons, previous, () => 'p-new');
    const [merge] = changes.merged;
    expect(merge).toEqual({ survivor: 'p-250010000000011', absorbed: ['p-250010000000022'] });
    const person = changes.persons.find((p) => p.profileId === merge?.survivor)?.person;
    const groups = ['p-250010000000011', 'p-250010000000022'].map(
      (id) => person?.nodes.filter((n) => previous.get(n.key)?.profileId === id).map((n) => n.key) ?? [],
    );
    expect(person && joiningEvent(person, groups)).toBe(passportB.event);

    const message = mergeMessage(merge as NonNullable<typeof merge>, person, (key) => previous.get(key)?.profileId);
    expect(message).toEqual({
      id: messageId('profile.merged', 'p-250010000000011', 'p-250010000000022', `crm/${passportB.event.eventId}`),
      type: 'profile.merged',
      subject: 'p-250010000000011',
      data: { survivor: 'p-250010000000011', absorbed: ['p-250010000000022'] },
    });
    expect(message.id).toMatch(/^ob_[0-9a-f]{32}$/);
    // The same decision again (a rebuild) gives the same id; the same profiles joined by another event do not.
    expect(mergeMessage(merge as NonNullable<typeof merge>, person, (key) => previous.get(key)?.profileId).id).toBe(message.id);
    const viaApp = [
      event('app', 'login', '2026-01-06T00:00:00Z', { msisdn: '+79161111111', appUserId: 'u-1' }),
      event('app', 'login', '2026-01-07T00:00:00Z', { msisdn: '+79162222222', appUserId: 'u-1' }),
    ];
    const other = assignProfiles(graph([lineA, lineB, ...viaApp]).persons, previous, () => 'p-new');
    const otherPerson = other.persons.find((p) => p.profileId === 'p-250010000000011')?.person;
    expect(mergeMessage(other.merged[0] as NonNullable<typeof merge>, otherPerson, (key) => previous.get(key)?.profileId).id).not.toBe(
      message.id,
    );
  });

  it('names a split by its profiles and the refused link that keeps them apart', () => {
    const wrong = event('app', 'login', '2026-01-04T00:00:00Z', { msisdn: '+79162222222', appUserId: 'u-1' });
    const world = [lineA, lineB, event('app', 'login', '2026-01-03T00:00:00Z', { msisdn: '+79161111111', appUserId: 'u-1' }), wrong];
    const previous = profilesOf(graph(world));
    expect(new Set([...previous.values()].map((p) => p.profileId)).size).toBe(1);
    const after = graph(world, { removedLinks: new Set([linkKey('appUserId:u-1', 'msisdn:+79162222222#0')]) });
    const changes = assignProfiles(after.persons, previous, (p) => `p-new-${p.nodes[0]?.value}`);
    const [split] = changes.split;
    expect(split).toEqual({ from: 'p-250010000000011', into: ['p-new-250010000000022'] });
    const profileOfNode = new Map(changes.persons.flatMap((p) => p.person.nodes.map((n) => [n.key, p.profileId] as const)));
    const message = splitMessage(split as NonNullable<typeof split>, (key) => profileOfNode.get(key), after.findings);
    expect(message).toMatchObject({ type: 'profile.split', subject: 'p-250010000000011' });
    expect(message.id).toBe(messageId('profile.split', 'p-250010000000011', 'p-new-250010000000022', `app/${wrong.event.eventId}`));
  });

  it('names a SIM swap by its event alone', () => {
    const swap = event(
      'network',
      'sim_change',
      '2026-02-01T00:00:00Z',
      { msisdn: '+79161111111', iccid: '8970100000000000099' },
      { oldIccid: '8970100000000000011' },
    );
    const message = simSwapMessage(swap, 'p-1');
    expect(message).toMatchObject({
      id: messageId('identity.sim_swap', `network/${swap.event.eventId}`),
      subject: 'p-1',
      data: { profileId: 'p-1', oldIccid: '8970100000000000011', newIccid: '8970100000000000099' },
    });
    // Resolved to another profile in a rebuild, it is still the same swap.
    expect(simSwapMessage(swap, 'p-2')?.id).toBe(message?.id);
    expect(simSwapMessage(lineA, 'p-1')).toBeUndefined();
  });
});
