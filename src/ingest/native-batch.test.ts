import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { readNativeBatch } from './native-batch.js';

const limits = { maxBatchEvents: 2 };

const errorOf = (run: () => unknown): AppError => {
  try {
    run();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
};

describe('readNativeBatch', () => {
  it('answers the events of a well-formed batch, without prototype keys', () => {
    const batch = readNativeBatch('{"events":[{"source":"crm","__proto__":{"x":1}}]}', limits);
    expect(batch).toEqual({ ok: true, events: [{ source: 'crm' }] });
  });

  it('reports a body that is not JSON instead of throwing, so the caller can keep it', () => {
    const batch = readNativeBatch('{"events": [', limits);
    expect(batch.ok).toBe(false);
    expect(!batch.ok && batch.message).toMatch(/^the body is not valid JSON/);
  });

  it('refuses an empty body, a body of the wrong shape and a batch that is too large, with typed errors', () => {
    expect(errorOf(() => readNativeBatch('  ', limits)).code).toBe('BAD_REQUEST');
    expect(errorOf(() => readNativeBatch('[]', limits)).details).toEqual([{ path: 'body', message: 'must be object', keyword: 'type' }]);
    expect(errorOf(() => readNativeBatch('{}', limits)).details[0]).toMatchObject({ keyword: 'required' });
    const notArray = errorOf(() => readNativeBatch('{"events":"nope"}', limits));
    expect(notArray.code).toBe('VALIDATION_FAILED');
    expect(notArray.details[0]).toMatchObject({ path: 'body/events', message: 'must be array' });
    expect(errorOf(() => readNativeBatch('{"events":[{},{},{}]}', limits)).code).toBe('BATCH_TOO_LARGE');
  });

  it("holds a write key's batch to its source: events may name it or none, not another", () => {
    const own = readNativeBatch('{"events":[{"source":"app"},{}]}', { ...limits, fixedSourceId: 'app' });
    expect(own.ok).toBe(true);
    const foreign = errorOf(() => readNativeBatch('{"events":[{},{"source":"crm"}]}', { ...limits, fixedSourceId: 'app' }));
    expect(foreign.code).toBe('WRITE_KEY_SOURCE_MISMATCH');
    expect(foreign.message).toContain('event 1');
  });
});
