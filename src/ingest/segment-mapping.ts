import { sha256Hex } from '../core/hash.js';

/** The Segment call types Tessera accepts (Segment HTTP Tracking API spec). */
export const SEGMENT_CALLS = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type SegmentCall = (typeof SEGMENT_CALLS)[number];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : typeof value === 'number' ? String(value) : undefined;

const defined = (object: Json): Json => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));

/** "Application Opened" → "application_opened"; "appOpen" → "app_open". */
export const toEventType = (name: string): string =>
  name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();

/**
 * Maps one Segment message onto Tessera's native event, so both APIs share one ingestion path:
 * `messageId` is the idempotency key, `userId` the app user, `anonymousId` the device, traits'
 * email and phone are contact identifiers (`groupId` is an organisation: a relationship, not an identifier). The message's context is
 * kept. A message without a `messageId` gets one derived from its content, so an exact resend is
 * still a duplicate. The source is not set here: the write key decides it.
 */
export const mapSegmentMessage = (message: unknown, call: SegmentCall | undefined, receivedAt: Date): unknown => {
  if (!isObject(message)) return message;
  const type = call ?? (str(message.type) as SegmentCall | undefined);
  const traits = type === 'identify' ? message.traits : isObject(message.context) ? message.context.traits : undefined;
  const identifiers: Record<string, string> = {};
  const set = (name: string, value: unknown): void => {
    const text = str(value);
    if (text !== undefined) identifiers[name] = text;
  };
  set('appUserId', message.userId);
  set('deviceId', type === 'alias' ? message.previousId : message.anonymousId);
  if (isObject(traits)) {
    set('email', traits.email);
    set('msisdn', traits.phone);
  }

  // The built-in app and web contracts declare the Segment call's own fields (userId,
  // anonymousId, traits…) as properties, and map them onto identifiers.
  const ids = { userId: message.userId, anonymousId: message.anonymousId };
  const properties = ((): unknown => {
    switch (type) {
      case 'identify':
        return defined({ ...ids, traits: message.traits });
      case 'group':
        return defined({ ...ids, groupId: message.groupId, traits: message.traits });
      case 'alias':
        return defined({ previousId: message.previousId, userId: message.userId });
      case 'page':
      case 'screen':
        return defined({ ...ids, name: message.name, ...(isObject(message.properties) ? message.properties : {}) });
      default:
        return message.properties ?? {};
    }
  })();

  const eventType =
    type === 'track' ? (str(message.event) ? toEventType(String(message.event)) : undefined) : type === 'screen' ? 'page' : type;
  const occurredAt = str(message.timestamp) ?? str(message.originalTimestamp) ?? str(message.sentAt) ?? receivedAt.toISOString();
  const { type: _t, ...withoutType } = message;
  return {
    type: eventType,
    eventId: str(message.messageId) ?? `seg-${sha256Hex(JSON.stringify(withoutType)).slice(0, 32)}`,
    occurredAt,
    identifiers,
    properties,
    context: {
      ...(isObject(message.context) ? message.context : {}),
      segment: { type, ...(isObject(message.integrations) ? { integrations: message.integrations } : {}) },
    },
  };
};
