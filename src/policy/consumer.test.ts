import { describe, expect, it } from 'vitest';
import { checkConsumerDraft, consumerFields } from './consumer.js';

describe('consumer registration', () => {
  it('accepts a campaign tool and normalises its lists', () => {
    const draft = { name: ' Campaigns ', kind: 'campaign' as const, purposes: ['marketing', 'marketing'], channels: ['sms', 'email'] };
    expect(checkConsumerDraft(draft, 'campaigns')).toEqual([]);
    expect(consumerFields(draft)).toMatchObject({ name: 'Campaigns', purposes: ['marketing'], channels: ['email', 'sms'], partner: null });
  });

  it('requires an ad partner to name its partner and use only its ads:<partner> channel', () => {
    expect(checkConsumerDraft({ name: 'Ads', kind: 'ad_partner', purposes: ['third_party_ads'], channels: ['ads:adnet'] })).toEqual([
      expect.objectContaining({ path: '/partner', code: 'PARTNER_REQUIRED' }),
    ]);
    expect(
      checkConsumerDraft({
        name: 'Ads',
        kind: 'ad_partner',
        partner: 'adnet',
        purposes: ['third_party_ads'],
        channels: ['ads:adnet', 'sms'],
      }),
    ).toEqual([expect.objectContaining({ path: '/channels/1', code: 'AD_PARTNER_CHANNEL' })]);
    expect(
      checkConsumerDraft({ name: 'Ads', kind: 'ad_partner', partner: 'adnet', purposes: ['third_party_ads'], channels: ['ads:adnet'] }),
    ).toEqual([]);
  });

  it('lists every problem of a bad draft', () => {
    const issues = checkConsumerDraft(
      { name: '', kind: 'app', partner: 'x', purposes: [], channels: ['ads:x', 'SMS'], requiredSignals: ['Bad Signal'] },
      'Bad Id',
    );
    expect(issues.map((i) => i.code).sort()).toEqual([
      'AD_CHANNEL_NOT_ALLOWED',
      'EMPTY',
      'EMPTY',
      'INVALID_CHANNEL',
      'INVALID_ID',
      'INVALID_SIGNAL',
      'PARTNER_NOT_ALLOWED',
    ]);
  });
});
