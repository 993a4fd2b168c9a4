import { useQuery } from '@tanstack/react-query';
import { api, errorText } from '../api.js';
import { Link } from './Link.js';
import { formatDate } from '../format.js';

interface PersonConsentAnswer {
  readonly profileId: string;
  readonly asOf: string;
  readonly subjects: readonly string[];
  readonly consents: readonly {
    readonly purpose: string;
    readonly channel: string;
    readonly status: string;
    readonly valid: boolean;
    readonly reason: string;
    readonly legalBasis: string | null;
    readonly expiresAt: string | null;
    readonly subject: string | null;
  }[];
}

/**
 * The person's consent now, on the profile card (`GET /v1/profiles/{id}/consents`): every purpose
 * and channel any of its subjects has a record for, valid or not and why, and whose record decided.
 */
export const ConsentCard = ({ profileId }: { readonly profileId: string }) => {
  const consent = useQuery({
    queryKey: ['profile-consent', profileId],
    queryFn: () => api<PersonConsentAnswer>(`/v1/profiles/${encodeURIComponent(profileId)}/consents`),
  });
  return (
    <section className="card" aria-labelledby="consent-card-title">
      <h2 id="consent-card-title">Consent</h2>
      {consent.error && <p className="error">{errorText(consent.error)}</p>}
      {consent.data && consent.data.consents.length === 0 && (
        <p className="muted">No consent recorded for any of this person's subjects: every purpose is denied.</p>
      )}
      {consent.data && consent.data.consents.length > 0 && (
        <table>
          <caption className="visually-hidden">Consent per purpose and channel, now</caption>
          <thead>
            <tr>
              <th scope="col">Purpose</th>
              <th scope="col">Channel</th>
              <th scope="col">Now</th>
              <th scope="col">Basis</th>
              <th scope="col">Decided by</th>
            </tr>
          </thead>
          <tbody>
            {consent.data.consents.map((c) => (
              <tr key={`${c.purpose}/${c.channel}`}>
                <th scope="row">{c.purpose}</th>
                <td>{c.channel}</td>
                <td>
                  <span className={c.valid ? 'ok' : 'error'}>{c.valid ? 'valid' : c.status}</span>
                  {!c.valid && <span className="muted"> ({c.reason})</span>}
                  {c.valid && c.expiresAt && <span className="muted"> until {formatDate(c.expiresAt)}</span>}
                </td>
                <td>{c.legalBasis ?? '—'}</td>
                <td>{c.subject ? <Link to={`/consent/subjects/${encodeURIComponent(c.subject)}`}>{c.subject}</Link> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};
