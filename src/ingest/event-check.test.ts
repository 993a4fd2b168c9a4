import { describe, expect, it } from 'vitest';
import { declaredTree, type CompiledContract } from '../contracts/index.js';
import { createSchemaCompiler } from '../contracts/json-schema-validator.js';
import { IdentifierNormaliser } from '../identity/index.js';
import { checkEvent, type CheckContext } from './event-check.js';

const compiler = createSchemaCompiler();
const schema = {
  type: 'object',
  additionalProperties: false,
  properties: { msisdn: { type: 'string' }, amount: { type: 'number' }, nested: { type: 'object', properties: { a: { type: 'string' } } } },
  required: ['amount'],
};
const contract: CompiledContract = {
  sourceId: 'billing',
  type: 'payment',
  version: 3,
  requiresIdentifier: true,
  validate: compiler.compile(schema),
  mappings: [{ path: ['msisdn'], idType: 'msisdn' }],
  tree: declaredTree(schema),
  hasOpenObjects: true,
};
const normaliser = new IdentifierNormaliser('RU');
const context = (overrides: Partial<CheckContext> = {}): CheckContext => ({
  receivedAt: new Date('2026-11-22T00:00:00Z'),
  receivedAtIso: '2026-11-22T00:00:00.000Z',
  partitions: 16,
  channel: 'native',
  hasSource: (id) => id === 'billing',
  resolveContract: (source, type, version) =>
    source === 'billing' && type === 'payment' && (version === undefined || version === 3) ? contract : undefined,
  normalise: (type, raw) => normaliser.normalise(type, raw),
  isBlocked: (type, value) => type === 'msisdn' && value === '+79990001122',
  ...overrides,
});
const event = (overrides: Record<string, unknown> = {}) => ({
  source: 'billing',
  type: 'payment',
  eventId: 'e-1',
  occurredAt: '2026-11-21T10:00:00+03:00',
  properties: { msisdn: '8 916 123-45-67', amount: 10 },
  ...overrides,
});

describe('checkEvent', () => {
  it('builds the log record with normalised identifiers, UTC time, version and a stable partition', () => {
    const result = checkEvent(event(), context());
    expect(result).toMatchObject({
      ok: true,
      record: {
        sourceId: 'billing',
        eventId: 'e-1',
        occurredAt: '2026-11-21T07:00:00.000Z',
        schemaVersion: 3,
        payload: { identifiers: { msisdn: '+79161234567' }, rawIdentifiers: { msisdn: '8 916 123-45-67' }, channel: 'native' },
      },
    });
    const again = checkEvent(event({ eventId: 'e-2', identifiers: { msisdn: '+79161234567' } }), context());
    expect(again.ok && result.ok && again.record.partition === result.record.partition).toBe(true);
  });

  it('lists every schema violation with its path and reports drift', () => {
    const result = checkEvent(event({ properties: { amount: 'ten', extra: 1 } }), context());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reasons.map((r) => [r.code, r.path, r.keyword])).toEqual(
      expect.arrayContaining([
        ['SCHEMA_VIOLATION', '/properties/extra', 'additionalProperties'],
        ['SCHEMA_VIOLATION', '/properties/amount', 'type'],
      ]),
    );
    expect(result.drift).toEqual(
      expect.arrayContaining([
        { path: '/extra', kind: 'undeclared_field' },
        { path: '/amount', kind: 'type_mismatch' },
      ]),
    );
    expect(result.keys).toEqual({ sourceId: 'billing', type: 'payment', eventId: 'e-1', schemaVersion: 3 });
  });

  it('reports undeclared fields of open nested objects as drift without refusing the event', () => {
    const result = checkEvent(event({ properties: { msisdn: '+79161234567', amount: 1, nested: { a: 'x', b: 'y' } } }), context());
    expect(result).toMatchObject({ ok: true, drift: [{ path: '/nested/b', kind: 'undeclared_field' }] });
  });

  it('refuses blocked, conflicting and unknown identifiers', () => {
    const blocked = checkEvent(event({ identifiers: { msisdn: '8 999 000 11 22' } }), context());
    expect(!blocked.ok && blocked.reasons.map((r) => r.code)).toEqual(['BLOCKED_IDENTIFIER']);
    const conflict = checkEvent(event({ identifiers: { msisdn: '+79161234568' } }), context());
    expect(!conflict.ok && conflict.reasons.map((r) => r.code)).toEqual(['IDENTIFIER_CONFLICT']);
    const unknown = checkEvent(event({ identifiers: { nickname: 'vanya' } }), context());
    expect(!unknown.ok && unknown.reasons.map((r) => r.code)).toEqual(['UNKNOWN_IDENTIFIER_TYPE']);
  });

  it('uses the write key source and refuses a pinned version that does not exist', () => {
    const fixed = checkEvent(event({ source: undefined }), context({ fixedSourceId: 'billing' }));
    expect(fixed.ok).toBe(true);
    const pinned = checkEvent(event(), context({ pinnedVersion: 9 }));
    expect(!pinned.ok && pinned.reasons.map((r) => r.code)).toEqual(['UNKNOWN_SCHEMA_VERSION']);
  });

  it('refuses events far in the future and envelopes with wrong types', () => {
    const future = checkEvent(event({ occurredAt: '2026-12-31T00:00:00Z' }), context());
    expect(!future.ok && future.reasons[0]?.path).toBe('/occurredAt');
    const wrong = checkEvent(event({ eventId: 42, properties: [] }), context());
    expect(!wrong.ok && wrong.reasons.map((r) => r.path)).toEqual(['/eventId', '/properties']);
  });
});
