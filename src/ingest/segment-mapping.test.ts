import { describe, expect, it } from 'vitest';
import { mapSegmentMessage, toEventType } from './segment-mapping.js';

const now = new Date('2026-11-22T00:00:00Z');

describe('mapSegmentMessage', () => {
  it('maps identify onto the native envelope with identifiers from ids and traits', () => {
    const mapped = mapSegmentMessage(
      {
        type: 'identify',
        messageId: 'm-1',
        userId: 'u-1',
        anonymousId: 'd-1',
        traits: { email: 'a@b.ru', phone: '+79161234567' },
        timestamp: '2026-11-21T10:00:00Z',
        context: { ip: '10.0.0.1' },
      },
      undefined,
      now,
    );
    expect(mapped).toEqual({
      type: 'identify',
      eventId: 'm-1',
      occurredAt: '2026-11-21T10:00:00Z',
      identifiers: { appUserId: 'u-1', deviceId: 'd-1', email: 'a@b.ru', msisdn: '+79161234567' },
      properties: { userId: 'u-1', anonymousId: 'd-1', traits: { email: 'a@b.ru', phone: '+79161234567' } },
      context: { ip: '10.0.0.1', segment: { type: 'identify' } },
    });
  });

  it('names track events in snake case and derives a stable id when messageId is missing', () => {
    const message = { type: 'track', event: 'App Open', userId: 'u-1', properties: { os: 'ios' } };
    const first = mapSegmentMessage(message, undefined, now) as { type: string; eventId: string };
    const second = mapSegmentMessage(message, undefined, new Date('2027-01-01T00:00:00Z')) as { eventId: string };
    expect(first.type).toBe('app_open');
    expect(first.eventId).toMatch(/^seg-[0-9a-f]{32}$/);
    expect(second.eventId).toBe(first.eventId);
  });

  it('maps alias, group and screen calls', () => {
    expect(mapSegmentMessage({ previousId: 'd-1', userId: 'u-1', messageId: 'a' }, 'alias', now)).toMatchObject({
      type: 'alias',
      identifiers: { appUserId: 'u-1', deviceId: 'd-1' },
      properties: { previousId: 'd-1', userId: 'u-1' },
    });
    expect(mapSegmentMessage({ groupId: '7701234567', userId: 'u-1', messageId: 'g' }, 'group', now)).toMatchObject({
      type: 'group',
      identifiers: { appUserId: 'u-1' },
      properties: { groupId: '7701234567', userId: 'u-1' },
    });
    expect(mapSegmentMessage({ name: 'Home', userId: 'u-1', messageId: 's' }, 'screen', now)).toMatchObject({
      type: 'page',
      properties: { name: 'Home' },
    });
  });

  it('converts names to event types', () => {
    expect(toEventType('Application Opened')).toBe('application_opened');
    expect(toEventType('appOpen')).toBe('app_open');
    expect(toEventType('  top-up done! ')).toBe('top_up_done');
  });
});
