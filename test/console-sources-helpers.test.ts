import { describe, expect, it } from 'vitest';
import { checkCorrection, isUnder, jsonLines } from '../console/src/pages/sources/payload.js';
import { changeGroup, compareFields, schemaFields } from '../console/src/pages/sources/schema-diff.js';

/** The sources pages' pure helpers (they hold no DOM code, so they run here without a browser). */
describe('fix-and-replay editor checks', () => {
  const entry = { sourceId: 'loyalty', eventId: 'l-2', reasons: [{ code: 'SCHEMA_VIOLATION', message: '' }] };

  it('accepts a JSON object that keeps the source and eventId', () => {
    expect(checkCorrection('{"source":"loyalty","eventId":"l-2","properties":{}}', entry)).toMatchObject({ ok: true });
    // A write key's event may leave the source out: the entry's source stands.
    expect(checkCorrection('{"eventId":"l-2"}', entry)).toMatchObject({ ok: true });
  });

  it('names every problem before anything is sent', () => {
    expect(checkCorrection('{"eventId": ', entry)).toMatchObject({ ok: false, problems: [expect.stringContaining('Not valid JSON')] });
    expect(checkCorrection('[1]', entry)).toEqual({ ok: false, problems: ['The event must be a JSON object.'] });
    expect(checkCorrection('{"source":"billing","eventId":"x"}', entry)).toEqual({
      ok: false,
      problems: ['eventId must stay "l-2".', 'source must stay "loyalty".'],
    });
  });

  it('lets the source change when the source was the reason', () => {
    const unknownSource = { ...entry, reasons: [{ code: 'UNKNOWN_SOURCE', message: '' }] };
    expect(checkCorrection('{"source":"loyalty2","eventId":"l-2"}', unknownSource)).toMatchObject({ ok: true });
  });
});

describe('payload lines', () => {
  it('gives each line the JSON pointer of its value, escaping ~ and /', () => {
    const lines = jsonLines({ properties: { 'a/b': 1, list: [true] }, empty: {} });
    expect(lines.map((l) => [l.text, l.pointer])).toEqual([
      ['{', ''],
      ['  "properties": {', '/properties'],
      ['    "a/b": 1,', '/properties/a~1b'],
      ['    "list": [', '/properties/list'],
      ['      true', '/properties/list/0'],
      ['    ]', '/properties/list'],
      ['  },', '/properties'],
      ['  "empty": {}', '/empty'],
      ['}', ''],
    ]);
  });

  it('marks the value at a path and what is inside it, never the root or a sibling with the same prefix', () => {
    expect(isUnder('/properties/points', '/properties/points')).toBe(true);
    expect(isUnder('/properties/amount/value', '/properties/amount')).toBe(true);
    expect(isUnder('/properties/pointsExtra', '/properties/points')).toBe(false);
    expect(isUnder('/properties', '/')).toBe(false);
  });
});

describe('schema fields side by side', () => {
  const v1 = {
    type: 'object',
    properties: {
      msisdn: { type: 'string' },
      amount: { type: 'object', properties: { value: { type: 'number', minimum: 0 } }, required: ['value'] },
    },
    required: ['msisdn', 'amount'],
  };
  const v2 = {
    type: 'object',
    properties: {
      amount: { type: 'object', properties: { value: { type: 'number', minimum: 1 } }, required: ['value'] },
      channel: { enum: ['app', 'web'] },
    },
    required: ['amount'],
  };

  it('flattens nested fields with their types, limits and whether they are required', () => {
    expect(schemaFields(v1)).toEqual([
      { path: 'msisdn', type: 'string', required: true },
      { path: 'amount', type: 'object', required: true },
      { path: 'amount.value', type: 'number, ≥ 0', required: true },
    ]);
  });

  it('marks each field added, removed, changed or the same', () => {
    expect(compareFields(v1, v2).map((r) => [r.path, r.status])).toEqual([
      ['amount', 'same'],
      ['amount.value', 'changed'],
      ['channel', 'added'],
      ['msisdn', 'removed'],
    ]);
  });

  it('groups the API change kinds', () => {
    const change = (kind: string) => ({ path: '/x', change: kind, message: '', breaks: [] });
    expect(changeGroup(change('OPTIONAL_FIELD_ADDED'))).toBe('added');
    expect(changeGroup(change('REQUIRED_FIELD_REMOVED'))).toBe('removed');
    expect(changeGroup(change('TYPE_NARROWED'))).toBe('changed');
  });
});
