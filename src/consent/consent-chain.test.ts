import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, chainEvent, consentEventHash, verifyChain } from './consent-chain.js';
import type { ConsentEvent } from './consent-model.js';
import { SUBJECT, chainOf } from './test-events.js';

const chain = () =>
  chainOf([
    { validFrom: '2026-01-01T00:00:00.000Z' },
    { action: 'withdraw', validFrom: '2026-02-01T00:00:00.000Z' },
    { action: 'grant', channel: 'email', legalBasis: 'fz152_consent', validFrom: '2026-03-01T00:00:00.000Z' },
  ]);

describe('the per-subject hash chain', () => {
  it('links each event to the hash of the one before, from the genesis hash', () => {
    const events = chain();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[0]?.prevHash).toBe(GENESIS_HASH);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(events[2]?.prevHash).toBe(events[1]?.hash);
    for (const event of events) expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyChain(SUBJECT, events)).toEqual({ valid: true, length: 3, head: events[2]?.hash });
    expect(verifyChain(SUBJECT, [])).toEqual({ valid: true, length: 0, head: GENESIS_HASH });
  });

  it('hashes canonical JSON: the order of keys does not change the hash', () => {
    const [event] = chain() as [ConsentEvent];
    const reordered = Object.fromEntries(Object.entries(event).reverse()) as unknown as ConsentEvent;
    expect(consentEventHash(reordered)).toBe(event.hash);
  });

  it('finds an edited event', () => {
    const events = chain();
    const tampered = events.map((e) => (e.seq === 2 ? { ...e, action: 'grant' as const } : e));
    expect(verifyChain(SUBJECT, tampered)).toMatchObject({ valid: false, brokenAt: 2, reason: 'HASH_MISMATCH' });
    const nested = events.map((e) => (e.seq === 1 ? { ...e, proof: { ...e.proof, evidenceRef: 'forged' } } : e));
    expect(verifyChain(SUBJECT, nested)).toMatchObject({ valid: false, brokenAt: 1, reason: 'HASH_MISMATCH' });
  });

  it('finds an edited event whose own hash was recomputed: the next link no longer fits', () => {
    const events = chain();
    const forged = { ...(events[1] as ConsentEvent), action: 'grant' as const };
    const rehashed = { ...forged, hash: consentEventHash(forged) };
    expect(verifyChain(SUBJECT, [events[0] as ConsentEvent, rehashed, events[2] as ConsentEvent])).toMatchObject({
      valid: false,
      brokenAt: 3,
      reason: 'PREV_HASH_MISMATCH',
    });
  });

  it('finds a deleted, a reordered and a foreign event', () => {
    const events = chain();
    expect(verifyChain(SUBJECT, [events[0], events[2]] as ConsentEvent[])).toMatchObject({ valid: false, brokenAt: 2, reason: 'SEQ_GAP' });
    expect(verifyChain(SUBJECT, [events[1], events[0], events[2]] as ConsentEvent[])).toMatchObject({
      valid: false,
      brokenAt: 1,
      reason: 'SEQ_GAP',
    });
    expect(verifyChain('msisdn:+79990000000', events)).toMatchObject({ valid: false, brokenAt: 1, reason: 'SUBJECT_MISMATCH' });
    // Deleting the last event cannot be seen from the events alone; the head hash a report cites can.
    expect(verifyChain(SUBJECT, events.slice(0, 2))).toMatchObject({ valid: true, head: events[1]?.hash });
  });

  it('numbers a new event after the head it is given', () => {
    const events = chain();
    const next = chainEvent({ ...(events[0] as ConsentEvent), eventId: 'ev-next' }, events[2]);
    expect(next).toMatchObject({ seq: 4, prevHash: events[2]?.hash });
    expect(verifyChain(SUBJECT, [...events, next]).valid).toBe(true);
  });

  it('detects any change of any field of any event (property)', () => {
    const events = chain();
    const fields = [
      'eventId',
      'purpose',
      'channel',
      'action',
      'legalBasis',
      'jurisdiction',
      'validFrom',
      'recordedAt',
      'prevHash',
      'hash',
    ] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: events.length - 1 }),
        fc.constantFrom(...fields),
        fc.string({ minLength: 1 }),
        (index, field, suffix) => {
          const tampered = events.map((e, i) => (i === index ? { ...e, [field]: `${e[field]}${suffix}` } : e));
          expect(verifyChain(SUBJECT, tampered).valid).toBe(false);
        },
      ),
    );
  });
});
