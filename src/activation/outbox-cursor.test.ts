import { describe, expect, it } from 'vitest';
import { compareCursors, formatCursor, graceStart, parseCursor, START } from './outbox-cursor.js';
import { cloudEventType, natsSubjectOf, toCloudEvent } from '../outbox/index.js';

describe('outbox cursor', () => {
  it('round-trips through the SSE id and refuses what is not one', () => {
    const cursor = { createdAt: '2026-11-20T12:00:00.000Z', id: 'ob_0123abcd' };
    expect(formatCursor(cursor)).toBe('2026-11-20T12:00:00.000Z/ob_0123abcd');
    expect(parseCursor(formatCursor(cursor))).toEqual(cursor);
    for (const bad of ['', 'nonsense', '/ob_1', 'yesterday/ob_1', '2026-11-20T12:00:00.000Z/', '2026-11-20T12:00:00.000Z/a\nb'])
      expect(parseCursor(bad), bad).toBeUndefined();
  });

  it('orders by time, then id; the start sorts first', () => {
    const a = { createdAt: '2026-11-20T12:00:00.000Z', id: 'ob_b' };
    const b = { createdAt: '2026-11-20T12:00:00.000Z', id: 'ob_c' };
    const c = { createdAt: '2026-11-20T12:00:00.001Z', id: 'ob_a' };
    expect([c, b, a, START].sort(compareCursors)).toEqual([START, a, b, c]);
  });

  it('reads again from a grace period before the cursor', () => {
    expect(graceStart({ createdAt: '2026-11-20T12:00:05.000Z', id: 'x' }, 5_000)).toBe('2026-11-20T12:00:00.000Z');
    expect(graceStart(START)).toBe('');
  });
});

describe('CloudEvents', () => {
  it('wraps an outbox message in the structured JSON envelope with a versioned type', () => {
    const message = {
      id: 'ob_1',
      type: 'audience.entered',
      subject: 'P1',
      data: { audienceId: 'a' },
      createdAt: '2026-11-20T12:00:00.000Z',
    };
    expect(toCloudEvent(message)).toEqual({
      specversion: '1.0',
      id: 'ob_1',
      source: '/tessera',
      type: 'tessera.audience.entered.v1',
      subject: 'P1',
      time: '2026-11-20T12:00:00.000Z',
      datacontenttype: 'application/json',
      data: { audienceId: 'a' },
    });
    expect(cloudEventType('score.changed')).toBe('tessera.score.changed.v1');
    expect(natsSubjectOf('audience.entered')).toBe('tessera.audience.entered');
  });
});
