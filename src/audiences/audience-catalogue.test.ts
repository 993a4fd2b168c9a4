import { describe, expect, it } from 'vitest';
import { fieldGuide } from './audience-catalogue.js';
import { DEFAULT_CATALOGUE } from './field-catalogue.js';

describe('the field guide for the query builder', () => {
  const guide = fieldGuide(DEFAULT_CATALOGUE, 90);

  it('groups every field of every entity type by domain, in the catalogue order of domains', () => {
    for (const entity of ['person', 'account', 'organisation'] as const) {
      const ids = guide.fields[entity].flatMap((group) => group.fields.map((f) => f.id));
      expect(ids.sort()).toEqual(DEFAULT_CATALOGUE.fields[entity].map((f) => f.id).sort());
      for (const group of guide.fields[entity]) expect(group.fields.length).toBeGreaterThan(0);
    }
    expect(guide.fields.person.map((g) => g.domain)).toEqual(['state', 'aggregates', 'scores', 'identity']);
    expect(guide.fields.organisation.map((g) => g.domain)).toContain('firmographics');
  });

  it("gives each field the operators of its type, and an enum's values", () => {
    const fields = guide.fields.person.flatMap((g) => g.fields);
    const planType = fields.find((f) => f.id === 'traits.planType');
    expect(planType).toMatchObject({ type: 'enum', operators: ['=', '!=', 'in', 'notIn', 'null', 'notNull'] });
    expect(planType?.values).toContain('prepaid');
    const topups = fields.find((f) => f.id === 'aggregates.topup_count.30d');
    expect(topups).toMatchObject({ type: 'number', timeDependent: true, whenAbsent: 0 });
    expect(topups?.operators).toContain('between');
  });

  it('lists event types with typed properties whose operators leave out relative dates', () => {
    const topup = guide.events.find((e) => e.eventType === 'billing/topup');
    expect(topup?.properties.find((p) => p.path === 'amount.value')).toMatchObject({ type: 'number' });
    for (const event of guide.events)
      for (const property of event.properties) {
        expect(property.operators).not.toContain('withinLastDays');
        expect(property.operators).not.toContain('olderThanDays');
      }
    const ids = guide.events.map((e) => e.eventType);
    expect(ids).toEqual([...ids].sort());
  });

  it('says how far back a window may reach, null when every event is kept', () => {
    expect(guide.retainedEventDays).toBe(90);
    expect(fieldGuide(DEFAULT_CATALOGUE, Number.POSITIVE_INFINITY).retainedEventDays).toBeNull();
    expect(guide.consent.purposes).toContain('marketing');
    expect(guide.countOps).toEqual(['atLeast', 'atMost', 'exactly']);
  });
});
