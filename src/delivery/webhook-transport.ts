import { Http1Pipeline } from './http1-pipeline.js';
import type { AttemptResult } from './retry-schedule.js';
import { guardedLookup, literalTargetRefused, type Resolve } from './target-guard.js';
import type { WebhookHeaders } from './webhook-signature.js';

/*
 * The webhook port and its HTTP implementation: one POST, the CloudEvent as the body, the Standard
 * Webhooks headers, a deadline for the whole exchange. Redirects are not followed (a 3xx is a
 * failed attempt); targets are checked on every connection (target-guard.ts). Connections are
 * kept alive per origin, at most `maxSockets` of them, with requests pipelined on each
 * (http1-pipeline.ts).
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

/** A parsed target: the URL, and the start of every request's head to it. */
type Target = { readonly url: URL; readonly head: string } | { readonly refused: string };

/** Requests pipelined on one connection before another is opened. */
export const WEBHOOK_PIPELINE_DEPTH = 8;

const UNSAFE_HEADER_VALUE = /[\r\n\0]/;

const parseTarget = (raw: string, allowPrivate: boolean, userAgent: string): Target => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { refused: 'the URL is not valid' };
  }
  const refused = literalTargetRefused(url, allowPrivate);
  if (refused !== undefined) return { refused };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refused: `unsupported scheme ${url.protocol}` };
  // The URL parser percent-encodes the path and refuses control characters in the host.
  const head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: ${CLOUDEVENTS_JSON}\r\nuser-agent: ${userAgent}\r\n`;
  return { url, head };
};

export const httpWebhookTransport = (options: {
  readonly allowPrivate: boolean;
  readonly userAgent: string;
  /** Connections per endpoint origin at most. */
  readonly maxSockets: number;
  /** Requests pipelined on a connection before another is opened (default WEBHOOK_PIPELINE_DEPTH; 1: none). */
  readonly depth?: number;
  readonly resolve?: Resolve;
}): WebhookTransport => {
  const pipeline = new Http1Pipeline({
    lookup: guardedLookup(options.allowPrivate, options.resolve),
    maxConnections: options.maxSockets,
    depth: options.depth ?? WEBHOOK_PIPELINE_DEPTH,
  });
  // A subscription's URL is parsed and checked once, not on every request (its connections are
  // still checked by `lookup`); a handful of endpoints, so the map stays small.
  const targets = new Map<string, Target>();
  const targetOf = (raw: string): Target => {
    let target = targets.get(raw);
    if (target === undefined) {
      target = parseTarget(raw, options.allowPrivate, options.userAgent);
      if (targets.size >= MAX_TARGETS) targets.clear();
      targets.set(raw, target);
    }
    return target;
  };
  return async (request) => {
    const target = targetOf(request.url);
    if ('refused' in target) return { kind: 'error', message: target.refused };
    const { headers } = request;
    const id = headers['webhook-id'];
    const timestamp = headers['webhook-timestamp'];
    const signature = headers['webhook-signature'];
    if (UNSAFE_HEADER_VALUE.test(id) || UNSAFE_HEADER_VALUE.test(timestamp) || UNSAFE_HEADER_VALUE.test(signature))
      return { kind: 'error', message: 'a webhook header holds a line break' };
    return pipeline.send(target.url, {
      head: `${target.head}content-length: ${Buffer.byteLength(request.body)}\r\nwebhook-id: ${id}\r\nwebhook-timestamp: ${timestamp}\r\nwebhook-signature: ${signature}\r\n\r\n`,
      body: request.body,
      timeoutMs: request.timeoutMs,
    });
  };
};
