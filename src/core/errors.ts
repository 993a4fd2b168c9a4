/**
 * Every error a client can see has a stable code, an HTTP status and a JSON form. The catalogue
 * lives here so codes are never invented at the throw site; the server maps them in one handler.
 */
export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, message: 'The request is not valid' },
  VALIDATION_FAILED: { status: 400, message: 'The request does not match its schema' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is larger than allowed' },
  BATCH_TOO_LARGE: { status: 413, message: 'The batch holds more events than allowed' },
  UNAUTHENTICATED: { status: 401, message: 'A valid API key is required' },
  FORBIDDEN: { status: 403, message: 'The API key lacks the scope this operation needs' },
  WRITE_KEY_SOURCE_MISMATCH: { status: 403, message: 'The write key belongs to another source' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  CONFLICT: { status: 409, message: 'The resource already exists' },
  UNKNOWN_SOURCE: { status: 404, message: 'The source is not registered' },
  UNKNOWN_EVENT_TYPE: { status: 404, message: 'The event type is not registered for this source' },
  INVALID_SCHEMA: { status: 422, message: 'The JSON Schema is not valid' },
  INCOMPATIBLE_SCHEMA: { status: 409, message: 'The schema version is not compatible with the previous one' },
  INVALID_CONTRACT: { status: 422, message: 'The contract is not valid' },
  INVALID_IDENTIFIER: { status: 422, message: 'The identifier is not valid' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  INTERNAL: { status: 500, message: 'Internal error' },
  UNAVAILABLE: { status: 503, message: 'The service is not ready' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorDetail {
  readonly path?: string;
  readonly code?: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message?: string, details: readonly ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message ?? ERROR_CATALOGUE[code].message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = details;
  }

  toJSON(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details.length > 0 ? { details: this.details } : {}),
      },
    };
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: readonly ErrorDetail[] };
}
