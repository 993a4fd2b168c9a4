import type { ErrorDetail } from '../core/errors.js';

/** Why a definition is refused; each issue points into the submitted JSON (a JSON pointer). */
export const ISSUE_CODES = [
  'BAD_SHAPE',
  'UNKNOWN_KEY',
  'UNKNOWN_FIELD',
  'UNKNOWN_OPERATOR',
  'OPERATOR_NOT_ALLOWED',
  'BAD_VALUE',
  'EMPTY_GROUP',
  'TOO_COMPLEX',
  'UNKNOWN_EVENT_TYPE',
  'UNKNOWN_PROPERTY',
  'WINDOW_TOO_LONG',
  'UNKNOWN_PURPOSE',
  'UNKNOWN_CHANNEL',
  'UNKNOWN_AUDIENCE',
  'AUDIENCE_CYCLE',
  'ENTITY_MISMATCH',
  'MEMBERS_NOT_ALLOWED',
  'PERSON_ONLY',
  'UNSUPPORTED',
] as const;
export type IssueCode = (typeof ISSUE_CODES)[number];

export interface ValidationIssue extends ErrorDetail {
  readonly path: string;
  readonly code: IssueCode;
  readonly message: string;
}
