import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import type { DriftSignal, Reason, SourceSummary } from './types.js';

/** Pieces shared by the sources pages. */

/** 90 → "1 min 30 s", 7200 → "2 h". */
export const formatDuration = (seconds: number): string => {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
  if (seconds < 86_400)
    return `${Math.floor(seconds / 3600)} h${Math.floor((seconds % 3600) / 60) ? ` ${Math.floor((seconds % 3600) / 60)} min` : ''}`;
  return `${Math.floor(seconds / 86_400)} d${Math.floor((seconds % 86_400) / 3600) ? ` ${Math.floor((seconds % 86_400) / 3600)} h` : ''}`;
};

/** Freshness against the source's SLA, in words: "fresh: last event 2 min ago (SLA 15 min)". */
export const Freshness = ({ source }: { readonly source: SourceSummary }) => {
  const { status, secondsSinceLastEvent } = source.freshness;
  const sla = formatDuration(source.freshnessSlaSeconds);
  const text =
    secondsSinceLastEvent === null ? `no event yet (SLA ${sla})` : `last event ${formatDuration(secondsSinceLastEvent)} ago (SLA ${sla})`;
  return (
    <span>
      <span className={`pill fresh-${status}`}>{status}</span> <span className="muted">{text}</span>
    </span>
  );
};

const DRIFT_KIND: Record<DriftSignal['kind'], string> = {
  undeclared_field: 'undeclared field',
  type_mismatch: 'type differs from the contract',
};

/** Contract-drift alerts: what sources send that their contracts do not declare. */
export const DriftTable = ({ drift, showSource }: { readonly drift: readonly DriftSignal[]; readonly showSource: boolean }) =>
  drift.length === 0 ? (
    <p className="muted">No contract drift: every source sends what its contract declares.</p>
  ) : (
    <table className="drift">
      <thead>
        <tr>
          {showSource && <th scope="col">Source</th>}
          <th scope="col">Event type</th>
          <th scope="col">Field in properties</th>
          <th scope="col">Drift</th>
          <th scope="col">Contract version</th>
          <th scope="col">Events</th>
          <th scope="col">Last seen</th>
          <th scope="col">Example event</th>
        </tr>
      </thead>
      <tbody>
        {drift.map((d) => (
          <tr key={`${d.sourceId}|${d.type}|${d.path}|${d.kind}`} className="drift-row">
            {showSource && (
              <td>
                <Link to={`/sources/${encodeURIComponent(d.sourceId)}`}>{d.sourceId}</Link>
              </td>
            )}
            <td>{d.type}</td>
            <th scope="row">
              <code>{d.path}</code>
            </th>
            <td>
              <span className="pill drift-pill">{DRIFT_KIND[d.kind]}</span>
            </td>
            <td>v{d.schemaVersion}</td>
            <td>{d.count.toLocaleString('en')}</td>
            <td>{formatDate(d.lastSeen)}</td>
            <td>
              <code>{d.example}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

/** A quarantine entry's reasons, each with its path into the event. */
export const ReasonList = ({ reasons }: { readonly reasons: readonly Reason[] }) => (
  <ul className="reasons">
    {reasons.map((r, i) => (
      <li key={`${r.code}-${r.path ?? ''}-${i}`}>
        <code className="reason-code">{r.code}</code>
        {r.path && (
          <>
            {' '}
            at <code className="reason-path">{r.path}</code>
          </>
        )}
        : {r.message}
      </li>
    ))}
  </ul>
);
