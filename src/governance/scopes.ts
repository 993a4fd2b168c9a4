import { Type } from '@sinclair/typebox';

/** What an API key may do. `admin` implies every other scope. */
export const SCOPES = [
  'admin',
  'events:write',
  'events:read',
  'sources:read',
  'sources:write',
  'quarantine:read',
  'quarantine:write',
  'identifiers:read',
  'identifiers:write',
  'profiles:read',
  'audiences:read',
  'audiences:write',
  'consent:read',
  'consent:write',
  'metrics:read',
  'consumers:read',
  'consumers:write',
  'policies:read',
  'policies:write',
  'disclosures:read',
  'privacy:read',
  'privacy:write',
  'subscriptions:read',
  'subscriptions:write',
  'stream:read',
  'exports:read',
  'exports:write',
  'reports:read',
] as const;
export type Scope = (typeof SCOPES)[number];
export const ScopeSchema = Type.Union(SCOPES.map((s) => Type.Literal(s)));

/** Who made a request: an API key with scopes, or a source's write key (Segment-compatible API). */
export type Principal =
  | { readonly kind: 'api-key'; readonly keyId: string; readonly name: string; readonly scopes: readonly Scope[] }
  | { readonly kind: 'write-key'; readonly sourceId: string };

export const hasScope = (principal: Principal, scope: Scope): boolean =>
  principal.kind === 'api-key' && (principal.scopes.includes('admin') || principal.scopes.includes(scope));
