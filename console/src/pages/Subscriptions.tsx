import { match, useLocation } from '../router.js';
import { SubscriptionDetail } from './subscriptions/SubscriptionDetail.js';
import { SubscriptionList } from './subscriptions/SubscriptionList.js';

/** Subscriptions and deliveries: endpoints, status, failures, replay, secret rotation (docs/console.md). */
export const Subscriptions = ({ path }: { readonly path: string }) => {
  const { search } = useLocation();
  const one = match('/subscriptions/:id', path);
  if (one?.id) return <SubscriptionDetail key={one.id} id={one.id} />;
  return <SubscriptionList consumer={search.get('consumer') ?? undefined} />;
};
