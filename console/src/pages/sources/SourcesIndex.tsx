import { useQuery } from '@tanstack/react-query';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import { DriftTable, Freshness } from './parts.js';
import type { DriftSignal, QuarantineEntry, SourceSummary } from './types.js';

const QUARANTINE_PREVIEW = 10;

/** Every source with its owner, freshness and contracts; all contract drift; the open quarantine. */
export const SourcesIndex = () => {
  const sources = useQuery({ queryKey: ['sources'], queryFn: () => api<{ items: readonly SourceSummary[] }>('/v1/sources') });
  const drift = useQuery({ queryKey: ['drift'], queryFn: () => api<{ items: readonly DriftSignal[] }>('/v1/drift') });
  const quarantine = useQuery({
    queryKey: ['quarantine', 'open-preview'],
    queryFn: () =>
      api<{ items: readonly QuarantineEntry[]; next: string | null }>(`/v1/quarantine?status=open&limit=${QUARANTINE_PREVIEW}`),
  });
  return (
    <section aria-labelledby="sources-title">
      <h1 id="sources-title">Sources and contracts</h1>
      <p className="muted">
        Each source has an owner, a freshness SLA and a versioned contract per event type. Open a source for its schema versions, diffs,
        compatibility mode and drift; refused events wait in the <Link to="/sources/quarantine">quarantine</Link>.
      </p>
      {sources.error && (
        <p className="error" role="alert">
          {errorText(sources.error)}
        </p>
      )}
      {sources.isPending && <p>Loading…</p>}
      {(sources.data?.items ?? []).map((s) => (
        <details key={s.id} className="card source-card">
          <summary>
            <strong>{s.name}</strong> <span className="muted">({s.id})</span> · owner {s.owner} · <Freshness source={s} />
          </summary>
          <p>
            {s.description && <span className="muted">{s.description} </span>}
            <Link to={`/sources/${encodeURIComponent(s.id)}`}>Contracts, versions and drift of {s.name}</Link>
          </p>
          <table>
            <caption>{s.eventTypes.length} event types</caption>
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
                  <td>v{t.latestVersion}</td>
                  <td>{t.compatibility}</td>
                  <td className="muted">{t.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}

      <section className="card" aria-labelledby="drift-title">
        <h2 id="drift-title">Contract drift</h2>
        <p className="muted">Fields and types that sources send without a new contract version.</p>
        {drift.error && (
          <p className="error" role="alert">
            {errorText(drift.error)}
          </p>
        )}
        {drift.data && <DriftTable drift={drift.data.items} showSource />}
      </section>

      <section className="card" aria-labelledby="quarantine-title">
        <h2 id="quarantine-title">Open quarantine</h2>
        {quarantine.error && (
          <p className="error" role="alert">
            {errorText(quarantine.error)}
          </p>
        )}
        {quarantine.data?.items.length === 0 && <p className="muted">Nothing in quarantine.</p>}
        {quarantine.data && quarantine.data.items.length > 0 && (
          <>
            <table>
              <caption>
                {quarantine.data.next ? `The first ${QUARANTINE_PREVIEW} open entries` : `${quarantine.data.items.length} open entries`}
              </caption>
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
                      <Link to={`/sources/quarantine/${encodeURIComponent(q.id)}`}>
                        {q.sourceId ?? '?'}/{q.type ?? '?'} {q.eventId ?? ''}
                      </Link>
                    </th>
                    <td>{[...new Set(q.reasons.map((r) => r.code))].join(', ')}</td>
                    <td>{q.count}</td>
                    <td>{formatDate(q.lastSeen)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p>
              <Link to="/sources/quarantine">Browse, fix and replay the quarantine</Link>
            </p>
          </>
        )}
      </section>
    </section>
  );
};
