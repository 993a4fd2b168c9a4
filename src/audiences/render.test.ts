import { describe, expect, it } from 'vitest';
import { renderAudience } from './render.js';
import { and, audienceOf } from './test-fixtures.js';

describe('natural-language rendering', () => {
  it('reads a person audience as one sentence', () => {
    const audience = audienceOf(
      and(
        { field: 'traits.planType', operator: '=', value: 'prepaid' },
        { field: 'traits.homeRegion', operator: '=', value: 'RU-MOW' },
        { field: 'event', operator: 'performed', eventType: 'billing/topup', count: { op: 'atLeast', n: 3 }, window: { lastDays: 30 } },
        { field: 'event', operator: 'notPerformed', eventType: 'app/app_open', window: { lastDays: 14 } },
      ),
    );
    expect(renderAudience(audience)).toBe(
      'People whose plan type is prepaid and whose home region is RU-MOW and who topped up at least 3 times in the last 30 days ' +
        'and who did not open the app in the last 14 days',
    );
  });

  it('brackets nested groups, negations, lists, ranges, dates, filters, consent and audiences', () => {
    const audience = audienceOf(
      {
        combinator: 'or',
        rules: [
          {
            combinator: 'and',
            rules: [
              { field: 'traits.homeRegion', operator: 'in', value: ['RU-MOW', 'RU-SPE'] },
              { field: 'scores.churn.probability', operator: 'between', value: [0.5, 0.9] },
            ],
          },
          { combinator: 'and', not: true, rules: [{ field: 'traits.email', operator: 'notNull' }] },
          { field: 'traits.activatedAt', operator: '<', value: '2024-01-01' },
          { field: 'lastInteraction.app', operator: 'olderThanDays', value: 14 },
          {
            field: 'event',
            operator: 'performed',
            eventType: 'billing/topup',
            propertyFilters: [{ field: 'amount.value', operator: '>=', value: 500 }],
            count: { op: 'exactly', n: 1 },
            window: { from: '2024-05-01', to: '2024-05-31' },
          },
          { field: 'consent', operator: 'granted', purpose: 'third_party_ads', channel: 'ads:mytarget' },
          { field: 'audience', operator: 'notIn', audienceId: 'aud-vip' },
        ],
      },
      'person',
      'aud-test',
      { 'aud-vip': { entity: 'person', rule: and({ field: 'traits.roaming', operator: '=', value: true }) } },
    );
    expect(renderAudience(audience, { audienceName: (id) => (id === 'aud-vip' ? 'VIP' : undefined) })).toBe(
      'People (whose home region is one of RU-MOW, RU-SPE and whose churn probability is between 0.5 and 0.9) or not (whose e-mail is known) ' +
        'or whose activation date is before 2024-01-01 or whose last app interaction is more than 14 days ago ' +
        'or who topped up (amount.value is at least 500) exactly once from 2024-05-01 to 2024-05-31 ' +
        'or who have consent for third party ads by ads:mytarget or who are not in the audience "VIP"',
    );
  });

  it('reads account audiences with their members', () => {
    const audience = audienceOf(
      and(
        { field: 'members.count', operator: '>=', value: 5 },
        { combinator: 'and', members: 'none', rules: [{ field: 'scores.churn.band', operator: '=', value: 'high' }] },
      ),
      'account',
    );
    expect(renderAudience(audience)).toBe('Accounts whose number of members is at least 5 and with no member whose churn risk is high');
  });
});
