import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { hasScope, type ApiKeys, type Principal, type Scope } from '../governance/index.js';

/** What a route requires; routes that say nothing require the admin scope (fail closed). */
export type RouteAuth =
  { readonly public: true } | { readonly anyKey: true } | { readonly scope: Scope; readonly writeKey?: 'allowed' | 'only' };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** Ingest routes quarantine a body that is not JSON instead of only refusing it. */
    ingestChannel?: 'native' | 'segment';
    /** The route receives its JSON body as text and parses it itself (the native batch, in the ingest thread). */
    rawBody?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface WriteKeyLookup {
  sourceForWriteKey(writeKey: string): Promise<{ id: string } | undefined>;
}

const parseBasic = (value: string): { user: string; password: string } | undefined => {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { user: decoded, password: '' };
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
};

/**
 * Authentication and authorisation for every route. `Bearer <api key>` everywhere; HTTP Basic
 * with a source's write key as the user name on the Segment-compatible routes (as Segment's SDKs
 * send it); HTTP Basic with an API key as the password so a browser can open /docs.
 */
export const createAuthHook = (deps: { apiKeys: ApiKeys; writeKeys: WriteKeyLookup }) =>
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const auth: RouteAuth = request.routeOptions.config.auth ?? { scope: 'admin' };
    if ('public' in auth) return;
    const header = request.headers.authorization;
    const writeKey = 'scope' in auth ? auth.writeKey : undefined;
    const challenge = writeKey === 'only' ? 'Basic realm="tessera"' : 'Bearer realm="tessera", Basic realm="tessera"';
    if (!header) {
      reply.header('WWW-Authenticate', challenge);
      throw new AppError('UNAUTHENTICATED', 'an API key is required: send "Authorization: Bearer <key>"');
    }
    const [scheme, credentials = ''] = header.split(' ', 2);
    let principal: Principal | undefined;
    if (scheme?.toLowerCase() === 'bearer') {
      principal = await deps.apiKeys.verify(credentials.trim());
    } else if (scheme?.toLowerCase() === 'basic') {
      const basic = parseBasic(credentials.trim());
      if (basic && basic.user !== '') {
        const source = await deps.writeKeys.sourceForWriteKey(basic.user);
        if (source) principal = { kind: 'write-key', sourceId: source.id };
      }
      if (!principal && basic && basic.password !== '') principal = await deps.apiKeys.verify(basic.password);
    }
    if (!principal) {
      reply.header('WWW-Authenticate', challenge);
      throw new AppError('UNAUTHENTICATED', 'the API key or write key is not valid');
    }
    request.principal = principal;
    if (principal.kind === 'write-key') {
      if (!writeKey) throw new AppError('FORBIDDEN', 'a write key can only send events; use an API key for this operation');
      return;
    }
    if ('anyKey' in auth) return;
    if (writeKey === 'only' || !hasScope(principal, auth.scope)) {
      throw new AppError(
        'FORBIDDEN',
        writeKey === 'only' ? "this API takes a source's write key (HTTP Basic user name)" : `the API key lacks the '${auth.scope}' scope`,
      );
    }
  };
