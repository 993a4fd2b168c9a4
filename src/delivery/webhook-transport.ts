import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { urlToHttpOptions } from 'node:url';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AttemptResult } from './retry-schedule.js';
import { guardedLookup, literalTargetRefused, type Resolve } from './target-guard.js';
import type { WebhookHeaders } from './webhook-signature.js';

/*
 * The webhook port and its HTTP implementation: one POST, the CloudEvent as the body, the Standard
 * Webhooks headers, a deadline for the whole exchange. Redirects are not followed (a 3xx is a
 * failed attempt); targets are checked on every connection (target-guard.ts). Connections are
 * kept alive per process, at most `maxSockets` per endpoint host.
 */

export interface WebhookRequest {
  readonly url: string;
  readonly headers: WebhookHeaders;
  readonly body: string;
  readonly timeoutMs: number;
}

export type WebhookTransport = (request: WebhookRequest) => Promise<AttemptResult>;

export const CLOUDEVENTS_JSON = 'application/cloudevents+json; charset=utf-8';

const MAX_TARGETS = 1_000;

type Target = { readonly url: URL & { protocol: 'http:' | 'https:' }; readonly options: RequestOptions } | { readonly refused: string };

const parseTarget = (raw: string, allowPrivate: boolean): Target => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { refused: 'the URL is not valid' };
  }
  const refused = literalTargetRefused(url, allowPrivate);
  if (refused !== undefined) return { refused };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refused: `unsupported scheme ${url.protocol}` };
  return { url: url as URL & { protocol: 'http:' | 'https:' }, options: urlToHttpOptions(url) };
};

export const httpWebhookTransport = (options: {
  readonly allowPrivate: boolean;
  readonly userAgent: string;
  readonly maxSockets: number;
  readonly resolve?: Resolve;
}): WebhookTransport => {
  const lookup = guardedLookup(options.allowPrivate, options.resolve);
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets, lookup } as ConstructorParameters<typeof HttpAgent>[0]),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets, lookup } as ConstructorParameters<typeof HttpsAgent>[0]),
  };
  // A subscription's URL is parsed and checked once, not on every request (its connections are
  // still checked by `lookup`); a handful of endpoints, so the map stays small.
  const targets = new Map<string, Target>();
  const targetOf = (raw: string): Target => {
    let target = targets.get(raw);
    if (target === undefined) {
      target = parseTarget(raw, options.allowPrivate);
      if (targets.size >= MAX_TARGETS) targets.clear();
      targets.set(raw, target);
    }
    return target;
  };
  return (request) =>
    new Promise<AttemptResult>((resolve) => {
      const target = targetOf(request.url);
      if ('refused' in target) {
        resolve({ kind: 'error', message: target.refused });
        return;
      }
      let settled = false;
      const settle = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const { url } = target;
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        {
          ...target.options,
          method: 'POST',
          agent: agents[url.protocol],
          lookup,
          headers: {
            'content-type': CLOUDEVENTS_JSON,
            'content-length': Buffer.byteLength(request.body),
            'user-agent': options.userAgent,
            ...request.headers,
          },
        },
        (res: IncomingMessage) => {
          const retryAfter = res.headers['retry-after'];
          // The answer's body is not needed: drain it so the connection can be reused.
          res.resume();
          res.on('end', () => settle({ kind: 'response', status: res.statusCode ?? 0, retryAfter }));
          res.on('error', (err) => settle({ kind: 'error', message: err.message }));
        },
      );
      const timer = setTimeout(() => {
        settle({ kind: 'error', message: `timed out after ${request.timeoutMs} ms` });
        req.destroy();
      }, request.timeoutMs);
      req.on('error', (err) => settle({ kind: 'error', message: err.message }));
      req.end(request.body);
    });
};
