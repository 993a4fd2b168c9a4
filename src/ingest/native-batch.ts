import secureJson from 'secure-json-parse';
import { AppError } from '../core/errors.js';

/** What a native batch body (`POST /v1/events`) must satisfy besides being JSON. */
export interface NativeBatchLimits {
  readonly maxBatchEvents: number;
  /** Set when a source's write key authenticated the request: every event must name that source or none. */
  readonly fixedSourceId?: string;
}

export type NativeBatchBody =
  | { readonly ok: true; readonly events: readonly unknown[] }
  /** Not JSON at all: the caller keeps the text in the quarantine. */
  | { readonly ok: false; readonly message: string };

/** JSON as the HTTP layer parses it: `__proto__` and `constructor` keys are dropped. */
export const parseJsonBody = (text: string): unknown =>
  secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }) as unknown;

/**
 * Reads a native batch from its raw text: JSON, an object with an `events` array, no more events
 * than allowed, and no event naming another source than the write key's. Pure, so it runs in the
 * ingest thread (the HTTP thread passes the text on unparsed) and in tests alike.
 */
export const readNativeBatch = (text: string, limits: NativeBatchLimits): NativeBatchBody => {
  if (text.trim() === '') throw new AppError('BAD_REQUEST', 'the JSON body is empty');
  let body: unknown;
  try {
    body = parseJsonBody(text);
  } catch (err) {
    return { ok: false, message: `the body is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw schemaError('', 'must be object', 'type');
  const events = (body as { events?: unknown }).events;
  if (events === undefined) throw schemaError('', "must have required property 'events'", 'required');
  if (!Array.isArray(events)) throw schemaError('/events', 'must be array', 'type');
  if (events.length > limits.maxBatchEvents)
    throw new AppError('BATCH_TOO_LARGE', `the batch holds ${events.length} events; at most ${limits.maxBatchEvents} are allowed`);
  const fixed = limits.fixedSourceId;
  if (fixed !== undefined) {
    const foreign = events.findIndex((e) => {
      const source = (e as { source?: unknown } | null)?.source;
      return source !== undefined && source !== fixed;
    });
    if (foreign >= 0)
      throw new AppError('WRITE_KEY_SOURCE_MISMATCH', `event ${foreign} names another source than the write key's ('${fixed}')`);
  }
  return { ok: true, events };
};

/** The same error the HTTP layer's schema validation answers. */
const schemaError = (path: string, message: string, keyword: string): AppError =>
  new AppError('VALIDATION_FAILED', 'the body does not match its schema', [{ path: `body${path}`, message, keyword }]);
