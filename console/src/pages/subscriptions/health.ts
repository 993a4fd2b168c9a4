import type { Delivery, Subscription } from '../../types.js';

/**
 * An endpoint's health as the console shows it: `disabled` and `deleted` are the subscription's
 * own status; an active one is `failing` while a waiting delivery's last attempt failed or dead
 * letters are waiting for a replay, else `active`.
 */
export type EndpointHealth = 'active' | 'failing' | 'disabled' | 'deleted';

export const endpointHealth = (subscription: Subscription, waiting: readonly Delivery[], deadLetters: number): EndpointHealth => {
  if (subscription.status !== 'active') return subscription.status;
  return deadLetters > 0 || waiting.some((d) => d.attempts > 0) ? 'failing' : 'active';
};

/** A delivery's state in words: a waiting delivery that was tried is failing and has a next retry. */
export const deliveryState = (d: Delivery): { readonly word: string; readonly tone: 'in' | 'out' | 'fail' } => {
  switch (d.status) {
    case 'delivered':
      return { word: 'delivered', tone: 'in' };
    case 'dead':
      return { word: 'dead letter', tone: 'fail' };
    case 'suppressed':
      return { word: 'suppressed by policy', tone: 'out' };
    case 'pending':
      return d.attempts > 0 ? { word: 'failing', tone: 'fail' } : { word: 'waiting', tone: 'out' };
  }
};
