import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Standard Webhooks 1.0 signing (https://www.standardwebhooks.com/, spec/standard-webhooks.md).
 * A secret is `whsec_` + base64 of 24–64 random bytes; the key is the decoded base64 part. The
 * signed content is `${id}.${timestamp}.${body}`, the signature `v1,<base64 HMAC-SHA256>`, and the
 * header holds one signature per valid secret separated by spaces (key rotation).
 */

export const SECRET_PREFIX = 'whsec_';

export const generateSecret = (random: (n: number) => Buffer = randomBytes): string => `${SECRET_PREFIX}${random(24).toString('base64')}`;

export const isWebhookSecret = (secret: string): boolean => {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return key.length >= 24 && key.length <= 64;
};

const keyOf = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');

/** `v1,<base64 HMAC-SHA256 of id.timestamp.body>`; `timestamp` in whole seconds since the epoch. */
export const sign = (secret: string, id: string, timestamp: number, body: string): string =>
  `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;

export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** The three headers of one delivery attempt, signed with every secret still valid. */
export const webhookHeaders = (secrets: readonly string[], id: string, at: Date, body: string): WebhookHeaders => {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => sign(s, id, timestamp, body)).join(' '),
  };
};

/** What a receiver does (used by tests and the bench receiver): any listed v1 signature matching. */
export const verifySignature = (secret: string, headers: WebhookHeaders, body: string): boolean => {
  const expected = Buffer.from(sign(secret, headers['webhook-id'], Number(headers['webhook-timestamp']), body));
  return headers['webhook-signature'].split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
};
