import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTIFIER_REGISTRY, byPriority, hasEpochs, overrideIdentifierRegistry } from './identifier-types.js';

describe('identifier type registry', () => {
  it('has the defaults of issue 4: classes, priorities, the email and device limits, a device TTL', () => {
    const r = DEFAULT_IDENTIFIER_REGISTRY;
    const types = (Object.keys(r) as (keyof typeof r)[]).map((type) => ({ type }));
    expect(types.sort(byPriority(r)).map((t) => t.type)).toEqual([
      'passport',
      'appUserId',
      'iccid',
      'imsi',
      'msisdn',
      'email',
      'imei',
      'deviceId',
      'accountId',
    ]);
    expect(r.email).toEqual({ class: 'contact', priority: 5, limit: { max: 5, windowDays: 365 }, ttlDays: null });
    expect(r.deviceId).toEqual({ class: 'device', priority: 7, limit: { max: 20, windowDays: 30 }, ttlDays: 180 });
    expect(r.accountId.class).toBe('account');
    expect(hasEpochs(r.msisdn)).toBe(true);
    expect(hasEpochs(r.email)).toBe(false);
    expect(Object.isFrozen(r) && Object.isFrozen(r.email) && Object.isFrozen(r.email.limit)).toBe(true);
  });

  it('overrides only the fields given, and null removes a limit or a TTL', () => {
    const { registry, problems } = overrideIdentifierRegistry(DEFAULT_IDENTIFIER_REGISTRY, {
      email: { class: 'device' },
      deviceId: { class: 'contact', limit: null, ttlDays: 90 },
      msisdn: { priority: 0, limit: { max: 3, windowDays: 30 } },
      imei: { ttlDays: null },
    });
    expect(problems).toEqual([]);
    expect(registry.email).toEqual({ ...DEFAULT_IDENTIFIER_REGISTRY.email, class: 'device' });
    expect(registry.deviceId).toEqual({ class: 'contact', priority: 7, limit: null, ttlDays: 90 });
    expect(registry.msisdn).toEqual({ class: 'line', priority: 0, limit: { max: 3, windowDays: 30 }, ttlDays: null });
    expect(registry.passport).toBe(DEFAULT_IDENTIFIER_REGISTRY.passport);
    expect(Object.isFrozen(registry.deviceId)).toBe(true);
    // The defaults are untouched.
    expect(DEFAULT_IDENTIFIER_REGISTRY.email.class).toBe('contact');
  });

  it('names every problem by its path and keeps the defaults', () => {
    const { registry, problems } = overrideIdentifierRegistry(DEFAULT_IDENTIFIER_REGISTRY, {
      cookie: { ttlDays: 30 },
      email: { class: 'weak', priority: -1, ttl: 3 },
      deviceId: { limit: { max: 0, windowDays: 1.5, per: 'day' }, ttlDays: '180' },
      imei: 7,
      passport: { class: 'account' },
      accountId: { class: 'contact' },
      msisdn: { limit: 5 },
    });
    expect(registry).toBe(DEFAULT_IDENTIFIER_REGISTRY);
    expect(problems.map((p) => p.path)).toEqual([
      'cookie',
      'email.class',
      'email.priority',
      'email.ttl',
      'deviceId.limit.per',
      'deviceId.limit.max',
      'deviceId.limit.windowDays',
      'deviceId.ttlDays',
      'imei',
      'passport.class',
      'accountId.class',
      'msisdn.limit',
    ]);
    expect(problems[0]?.message).toContain('unknown identifier type');
    expect(problems[1]?.message).toBe('unknown class "weak" (known: person-unique, line, account, contact, device)');
    expect(problems[2]?.message).toBe('expected an integer from 0 to 1000, got -1');
    expect(problems[7]?.message).toBe('expected an integer from 1 to 36500, got "180"');
    expect(problems[10]?.message).toContain('never merge keys');
  });

  it('refuses anything but an object of types', () => {
    for (const value of [[], 'email', 3, null]) {
      expect(overrideIdentifierRegistry(DEFAULT_IDENTIFIER_REGISTRY, value).problems).toEqual([
        { path: '', message: 'expected a JSON object of identifier types' },
      ]);
    }
  });
});
