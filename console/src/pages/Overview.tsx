import { useQueries, useQuery } from '@tanstack/react-query';
import { api, errorText } from '../api.js';
import { Link } from '../components/Link.js';
import { formatDate } from '../format.js';
import type { AudienceSummary, Page } from '../types.js';

export interface SourceSummary {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly freshnessSlaSeconds: number;
  readonly lastEventAt: string | null;
  readonly freshness: { readonly status: 'fresh' | 'stale' | 'never'; readonly secondsSinceLastEvent: number | null };
  readonly eventTypes: readonly {
    readonly type: string;
    readonly compatibility: string;
    readonly latestVersion: number;
    readonly description?: string;
  }[];
}

interface SourceStats {
  readonly sourceId: string;
  readonly totals: { readonly accepted: number; readonly duplicate: number; readonly quarantined: number };
  readonly openQuarantine: number;
  readonly drift: readonly unknown[];
}

/**
 * A first, modest overview: per source, freshness against its SLA and the last 7 days' outcomes
 * (from `/v1/sources` and `/v1/sources/{id}/stats`), and how many audiences are active.
 * Live rates, pipeline lag and latency percentiles are for a later version.
 */
export const Overview = () => {
  const sources = useQuery({ queryKey: ['sources'], queryFn: () => api<{ items: readonly SourceSummary[] }>('/v1/sources') });
  const stats = useQueries({
    queries: (sources.data?.items ?? []).map((s) => ({
      queryKey: ['source-stats', s.id],
      queryFn: () => api<SourceStats>(`/v1/sources/${encodeURIComponent(s.id)}/stats?days=7`),
    })),
  });
  const audiences = useQuery({ queryKey: ['audiences'], queryFn: () => api<Page<AudienceSummary>>('/v1/audiences?limit=100') });
  const totals = stats.reduce(
    (t, q) => ({
      accepted: t.accepted + (q.data?.totals.accepted ?? 0),
      duplicate: t.duplicate + (q.data?.totals.duplicate ?? 0),
      quarantined: t.quarantined + (q.data?.totals.quarantined ?? 0),
    }),
    { accepted: 0, duplicate: 0, quarantined: 0 },
  );
  const max = Math.max(1, ...stats.map((q) => (q.data ? q.data.totals.accepted + q.data.totals.quarantined : 0)));

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <p className="muted">First version: the last 7 days per source, freshness against each source's SLA, and audiences.</p>
      {sources.error && <p className="error">{errorText(sources.error)}</p>}
      <div className="tiles">
        <div className="card tile">
          <span className="tile-value" data-testid="accepted-total">
            {totals.accepted.toLocaleString('en')}
          </span>
          <span>events accepted (7 days)</span>
        </div>
        <div className="card tile">
          <span className="tile-value">{totals.duplicate.toLocaleString('en')}</span>
          <span>duplicates</span>
        </div>
        <div className="card tile">
          <span className="tile-value">{totals.quarantined.toLocaleString('en')}</span>
          <span>quarantined</span>
        </div>
        <div className="card tile">
          <span className="tile-value">{audiences.data?.items.length ?? '…'}</span>
          <span>
            <Link to="/audiences">active audiences</Link>
          </span>
        </div>
      </div>
      <section className="card" aria-labelledby="per-source">
        <h2 id="per-source">Sources</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Freshness</th>
              <th scope="col">Last event</th>
              <th scope="col">Accepted / quarantined (7 days)</th>
              <th scope="col">Open quarantine</th>
            </tr>
          </thead>
          <tbody>
            {(sources.data?.items ?? []).map((s, i) => {
              const st = stats[i]?.data;
              const accepted = st?.totals.accepted ?? 0;
              const quarantined = st?.totals.quarantined ?? 0;
              return (
                <tr key={s.id}>
                  <th scope="row">
                    {s.name} <span className="muted">{s.id}</span>
                  </th>
                  <td>
                    <span className={`pill fresh-${s.freshness.status}`}>{s.freshness.status}</span>{' '}
                    <span className="muted">SLA {Math.round(s.freshnessSlaSeconds / 60)} min</span>
                  </td>
                  <td>{formatDate(s.lastEventAt)}</td>
                  <td>
                    <svg width="160" height="12" role="img" aria-label={`${accepted} accepted, ${quarantined} quarantined`}>
                      <rect x="0" y="1" height="10" width={(150 * accepted) / max} className="bar-accepted" />
                      <rect x={(150 * accepted) / max} y="1" height="10" width={(150 * quarantined) / max} className="bar-quarantined" />
                    </svg>{' '}
                    {accepted} / {quarantined}
                  </td>
                  <td>{st?.openQuarantine ?? '…'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </section>
  );
};
