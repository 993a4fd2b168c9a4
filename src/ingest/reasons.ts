import { Type, type Static } from '@sinclair/typebox';

/** Why an event was quarantined (or, for warnings, what was dropped from it). Stable codes. */
export const REASON_CODES = [
  'MALFORMED_JSON',
  'INVALID_ENVELOPE',
  'UNKNOWN_SOURCE',
  'UNKNOWN_EVENT_TYPE',
  'UNKNOWN_SCHEMA_VERSION',
  'SCHEMA_VIOLATION',
  'UNKNOWN_IDENTIFIER_TYPE',
  'INVALID_IDENTIFIER',
  'PLACEHOLDER_IDENTIFIER',
  'BLOCKED_IDENTIFIER',
  'IDENTIFIER_CONFLICT',
  'NO_IDENTIFIER',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export const Reason = Type.Object({
  code: Type.Union(REASON_CODES.map((code) => Type.Literal(code))),
  message: Type.String(),
  path: Type.Optional(Type.String({ description: 'JSON pointer into the event, e.g. /properties/totalAmount' })),
  keyword: Type.Optional(Type.String({ description: 'the JSON Schema keyword that failed' })),
});
export type Reason = Static<typeof Reason>;

export type DriftKind = 'undeclared_field' | 'type_mismatch';

export interface DriftSignal {
  readonly path: string;
  readonly kind: DriftKind;
}
