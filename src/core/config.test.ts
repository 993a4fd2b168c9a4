import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTIFIER_REGISTRY } from '../identity/index.js';
import { ConfigError, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('has working defaults with no configuration at all', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 8080,
      defaultRegion: 'RU',
      adminKey: undefined,
      pgUrl: undefined,
      maxBatchEvents: 1000,
      partitions: 16,
    });
    expect(config.dataDir).toMatch(/data$/);
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.identity).toEqual({ componentCap: 50, autoBlockPersons: 3, types: DEFAULT_IDENTIFIER_REGISTRY });
    expect(parseConfig({ TESSERA_IDENTITY_COMPONENT_CAP: '20' }).identity.componentCap).toBe(20);
  });

  it('lets the environment win over the file', () => {
    expect(parseConfig({ TESSERA_PORT: '9000' }, { TESSERA_PORT: 7000, TESSERA_DEFAULT_REGION: 'kz' })).toMatchObject({
      port: 9000,
      defaultRegion: 'KZ',
    });
  });

  it('names every bad variable', () => {
    try {
      parseConfig({
        TESSERA_PORT: '99999',
        TESSERA_ADMIN_KEY: 'short',
        TESSERA_PG_URL: 'mysql://x',
        TESSERA_LOG_LEVEL: 'loud',
        TESSERA_DEFAULT_REGION: 'ZZ',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const key of ['TESSERA_PORT', 'TESSERA_ADMIN_KEY', 'TESSERA_PG_URL', 'TESSERA_LOG_LEVEL', 'TESSERA_DEFAULT_REGION'])
        expect(problems).toContain(key);
    }
  });

  it('overrides the identifier type registry from JSON, in the environment or as an object in the file', () => {
    const fromEnv = parseConfig({ TESSERA_IDENTITY_TYPES: '{"deviceId":{"class":"contact","ttlDays":90},"email":{"limit":null}}' });
    expect(fromEnv.identity.types.deviceId).toEqual({ class: 'contact', priority: 7, limit: { max: 20, windowDays: 30 }, ttlDays: 90 });
    expect(fromEnv.identity.types.email.limit).toBeNull();
    const fromFile = parseConfig({}, { TESSERA_IDENTITY_TYPES: { msisdn: { priority: 0 } } });
    expect(fromFile.identity.types.msisdn.priority).toBe(0);
    expect(Object.isFrozen(fromFile.identity.types.msisdn)).toBe(true);
  });

  it('lets TESSERA_IDENTITY_EMAILS_PER_YEAR set the email limit, over the registry', () => {
    expect(parseConfig({ TESSERA_IDENTITY_EMAILS_PER_YEAR: '8' }).identity.types.email.limit).toEqual({ max: 8, windowDays: 365 });
    const both = parseConfig({
      TESSERA_IDENTITY_EMAILS_PER_YEAR: '2',
      TESSERA_IDENTITY_TYPES: '{"email":{"limit":{"max":9,"windowDays":30},"priority":1}}',
    });
    expect(both.identity.types.email).toMatchObject({ limit: { max: 2, windowDays: 365 }, priority: 1 });
  });

  it('stops on a bad identifier registry, naming the variable and the path', () => {
    const problemsOf = (env: Record<string, string>): string[] => {
      try {
        parseConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return [...(err as ConfigError).problems];
      }
      return expect.unreachable();
    };
    expect(problemsOf({ TESSERA_IDENTITY_TYPES: '{"email":' })).toEqual([expect.stringMatching(/^TESSERA_IDENTITY_TYPES: not valid JSON/)]);
    expect(problemsOf({ TESSERA_IDENTITY_TYPES: '[1]' })).toEqual(['TESSERA_IDENTITY_TYPES: expected a JSON object of identifier types']);
    expect(
      problemsOf({
        TESSERA_IDENTITY_TYPES: '{"cookie":{},"email":{"class":"weak","limit":{"max":0,"windowDays":365}}}',
        TESSERA_PORT: 'x',
      }),
    ).toEqual([
      'TESSERA_PORT: expected an integer from 0 to 65535, got "x"',
      expect.stringMatching(/^TESSERA_IDENTITY_TYPES\.cookie: unknown identifier type/),
      expect.stringMatching(/^TESSERA_IDENTITY_TYPES\.email\.class: unknown class "weak"/),
      'TESSERA_IDENTITY_TYPES.email.limit.max: expected an integer from 1 to 100000, got 0',
    ]);
  });
});
