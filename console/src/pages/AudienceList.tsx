import { useQuery } from '@tanstack/react-query';
import { api, errorText } from '../api.js';
import { Link } from '../components/Link.js';
import { formatDate } from '../format.js';
import type { AudienceSummary, Page } from '../types.js';

export const AudienceList = () => {
  const audiences = useQuery({ queryKey: ['audiences'], queryFn: () => api<Page<AudienceSummary>>('/v1/audiences?limit=100') });
  return (
    <section aria-labelledby="audiences-title">
      <h1 id="audiences-title">Audiences</h1>
      <p>
        <Link to="/audiences/new" className="button">
          New audience
        </Link>
      </p>
      {audiences.error && <p className="error">{errorText(audiences.error)}</p>}
      {audiences.data && (
        <table className="card">
          <thead>
            <tr>
              <th scope="col">Audience</th>
              <th scope="col">Selects</th>
              <th scope="col">Rule</th>
              <th scope="col">Mode</th>
              <th scope="col">Version</th>
              <th scope="col">Holdout</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {audiences.data.items.map((a) => (
              <tr key={a.id}>
                <th scope="row">
                  <Link to={`/audiences/${encodeURIComponent(a.id)}`}>{a.name}</Link> <span className="muted">{a.id}</span>
                </th>
                <td>{a.entity}</td>
                <td>{a.summary}</td>
                <td>
                  {a.mode === 'scheduled'
                    ? `scheduled ${a.schedule?.everyMinutes ? `every ${a.schedule.everyMinutes} min` : `daily at ${a.schedule?.dailyAt ?? ''}`}`
                    : 'real time'}
                </td>
                <td>{a.version}</td>
                <td>{a.holdoutPercent}%</td>
                <td>{formatDate(a.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {audiences.data?.items.length === 0 && <p className="muted">No audiences yet.</p>}
    </section>
  );
};
