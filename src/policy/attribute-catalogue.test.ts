import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOGUE } from '../audiences/index.js';
import { BUILTIN_CONTRACTS } from '../contracts/index.js';
import { DEFAULT_AGGREGATES } from '../profiles/aggregates/index.js';
import { TRAIT_RULES } from '../profiles/profile-state.js';
import { buildAttributeCatalogue, classificationsOfContracts } from './attribute-catalogue.js';
import { CLASS_PURPOSES, mostSensitive } from './attribute-classes.js';
import { TRAIT_ORIGINS } from './profile-attribute-origins.js';

const catalogue = buildAttributeCatalogue({ events: classificationsOfContracts(BUILTIN_CONTRACTS), aggregates: DEFAULT_AGGREGATES });
const classOf = (id: string) => catalogue.byId.get(id)?.class;

describe('attribute catalogue', () => {
  it('has an origin for every trait rule of the profile, and none for a rule that no longer exists', () => {
    const rules = new Set(TRAIT_RULES.map((r) => `${r.on}:${r.trait}`));
    expect([...rules].filter((r) => TRAIT_ORIGINS[r] === undefined)).toEqual([]);
    expect(Object.keys(TRAIT_ORIGINS).filter((k) => !rules.has(k))).toEqual([]);
  });

  it('classifies every profile attribute from the built-in contracts, none left unclassified', () => {
    const profile = catalogue.attributes.filter((a) => a.kind === 'profile');
    expect(profile.length).toBeGreaterThan(40);
    expect(profile.filter((a) => a.unclassified).map((a) => a.id)).toEqual([]);
  });

  it('covers every person field an audience rule can name', () => {
    const attributeOf = (field: string): string => {
      const [head = '', second = ''] = field.split('.');
      if (head === 'traits' || head === 'aggregates' || head === 'scores') return `${head}.${second}`;
      if (head === 'identity') return 'accounts';
      return head;
    };
    const missing = DEFAULT_CATALOGUE.fields.person
      .map((f) => f.id)
      .filter((id) => id !== 'identity.profileId' && !catalogue.byId.has(attributeOf(id)));
    expect(missing).toEqual([]);
  });

  it('derives each class from the properties that feed the attribute, the most sensitive winning', () => {
    expect(classOf('traits.name')).toBe('pii');
    expect(classOf('traits.email')).toBe('contact');
    expect(classOf('traits.homeRegion')).toBe('location');
    expect(classOf('traits.homeCity')).toBe('location');
    expect(classOf('traits.lastLocation')).toBe('location');
    expect(classOf('traits.roaming')).toBe('location');
    expect(classOf('traits.balance')).toBe('billing');
    expect(classOf('traits.tariff')).toBe('billing');
    expect(classOf('traits.appVersion')).toBe('behavioural');
    expect(classOf('traits.deviceTac')).toBe('identifier');
    expect(classOf('timeZone')).toBe('location');
    expect(classOf('scores.churn')).toBe('derived');
    expect(classOf('openCases')).toBe('behavioural');
    // Minutes of calls are traffic data; reading the serving network (home vs roaming) makes usage location data.
    expect(classOf('aggregates.voice_minutes')).toBe('traffic');
    expect(classOf('aggregates.data_usage_home')).toBe('location');
    expect(classOf('aggregates.distinct_cells')).toBe('location');
    expect(classOf('aggregates.usage_events')).toBe('traffic');
    expect(classOf('aggregates.topup_count')).toBe('billing');
    expect(classOf('aggregates.app_opens')).toBe('behavioural');
    expect(catalogue.byId.get('traits.name')?.derivedFrom).toEqual(
      expect.arrayContaining(['crm/customer_changed:name', 'app/identify:traits.name', 'app/identify:traits.firstName']),
    );
  });

  it('lists every classified event property with the class its contract gives it', () => {
    expect(classOf('crm/customer_changed:passport')).toBe('pii');
    expect(classOf('network/data_session:datavolumeFBCUplink')).toBe('traffic');
    expect(classOf('network/location_update:cellId')).toBe('location');
    expect(catalogue.byId.get('network/location_update:cellId')?.kind).toBe('event');
  });

  it('gives each attribute the purposes of its class unless overridden', () => {
    expect(catalogue.byId.get('traits.name')?.purposes).toEqual(CLASS_PURPOSES.pii);
    expect(catalogue.byId.get('traits.name')?.purposes).not.toContain('third_party_ads');
    const narrowed = buildAttributeCatalogue({
      events: classificationsOfContracts(BUILTIN_CONTRACTS),
      aggregates: [],
      purposeOverrides: { 'traits.name': ['service'] },
    });
    expect(narrowed.byId.get('traits.name')?.purposes).toEqual(['service']);
  });

  it('treats an attribute whose property no contract classifies as special (fail closed)', () => {
    const bare = buildAttributeCatalogue({
      events: [{ event: 'crm/customer_changed', classifications: { msisdn: 'identifier' } }],
      aggregates: [],
    });
    const name = bare.byId.get('traits.name');
    expect(name).toMatchObject({ class: 'special', unclassified: true, purposes: ['service'] });
  });

  it('orders classes by sensitivity', () => {
    expect(mostSensitive(['billing', 'location', 'pii'])).toBe('location');
    expect(mostSensitive(['derived', 'behavioural'])).toBe('behavioural');
    expect(mostSensitive([])).toBeUndefined();
  });
});
