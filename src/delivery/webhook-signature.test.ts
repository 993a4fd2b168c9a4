import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, isWebhookSecret, sign, verifySignature, webhookHeaders } from './webhook-signature.js';

describe('Standard Webhooks signing', () => {
  it('makes whsec_ secrets of 24 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(isWebhookSecret(secret)).toBe(true);
    expect(generateSecret()).not.toBe(secret);
    expect(isWebhookSecret('whsec_c2hvcnQ=')).toBe(false);
  });

  it('signs id.timestamp.body as the standardwebhooks library does, and its receiver verifies it', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ specversion: '1.0', id: 'ob_1', data: { a: 'ü' } });
    const at = new Date();
    const headers = webhookHeaders([secret], 'ob_1', at, body);
    const wh = new Webhook(secret);
    expect(headers['webhook-signature']).toBe(wh.sign('ob_1', new Date(Math.floor(at.getTime() / 1000) * 1000), body));
    expect(wh.verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(verifySignature(secret, headers, body)).toBe(true);
  });

  it('matches the specification example vector', () => {
    // From the Standard Webhooks reference libraries' tests.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('signs with every valid secret during a rotation, so either verifies', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const body = '{"x":1}';
    const headers = webhookHeaders([newSecret, oldSecret], 'ob_2', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(newSecret).verify('{"x":2}', { ...headers })).toThrow();
  });
});
