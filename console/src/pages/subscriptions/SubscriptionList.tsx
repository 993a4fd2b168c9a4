import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import type { Delivery, Page, Subscription } from '../../types.js';
import { endpointHealth } from './health.js';

/** How many waiting deliveries and dead letters a row reads to judge an endpoint's health. */
const SAMPLE = 500;

const Health = ({ subscription }: { subscription: Subscription }) => {
  const base = `/v1/subscriptions/${encodeURIComponent(subscription.id)}/deliveries?limit=${SAMPLE}`;
  const waiting = useQuery({
    queryKey: ['deliveries', subscription.id, 'pending'],
    queryFn: () => api<{ items: Delivery[]; next: number | null }>(`${base}&status=pending`),
    refetchInterval: 5_000,
  });
  const dead = useQuery({
    queryKey: ['deliveries', subscription.id, 'dead'],
    queryFn: () => api<{ items: Delivery[]; next: number | null }>(`${base}&status=dead`),
    refetchInterval: 5_000,
  });
  if (waiting.error || dead.error) return <span className="error">{errorText(waiting.error ?? dead.error)}</span>;
  if (!waiting.data || !dead.data) return <span aria-busy="true">…</span>;
  const health = endpointHealth(subscription, waiting.data.items, dead.data.items.length);
  const failing = waiting.data.items.filter((d) => d.attempts > 0).length;
  const more = (page: { next: number | null }) => (page.next !== null ? '+' : '');
  return (
    <>
      <span className={`pill health-${health}`} data-testid="endpoint-health">
        {health}
      </span>
      <div className="muted">
        {waiting.data.items.length}
        {more(waiting.data)} waiting{failing > 0 ? `, ${failing} failing` : ''} · {dead.data.items.length}
        {more(dead.data)} dead letters
      </div>
      {subscription.statusReason && <div className="muted">{subscription.statusReason}</div>}
    </>
  );
};

/** Every subscription (endpoint) with its health; `consumer` narrows to one consumer's. */
export const SubscriptionList = ({ consumer }: { consumer: string | undefined }) => {
  useEffect(() => {
    document.title = 'Subscriptions · Tessera';
  }, []);
  const subscriptions = useQuery({
    queryKey: ['subscriptions', consumer ?? null],
    queryFn: () => api<Page<Subscription>>(`/v1/subscriptions?limit=500${consumer ? `&consumerId=${encodeURIComponent(consumer)}` : ''}`),
  });
  return (
    <section aria-labelledby="subscriptions-title">
      <h1 id="subscriptions-title">Subscriptions</h1>
      <p className="muted">
        Endpoints that receive Tessera's events as signed webhooks. Each delivery is decided by the policy for the subscription's purpose
        and channel at send time.
        {consumer && (
          <>
            {' '}
            Showing the subscriptions of <strong>{consumer}</strong>: <Link to="/subscriptions">show all</Link>.
          </>
        )}
      </p>
      {subscriptions.error && (
        <p role="alert" className="error">
          {errorText(subscriptions.error)}
        </p>
      )}
      {subscriptions.data?.items.length === 0 && <p className="muted">No subscriptions yet (POST /v1/subscriptions).</p>}
      {subscriptions.data && subscriptions.data.items.length > 0 && (
        <table className="card">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Consumer</th>
              <th scope="col">Events</th>
              <th scope="col">Purpose and channel</th>
              <th scope="col">Status</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {subscriptions.data.items.map((s) => (
              <tr key={s.id}>
                <th scope="row">
                  <Link to={`/subscriptions/${encodeURIComponent(s.id)}`}>{s.description || s.id}</Link>
                  <div className="muted wrap">
                    {s.transport} {s.url ?? ''}
                  </div>
                </th>
                <td>{s.consumerId}</td>
                <td>{s.eventTypes.join(', ')}</td>
                <td>
                  {s.purpose} / {s.channel}
                </td>
                <td>
                  <Health subscription={s} />
                </td>
                <td>{formatDate(s.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};
