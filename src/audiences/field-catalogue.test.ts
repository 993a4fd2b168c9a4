import { describe, expect, it } from 'vitest';
import {
  compileAggregate,
  DEFAULT_AGGREGATES,
  emptyState,
  applyEvent,
  readWindows,
  type WindowValues,
} from '../profiles/aggregates/index.js';
import { applyProfileEvent, EMPTY_STATE, TRAIT_RULES, viewOf, type ProfileEvent } from '../profiles/profile-state.js';
import { buildFieldCatalogue, DEFAULT_CATALOGUE, findField } from './field-catalogue.js';
import { OPERATORS_BY_TYPE } from './field-types.js';
import { profileFields } from './profile-fields.js';

describe('field catalogue', () => {
  const person = DEFAULT_CATALOGUE.fields.person;

  it('has a field for every trait a trait rule sets', () => {
    const traits = new Set(TRAIT_RULES.map((r) => r.trait));
    const covered = new Set(person.filter((f) => f.id.startsWith('traits.')).map((f) => f.id.split('.')[1]));
    expect([...traits].filter((t) => !covered.has(t))).toEqual([]);
  });

  it('has every aggregate × window, counts and sums 0 when absent', () => {
    for (const a of DEFAULT_AGGREGATES)
      for (const w of a.windows)
        expect(findField(DEFAULT_CATALOGUE, 'person', `aggregates.${a.id}.${w}`)).toMatchObject({ domain: 'aggregates', type: 'number' });
    expect(findField(DEFAULT_CATALOGUE, 'person', 'aggregates.topup_count.30d')?.whenAbsent).toBe(0);
    expect(findField(DEFAULT_CATALOGUE, 'person', 'aggregates.arpu.last_3')?.whenAbsent).toBeUndefined();
  });

  it('types every field, lists enum values, says which events feed it, and is plain JSON', () => {
    const ids = person.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of person) {
      expect(OPERATORS_BY_TYPE[f.type].length).toBeGreaterThan(0);
      if (f.type === 'enum') expect(f.values?.length).toBeGreaterThan(0);
    }
    expect(findField(DEFAULT_CATALOGUE, 'person', 'traits.planType')?.fedBy).toEqual(['billing/activation', 'billing/tariff_change']);
    expect(JSON.parse(JSON.stringify(DEFAULT_CATALOGUE.fields))).toEqual(DEFAULT_CATALOGUE.fields);
    expect(new Set(person.map((f) => f.domain))).toEqual(new Set(['state', 'aggregates', 'scores', 'identity']));
  });

  it('reads event types and typed properties from the contracts', () => {
    const topup = DEFAULT_CATALOGUE.events.get('billing/topup');
    expect(topup?.properties).toEqual(
      expect.arrayContaining([
        { path: 'amount.value', type: 'number' },
        expect.objectContaining({ path: 'paymentMethod', type: 'enum' }),
        { path: 'isAutoTopup', type: 'boolean' },
      ]),
    );
  });

  it('follows the operator’s aggregates', () => {
    const catalogue = buildFieldCatalogue({
      aggregates: [{ id: 'sms_sent', label: 'SMS sent', eventTypes: ['sms'], aggregation: 'count', windows: ['1d'], unit: 'count' }],
    });
    expect(catalogue.fields.person.filter((f) => f.domain === 'aggregates').map((f) => f.id)).toEqual(['aggregates.sms_sent.1d']);
  });
});

describe('profile fields', () => {
  let seq = 0;
  const ev = (sourceId: string, type: string, at: string, properties: Record<string, unknown> = {}): ProfileEvent => ({
    seq: ++seq,
    sourceId,
    eventId: `e-${seq}`,
    type,
    at,
    properties,
  });

  it('reads a profile at the catalogue ids, typed (dates as epoch ms)', () => {
    const now = new Date('2024-06-01T12:00:00Z');
    const events = [
      ev('billing', 'activation', '2023-01-10T10:00:00Z', { tariffId: 'T-PREPAID-BASE', planType: 'prepaid', simType: 'esim' }),
      ev('billing', 'balance_changed', '2024-05-30T10:00:00Z', { balance: { value: 42.5, unit: 'RUB' } }),
      ev('billing', 'topup', '2024-05-29T10:00:00Z', { topupId: 't1', amount: { value: 300, unit: 'RUB' }, paymentMethod: 'bankCard' }),
      ev('crm', 'customer_changed', '2024-01-01T00:00:00Z', { homeRegion: 'RU-MOW' }),
      ev('app', 'app_open', '2024-05-31T08:00:00Z', { appVersion: '5.1' }),
    ];
    const state = events.reduce((s, e) => applyProfileEvent(s, e), EMPTY_STATE);
    const windows: Record<string, WindowValues> = {};
    for (const definition of DEFAULT_AGGREGATES) {
      const aggregate = compileAggregate(definition);
      const aggregateState = emptyState(aggregate);
      for (const e of events)
        applyEvent(
          aggregateState,
          aggregate,
          { sourceId: e.sourceId, type: e.type, eventId: e.eventId, occurredAt: e.at, properties: e.properties },
          { timeZone: 'Europe/Moscow', now, lateHorizonDays: 1000 },
        );
      windows[definition.id] = readWindows(aggregateState, aggregate, { now, timeZone: 'Europe/Moscow' });
    }
    const fields = profileFields({
      profileId: 'prof-1',
      view: viewOf(state, now, 'UTC'),
      windows,
      scores: null,
      accounts: [{ accountId: 'A-1', role: 'payer' }],
    });
    expect(fields).toMatchObject({
      'traits.planType': 'prepaid',
      'traits.simType': 'esim',
      'traits.balance.value': 42.5,
      'traits.lastTopup.amount.value': 300,
      'traits.lastTopup.method': 'bankCard',
      'traits.lastTopup.at': Date.parse('2024-05-29T10:00:00Z'),
      'traits.homeRegion': 'RU-MOW',
      'lastInteraction.app': Date.parse('2024-05-31T08:00:00Z'),
      'aggregates.topup_count.30d': 1,
      'aggregates.topup_amount.30d': 300,
      'aggregates.app_opens.7d': 1,
      'activity.events': 5,
      'identity.profileId': 'prof-1',
      'identity.accounts': 1,
      'identity.isPayer': true,
    });
    expect(fields['scores.churn.probability']).toBeUndefined();
  });
});
