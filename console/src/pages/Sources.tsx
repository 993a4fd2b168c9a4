import { useQuery } from '@tanstack/react-query';
import { api, errorText } from '../api.js';
import { formatDate } from '../format.js';
import type { SourceSummary } from './Overview.js';

interface QuarantineEntry {
  readonly id: string;
  readonly sourceId: string | null;
  readonly type: string | null;
  readonly eventId: string | null;
  readonly reasons: readonly { readonly code: string; readonly message: string; readonly path?: string }[];
  readonly status: string;
  readonly lastSeen: string;
  readonly count: number;
}

/** First version: sources with owners and contracts, and the open quarantine (read only). */
export const Sources = (_props: { readonly path: string }) => {
  const sources = useQuery({ queryKey: ['sources'], queryFn: () => api<{ items: readonly SourceSummary[] }>('/v1/sources') });
  const quarantine = useQuery({
    queryKey: ['quarantine'],
    queryFn: () => api<{ items: readonly QuarantineEntry[] }>('/v1/quarantine?status=open&limit=50'),
  });
  return (
    <section aria-labelledby="sources-title">
      <h1 id="sources-title">Sources and contracts</h1>
      <p className="muted">First version: read only. Schema diffs, drift alerts and fix-and-replay come next.</p>
      {sources.error && <p className="error">{errorText(sources.error)}</p>}
      {(sources.data?.items ?? []).map((s) => (
        <details key={s.id} className="card">
          <summary>
            <strong>{s.name}</strong> <span className="muted">({s.id})</span> · owner {s.owner} ·{' '}
            <span className={`pill fresh-${s.freshness.status}`}>{s.freshness.status}</span>
          </summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Event type</th>
                <th scope="col">Latest version</th>
                <th scope="col">Compatibility</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {s.eventTypes.map((t) => (
                <tr key={t.type}>
                  <th scope="row">{t.type}</th>
                  <td>{t.latestVersion}</td>
                  <td>{t.compatibility}</td>
                  <td className="muted">{t.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
      <section className="card" aria-labelledby="quarantine-title">
        <h2 id="quarantine-title">Open quarantine</h2>
        {quarantine.error && <p className="error">{errorText(quarantine.error)}</p>}
        {quarantine.data?.items.length === 0 && <p className="muted">Nothing in quarantine.</p>}
        {quarantine.data && quarantine.data.items.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Reasons</th>
                <th scope="col">Times</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {quarantine.data.items.map((q) => (
                <tr key={q.id}>
                  <th scope="row">
                    {q.sourceId ?? '?'}/{q.type ?? '?'} <span className="muted">{q.eventId}</span>
                  </th>
                  <td>
                    {q.reasons.map((r) => (
                      <div key={`${r.code}-${r.path ?? ''}`}>
                        <code>{r.code}</code> {r.message}
                      </div>
                    ))}
                  </td>
                  <td>{q.count}</td>
                  <td>{formatDate(q.lastSeen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
};
