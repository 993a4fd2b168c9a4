import { describe, expect, it } from 'vitest';
import type { GraphNode, Person } from './identity-graph.js';
import { assignProfiles, type PreviousProfile } from './profile-assignment.js';

const node = (key: string): GraphNode => ({ key, type: 'msisdn', value: key, epoch: 0, validFrom: null, validTo: null });
const person = (...keys: string[]): Person => ({
  nodes: keys.map(node),
  reasons: new Map(),
  firstSeen: { seq: 1, sourceId: 's', eventId: keys[0] as string, type: 't', at: '2026-01-01T00:00:00Z' },
});
const was = (entries: [string, string, string][]): Map<string, PreviousProfile> =>
  new Map(entries.map(([key, profileId, createdAt]) => [key, { profileId, createdAt }]));
let n = 0;
const fresh = (): string => `new-${++n}`;

describe('assignProfiles', () => {
  it('keeps the older id when two profiles merge and reports the merge', () => {
    const result = assignProfiles(
      [person('a', 'b')],
      was([
        ['a', 'P-old', '2026-01-01'],
        ['b', 'P-young', '2026-02-01'],
      ]),
      fresh,
    );
    expect(result.persons.map((p) => p.profileId)).toEqual(['P-old']);
    expect(result.merged).toEqual([{ survivor: 'P-old', absorbed: ['P-young'] }]);
    expect(result.split).toEqual([]);
  });

  it('splits a profile: the part with its oldest node keeps the id, the other part gets a new one', () => {
    n = 0;
    const result = assignProfiles(
      [person('a'), person('b')],
      was([
        ['a', 'P', '2026-01-01'],
        ['b', 'P', '2026-01-01'],
      ]),
      fresh,
    );
    expect(result.persons.map((p) => [p.profileId, p.isNew])).toEqual([
      ['P', false],
      ['new-1', true],
    ]);
    expect(result.split).toEqual([{ from: 'P', into: ['new-1'] }]);
  });

  it('separates a wrong merge again: the older keeps its id, the other part is a new profile', () => {
    const previous = was([
      ['a', 'P-1', '2026-01-01'],
      ['b', 'P-1', '2026-01-01'],
    ]);
    const result = assignProfiles([person('a'), person('b')], previous, () => 'P-3');
    expect(result.persons.map((p) => p.profileId)).toEqual(['P-1', 'P-3']);
    expect(result.split).toEqual([{ from: 'P-1', into: ['P-3'] }]);
  });

  it('creates new ids for new persons and changes nothing else', () => {
    const result = assignProfiles([person('x')], new Map(), () => 'P-new');
    expect(result).toEqual({ persons: [expect.objectContaining({ profileId: 'P-new', isNew: true })], merged: [], split: [] });
  });
});
