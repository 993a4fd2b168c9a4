import { Link } from '../../components/Link.js';
import { ReasonList } from './parts.js';
import type { ReplayReport } from './types.js';

/** What a replay did, entry by entry; entries still refused are listed with their reasons. */
export const ReplayOutcome = ({ report }: { readonly report: ReplayReport }) => {
  const refused = report.items.filter((i) => i.status === 'quarantined');
  return (
    <div role="status" className={`replay-outcome ${refused.length > 0 ? 'replay-refused' : 'replay-ok'}`}>
      <p>
        <strong>
          Replayed {report.selected} {report.selected === 1 ? 'entry' : 'entries'}: {report.accepted} accepted, {report.duplicate}{' '}
          {report.duplicate === 1 ? 'duplicate' : 'duplicates'} (already in the log), {report.stillQuarantined} still refused.
        </strong>
      </p>
      {report.items
        // Positions matter for one entry (fix-and-replay); a bulk replay's summary says enough.
        .filter((i) => i.status === 'accepted' && report.items.length === 1)
        .map((i) => (
          <p key={i.quarantineId} className="ok">
            Accepted into the event log{i.seq !== undefined ? ` at position ${i.seq}` : ''}.
          </p>
        ))}
      {refused.map((i) => (
        <div key={i.quarantineId}>
          <p>
            <Link to={`/sources/quarantine/${encodeURIComponent(i.quarantineId)}`}>Entry {i.quarantineId}</Link> is still refused:
          </p>
          <ReasonList reasons={i.reasons ?? []} />
        </div>
      ))}
    </div>
  );
};
