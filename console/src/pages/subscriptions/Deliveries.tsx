import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import type { Delivery, DeliveryStatus } from '../../types.js';
import { deliveryState } from './health.js';

const PAGE = 50;
const STATUSES: readonly (DeliveryStatus | '')[] = ['', 'pending', 'dead', 'delivered', 'suppressed'];
const STATUS_WORDS: Record<string, string> = {
  '': 'all',
  pending: 'waiting and failing',
  dead: 'dead letters',
  delivered: 'delivered',
  suppressed: 'suppressed',
};

/** A subject that names a profile links to it (a contract violation's subject is a source). */
const SubjectLink = ({ subject }: { subject: string }) =>
  subject.startsWith('p_') ? <Link to={`/profiles/${encodeURIComponent(subject)}`}>{subject}</Link> : <>{subject}</>;

/**
 * A subscription's deliveries in fan-out order, refreshed every two seconds: status, attempts, the
 * endpoint's last answer, the next retry. A settled one (delivered, dead, suppressed) can be sent
 * again under its original webhook-id; a waiting one is retried on its schedule (the API's replay
 * leaves it as it is).
 */
export const Deliveries = ({ subscriptionId }: { subscriptionId: string }) => {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  // The seq each page starts after: [0] is the first page; "Next" pushes, "Previous" pops.
  const [cursors, setCursors] = useState<number[]>([0]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const afterSeq = cursors.at(-1) ?? 0;
  const deliveries = useQuery({
    queryKey: ['deliveries', subscriptionId, 'page', status, afterSeq],
    queryFn: () =>
      api<{ items: Delivery[]; next: number | null }>(
        `/v1/subscriptions/${encodeURIComponent(subscriptionId)}/deliveries?limit=${PAGE}&afterSeq=${afterSeq}${status ? `&status=${status}` : ''}`,
      ),
    refetchInterval: 2_000,
  });

  const replay = async (d: Delivery) => {
    setMessage(null);
    try {
      await api<Delivery>(`/v1/subscriptions/${encodeURIComponent(subscriptionId)}/deliveries/${encodeURIComponent(d.id)}/replay`, {
        method: 'POST',
      });
      setMessage({ ok: true, text: `Delivery ${d.seq} (${d.messageId}) is queued to be sent again.` });
      await queryClient.invalidateQueries({ queryKey: ['deliveries', subscriptionId] });
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  return (
    <section className="card" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      <div className="search">
        <div className="field">
          <label htmlFor="delivery-status">Show</label>
          <select
            id="delivery-status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as DeliveryStatus | '');
              setCursors([0]);
            }}
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_WORDS[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
          {message.text}
        </p>
      )}
      {deliveries.error && <p className="error">{errorText(deliveries.error)}</p>}
      {deliveries.data?.items.length === 0 && <p className="muted">No deliveries{status ? ` with this status` : ''}.</p>}
      {deliveries.data && deliveries.data.items.length > 0 && (
        <table aria-label="Deliveries">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Event</th>
              <th scope="col">Subject</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Last attempt</th>
              <th scope="col">Next retry</th>
              <th scope="col">Delivered</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.map((d) => {
              const state = deliveryState(d);
              return (
                <tr key={d.id} data-testid="delivery" data-status={d.status}>
                  <th scope="row">
                    {d.seq}
                    <div className="muted" title="webhook-id">
                      {d.messageId}
                    </div>
                  </th>
                  <td>{d.type}</td>
                  <td>
                    <SubjectLink subject={d.subject} />
                  </td>
                  <td>
                    <span className={`pill ${state.tone}`} data-testid="delivery-state">
                      {state.word}
                    </span>
                  </td>
                  <td>{d.attempts}</td>
                  <td>
                    {d.lastStatus !== null && <strong>HTTP {d.lastStatus}</strong>}
                    {d.lastError && <div className={d.status === 'suppressed' ? 'muted' : 'error'}>{d.lastError}</div>}
                    {d.lastStatus === null && !d.lastError && '—'}
                  </td>
                  <td>{formatDate(d.lastAttemptAt)}</td>
                  <td>{d.status === 'pending' ? formatDate(d.nextAttemptAt) : '—'}</td>
                  <td>{formatDate(d.deliveredAt)}</td>
                  <td>
                    {/* A waiting delivery is retried on its schedule; replay is for what is settled. */}
                    {d.status !== 'pending' ? (
                      <button
                        type="button"
                        className="secondary small"
                        aria-label={`Replay delivery ${d.seq}`}
                        onClick={() => void replay(d)}
                      >
                        Replay
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="actions">
        {cursors.length > 1 && (
          <button type="button" className="secondary" onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous page
          </button>
        )}
        {deliveries.data?.next !== null && deliveries.data?.next !== undefined && (
          <button type="button" className="secondary" onClick={() => setCursors((c) => [...c, deliveries.data?.next ?? 0])}>
            Next page
          </button>
        )}
      </div>
    </section>
  );
};
