import { describe, expect, it } from 'vitest';
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
    expect(config.identity).toEqual({ componentCap: 50, autoBlockPersons: 3, emailsPerYear: 5 });
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
});
