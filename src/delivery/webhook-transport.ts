import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
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
  return (request) =>
    new Promise<AttemptResult>((resolve) => {
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        resolve({ kind: 'error', message: 'the URL is not valid' });
        return;
      }
      const refused = literalTargetRefused(url, options.allowPrivate);
      if (refused !== undefined) {
        resolve({ kind: 'error', message: refused });
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        resolve({ kind: 'error', message: `unsupported scheme ${url.protocol}` });
        return;
      }
      let settled = false;
      const settle = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
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
