import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import type { Subscription } from '../../types.js';
import { Deliveries } from './Deliveries.js';

type Message = { ok: boolean; text: string } | null;

/** A datetime-local value (UTC) a day before now, the default start of a replay. */
const dayAgo = (): string => new Date(Date.now() - 86_400_000).toISOString().slice(0, 16);

/** Rotate the signing secret: the new one is shown here once and never again; the old one signs during the grace period. */
const RotateSecret = ({ subscription, onDone }: { subscription: Subscription; onDone: () => Promise<void> }) => {
  const [grace, setGrace] = useState(86_400);
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const rotate = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setCopied(false);
    try {
      const answer = await api<Subscription & { secret: string }>(
        `/v1/subscriptions/${encodeURIComponent(subscription.id)}/rotate-secret?graceSeconds=${grace}`,
        { method: 'POST' },
      );
      setSecret(answer.secret);
      await onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section className="card" aria-labelledby="rotate-title">
      <h2 id="rotate-title">Signing secret</h2>
      <ul className="compact">
        {subscription.secrets.map((s) => (
          <li key={s.createdAt}>
            made {formatDate(s.createdAt)}
            {s.expiresAt ? `, signs until ${formatDate(s.expiresAt)}` : ', current'}
          </li>
        ))}
      </ul>
      <form className="search" onSubmit={(e) => void rotate(e)}>
        <div className="field">
          <label htmlFor="grace">Old secret keeps signing for (seconds)</label>
          <input id="grace" type="number" min={0} max={604_800} value={grace} onChange={(e) => setGrace(Number(e.target.value))} />
        </div>
        <button type="submit" disabled={subscription.status === 'deleted'}>
          Rotate secret
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {secret && (
        <div role="status" className="secret">
          <p>
            <strong>New signing secret — shown this once.</strong> Give it to the receiver now; it cannot be read again.
          </p>
          <code data-testid="new-secret">{secret}</code>{' '}
          <button
            type="button"
            className="secondary small"
            onClick={() =>
              void navigator.clipboard?.writeText(secret).then(
                () => setCopied(true),
                () => undefined,
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>{' '}
          <button type="button" className="link-button" onClick={() => setSecret(null)}>
            Hide it
          </button>
        </div>
      )}
    </section>
  );
};

/** Send every dead letter created since a time again (after fixing or re-enabling the endpoint). */
const ReplayRange = ({ subscription, onDone }: { subscription: Subscription; onDone: () => Promise<void> }) => {
  const [since, setSince] = useState(dayAgo);
  const [message, setMessage] = useState<Message>(null);
  const replay = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    try {
      const answer = await api<{ replayed: number }>(`/v1/subscriptions/${encodeURIComponent(subscription.id)}/replay`, {
        method: 'POST',
        body: { since: new Date(`${since}:00Z`).toISOString() },
      });
      setMessage({ ok: true, text: `${answer.replayed} dead letter${answer.replayed === 1 ? '' : 's'} queued to be sent again.` });
      await onDone();
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };
  return (
    <section className="card" aria-labelledby="replay-title">
      <h2 id="replay-title">Replay dead letters</h2>
      <form className="search" onSubmit={(e) => void replay(e)}>
        <div className="field">
          <label htmlFor="replay-since">Dead letters created since (UTC)</label>
          <input id="replay-since" type="datetime-local" required value={since} onChange={(e) => setSince(e.target.value)} />
        </div>
        <button type="submit" disabled={subscription.status !== 'active'}>
          Replay dead letters
        </button>
      </form>
      {subscription.status !== 'active' && <p className="muted">Enable the subscription first: a disabled one sends nothing.</p>}
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
          {message.text}
        </p>
      )}
    </section>
  );
};

export const SubscriptionDetail = ({ id }: { id: string }) => {
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<Message>(null);
  useEffect(() => {
    document.title = `Subscription ${id} · Tessera`;
  }, [id]);
  const subscription = useQuery({
    queryKey: ['subscription', id],
    queryFn: () => api<Subscription>(`/v1/subscriptions/${encodeURIComponent(id)}`),
    refetchInterval: 5_000,
  });
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['subscription', id] });
    await queryClient.invalidateQueries({ queryKey: ['subscriptions'] });
    await queryClient.invalidateQueries({ queryKey: ['deliveries', id] });
  };
  const s = subscription.data;

  /** Enable or pause: PUT takes the whole subscription, so its current fields go with the new status. */
  const setStatus = async (status: 'active' | 'disabled') => {
    if (!s) return;
    setMessage(null);
    try {
      await api<Subscription>(`/v1/subscriptions/${encodeURIComponent(s.id)}`, {
        method: 'PUT',
        body: {
          description: s.description,
          eventTypes: s.eventTypes,
          filters: s.filters,
          transport: s.transport,
          url: s.url,
          purpose: s.purpose,
          channel: s.channel,
          status,
        },
      });
      setMessage({
        ok: true,
        text: status === 'active' ? 'Enabled: deliveries resume.' : 'Disabled: nothing is sent until it is enabled.',
      });
      await refresh();
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  return (
    <section aria-labelledby="subscription-title">
      <h1 id="subscription-title">Subscription {s?.description || id}</h1>
      <p>
        <Link to="/subscriptions">All subscriptions</Link>
      </p>
      {subscription.error && (
        <p role="alert" className="error">
          {errorText(subscription.error)}
        </p>
      )}
      {!s && !subscription.error && <p aria-busy="true">Loading…</p>}
      {s && (
        <>
          <section className="card" aria-labelledby="endpoint-title">
            <h2 id="endpoint-title">Endpoint</h2>
            <dl className="pairs">
              <dt>Status</dt>
              <dd>
                <span className={`pill health-${s.status}`} data-testid="subscription-status">
                  {s.status}
                </span>
                {s.statusReason && <span className="muted"> {s.statusReason}</span>}
              </dd>
              <dt>Transport</dt>
              <dd className="wrap">
                {s.transport} {s.url}
              </dd>
              <dt>Consumer</dt>
              <dd>{s.consumerId}</dd>
              <dt>Purpose and channel</dt>
              <dd>
                {s.purpose} / {s.channel}
              </dd>
              <dt>Events</dt>
              <dd>{s.eventTypes.join(', ')}</dd>
              {s.filters.audienceIds && (
                <>
                  <dt>Only audiences</dt>
                  <dd>{s.filters.audienceIds.join(', ')}</dd>
                </>
              )}
              <dt>Revision</dt>
              <dd>
                {s.revision}, updated {formatDate(s.updatedAt)}
              </dd>
            </dl>
            <div className="actions">
              {s.status === 'active' && (
                <button type="button" className="secondary" onClick={() => void setStatus('disabled')}>
                  Disable
                </button>
              )}
              {s.status === 'disabled' && (
                <button type="button" onClick={() => void setStatus('active')}>
                  Enable
                </button>
              )}
            </div>
            {message && (
              <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
                {message.text}
              </p>
            )}
          </section>
          <Deliveries subscriptionId={s.id} />
          <div className="grid">
            <ReplayRange subscription={s} onDone={refresh} />
            <RotateSecret subscription={s} onDone={refresh} />
          </div>
        </>
      )}
    </section>
  );
};
