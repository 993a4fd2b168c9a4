import { describe, expect, it } from 'vitest';
import { checkSubscriptionDraft, rotateSecrets, signingSecrets } from './subscription.js';

const consumer = { status: 'active', purposes: ['marketing', 'service'], channels: ['app'] };

describe('subscription drafts', () => {
  it('defaults the channel when the consumer has one, and asks for the purpose when it has several', () => {
    const checked = checkSubscriptionDraft(
      { consumerId: 'c', eventTypes: ['audience.entered'], transport: 'webhook', url: 'https://x' },
      consumer,
    );
    expect(checked.channel).toBe('app');
    expect(checked.issues.map((i) => i.code)).toEqual(['REQUIRED']);
  });

  it('lists every problem', () => {
    const checked = checkSubscriptionDraft(
      { consumerId: 'c', eventTypes: ['audience.entered', 'nope'], transport: 'sse', purpose: 'ads', channel: 'sms' },
      { ...consumer, status: 'deleted' },
    );
    expect(checked.issues.map((i) => `${i.path} ${i.code}`)).toEqual([
      '/consumerId CONSUMER_NOT_ACTIVE',
      '/eventTypes/1 UNKNOWN_EVENT_TYPE',
      '/transport TRANSPORT_NOT_AVAILABLE',
      '/purpose PURPOSE_NOT_REGISTERED',
      '/channel CHANNEL_NOT_REGISTERED',
    ]);
  });
});

describe('secret rotation', () => {
  it('keeps two secrets signing during the grace period, then only the new one', () => {
    const t0 = new Date('2026-03-01T00:00:00Z');
    const t1 = new Date('2026-03-02T00:00:00Z');
    const first = [{ secret: 'whsec_old', createdAt: t0.toISOString(), expiresAt: null }];
    const rotated = rotateSecrets(first, 'whsec_new', t1, new Date(t1.getTime() + 3_600_000));
    expect(signingSecrets(rotated, t1)).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(rotated, new Date(t1.getTime() + 3_600_000))).toEqual(['whsec_new']);
    // A second rotation drops the expired secret and never extends the old one's grace.
    const again = rotateSecrets(rotated, 'whsec_newer', new Date(t1.getTime() + 7_200_000), new Date(t1.getTime() + 9_000_000));
    expect(again.map((s) => s.secret)).toEqual(['whsec_newer', 'whsec_new']);
  });
});
