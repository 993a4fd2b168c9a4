import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AttemptResult } from './retry-schedule.js';

/*
 * Delivery in Prometheus. The backlog gauges are read from the database when scraped, so they are
 * right whichever thread or process dispatches; the attempt counters and the in-flight gauge are
 * the dispatching process's own.
 */

export interface DeliveryMetrics {
  attempt(subscriptionId: string, result: AttemptResult, seconds: number): void;
  /** +1 when a request starts, -1 when it ends. */
  inFlight(subscriptionId: string, delta: number): void;
  round(subscriptionId: string, seconds: number): void;
}

export type Backlog = () => Promise<readonly { subscriptionId: string; pending: number; oldest: string | null }[]>;

const outcomeOf = (result: AttemptResult): string =>
  result.kind === 'error' ? (result.message.startsWith('timed out') ? 'timeout' : 'error') : String(result.status);

export const createDeliveryMetrics = (registry: Registry, backlog: Backlog, now: () => Date): DeliveryMetrics => {
  const attempts = new Counter({
    name: 'tessera_delivery_attempts_total',
    help: 'Webhook delivery attempts by subscription and outcome (HTTP status, timeout, error)',
    labelNames: ['subscription', 'outcome'] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'tessera_delivery_attempt_seconds',
    help: 'Duration of one webhook delivery attempt',
    labelNames: ['subscription'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'tessera_delivery_in_flight',
    help: 'Webhook requests in flight per subscription (bounded by TESSERA_WEBHOOK_CONCURRENCY)',
    labelNames: ['subscription'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'tessera_delivery_pending',
    help: 'Deliveries waiting per subscription (the endpoint queue: backpressure)',
    labelNames: ['subscription'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const b of await backlog()) this.set({ subscription: b.subscriptionId }, b.pending);
    },
  });
  new Gauge({
    name: 'tessera_delivery_oldest_pending_seconds',
    help: 'Age of the oldest waiting delivery per subscription',
    labelNames: ['subscription'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const at = now().getTime();
      for (const b of await backlog())
        if (b.oldest !== null) this.set({ subscription: b.subscriptionId }, Math.max(0, (at - Date.parse(b.oldest)) / 1000));
    },
  });
  // Each request touches three series: their labelled children are looked up once per
  // subscription (and outcome), not hashed from the labels on every request.
  const children = new Map<string, { seconds: Histogram.Internal<'subscription'>; inFlight: Gauge.Internal<'subscription'> }>();
  const childrenOf = (subscription: string) => {
    let child = children.get(subscription);
    if (child === undefined) {
      child = { seconds: seconds.labels({ subscription }), inFlight: inFlight.labels({ subscription }) };
      children.set(subscription, child);
    }
    return child;
  };
  const outcomes = new Map<string, Counter.Internal>();
  return {
    attempt: (subscription, result, s) => {
      const outcome = outcomeOf(result);
      const key = `${subscription}\u0000${outcome}`;
      let counter = outcomes.get(key);
      if (counter === undefined) outcomes.set(key, (counter = attempts.labels({ subscription, outcome })));
      counter.inc();
      childrenOf(subscription).seconds.observe(s);
    },
    inFlight: (subscription, delta) => childrenOf(subscription).inFlight.inc(delta),
    round: () => undefined,
  };
};
