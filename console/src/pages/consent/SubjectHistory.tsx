import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import { navigate } from '../../router.js';
import type { ConsentEvent, LookupAnswer, SubjectConsent } from '../../types.js';
import { Disclosures } from './Disclosures.js';
import { SubjectSearch } from './SubjectSearch.js';
import { TcfString } from './TcfString.js';
import { ACTION_WORDS, legalBasisWords, reasonWords, shortHash } from './words.js';

/** `2026-11-20T10:00` (a datetime-local input) from an ISO time, in UTC, and back. */
const toInput = (iso: string): string => iso.slice(0, 16);
const fromInput = (value: string): string => new Date(`${value}:00Z`).toISOString();

const lapsed = (event: ConsentEvent, asOf: string): boolean =>
  event.action === 'grant' && event.expiresAt !== null && event.expiresAt <= asOf;

/** An ad partner's GVL vendor id: given with the event, or read from an `ads:gvl-<id>` channel as the ledger does. */
const vendorOf = (event: ConsentEvent): number | null => {
  if (event.tcfVendorId !== null) return event.tcfVendorId;
  const match = /^ads:gvl-(\d+)$/.exec(event.channel);
  return match ? Number(match[1]) : null;
};

/** The effect of an event at `asOf`: a grant that has lapsed since is an expiry the ledger did not need an event for. */
const effectOf = (event: ConsentEvent, asOf: string): string => {
  const word = ACTION_WORDS[event.action] ?? event.action;
  if (lapsed(event, asOf) && event.expiresAt) return `${word}, expired ${formatDate(event.expiresAt)}`;
  if (event.validFrom > asOf) return `${word}, takes effect ${formatDate(event.validFrom)}`;
  return word;
};

const State = ({ answer }: { answer: SubjectConsent }) => (
  <table className="card" aria-label="Current consent">
    <caption>
      State per purpose and channel at {formatDate(answer.asOf)}. A purpose and channel that is not listed has no record and is denied.
    </caption>
    <thead>
      <tr>
        <th scope="col">Purpose</th>
        <th scope="col">Channel</th>
        <th scope="col">State</th>
        <th scope="col">Why</th>
        <th scope="col">Legal basis</th>
        <th scope="col">Decisive event</th>
        <th scope="col">Valid from</th>
        <th scope="col">Expires</th>
      </tr>
    </thead>
    <tbody>
      {answer.consents.map((d) => (
        <tr key={`${d.purpose}/${d.channel}`}>
          <th scope="row">{d.purpose}</th>
          <td>{d.channel}</td>
          <td>
            <span className={`pill ${d.valid ? 'in' : 'out'}`}>
              {d.valid ? 'granted' : d.status === 'granted' ? 'not valid' : d.status}
            </span>
          </td>
          <td>{reasonWords(d.reason)}</td>
          <td>{legalBasisWords(d.legalBasis)}</td>
          <td>{d.seq !== null ? `#${d.seq} ${d.eventId ?? ''}` : '—'}</td>
          <td>{formatDate(d.validFrom)}</td>
          <td>{formatDate(d.expiresAt)}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

const History = ({ answer }: { answer: SubjectConsent }) => (
  <table className="card history" aria-label="Consent history">
    <caption>Every decision recorded for {answer.subject}, in chain order (oldest first).</caption>
    <thead>
      <tr>
        <th scope="col">#</th>
        <th scope="col">Recorded</th>
        <th scope="col">Decision</th>
        <th scope="col">Purpose</th>
        <th scope="col">Channel</th>
        <th scope="col">Legal basis</th>
        <th scope="col">Valid from</th>
        <th scope="col">Expires</th>
        <th scope="col">Captured at</th>
        <th scope="col">Proof</th>
        <th scope="col">Hash</th>
      </tr>
    </thead>
    <tbody>
      {answer.history.map((e) => (
        <tr key={e.seq} data-action={e.action}>
          <td>{e.seq}</td>
          <td>{formatDate(e.recordedAt)}</td>
          <th scope="row">
            <span className={`pill action-${lapsed(e, answer.asOf) ? 'expire' : e.action}`}>{effectOf(e, answer.asOf)}</span>
            <div className="muted">{e.eventId}</div>
          </th>
          <td>
            {e.purpose} <span className="muted">v{e.purposeVersion}</span>
          </td>
          <td>{e.channel}</td>
          <td>
            {legalBasisWords(e.legalBasis)} <span className="muted">{e.jurisdiction}</span>
          </td>
          <td>{formatDate(e.validFrom)}</td>
          <td>{formatDate(e.expiresAt)}</td>
          <td>
            {e.source.collectionPoint}
            {e.source.channel && <span className="muted"> via {e.source.channel}</span>}
            {e.source.agent && <div className="muted">by {e.source.agent}</div>}
          </td>
          <td>
            {e.proof.noticeId && (
              <div>
                notice {e.proof.noticeId} v{e.proof.noticeVersion}
              </div>
            )}
            {e.proof.evidenceRef && <div>evidence {e.proof.evidenceRef}</div>}
            {e.tcfString && <TcfString tcString={e.tcfString} vendorId={vendorOf(e)} />}
            {!e.proof.noticeId && !e.proof.evidenceRef && !e.tcfString && '—'}
          </td>
          <td>
            <code title={e.hash}>{shortHash(e.hash)}</code>
          </td>
        </tr>
      ))}
    </tbody>
  </table>
);

/**
 * The person an identifier subject belongs to now, when the key may read profiles (their consent
 * is also recorded under `profile:<id>` and their other identifiers, and exits read all of them),
 * and what has left Tessera about that person.
 */
const Person = ({ subject }: { subject: string }) => {
  const colon = subject.indexOf(':');
  const type = subject.slice(0, colon);
  const value = subject.slice(colon + 1);
  const person = useQuery({
    queryKey: ['lookup', type, value],
    enabled: colon > 0 && type !== 'profile',
    queryFn: () => api<LookupAnswer>(`/v1/profiles/lookup?type=${encodeURIComponent(type)}&value=${encodeURIComponent(value)}`),
  });
  if (type === 'profile') return <Disclosures profileId={value} />;
  if (!person.data) return null;
  const id = person.data.profileId;
  return (
    <>
      <p>
        This {type} belongs to <Link to={`/profiles/${encodeURIComponent(id)}`}>{id}</Link>. Consent may also be recorded under{' '}
        <Link to={`/consent/subjects/${encodeURIComponent(`profile:${id}`)}`}>profile:{id}</Link> or the person's other identifiers; every
        exit reads them together.
      </p>
      <Disclosures profileId={id} />
    </>
  );
};

/** One subject's consent: the state per purpose and channel (now or at a past time) and the whole hash-chained history. */
export const SubjectHistory = ({ subject, asOf }: { subject: string; asOf: string | undefined }) => {
  const [asOfInput, setAsOfInput] = useState(asOf ? toInput(asOf) : '');
  useEffect(() => {
    document.title = `Consent of ${subject} · Tessera`;
  }, [subject]);
  const answer = useQuery({
    queryKey: ['consent', subject, asOf ?? null],
    queryFn: () => api<SubjectConsent>(`/v1/consents/${encodeURIComponent(subject)}${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ''}`),
  });
  const base = `/consent/subjects/${encodeURIComponent(subject)}`;
  const showAsOf = (event: FormEvent) => {
    event.preventDefault();
    navigate(asOfInput ? `${base}?asOf=${encodeURIComponent(fromInput(asOfInput))}` : base);
  };
  const data = answer.data;
  const profileId = data?.subject.startsWith('profile:') ? data.subject.slice('profile:'.length) : undefined;

  return (
    <section aria-labelledby="subject-title">
      <h1 id="subject-title">Consent of {data?.subject ?? subject}</h1>
      <p>
        <Link to="/consent">Consent</Link>
        {profileId && (
          <>
            {' · '}
            <Link to={`/profiles/${encodeURIComponent(profileId)}`}>Open the profile</Link>
          </>
        )}
      </p>
      <div className="card">
        <SubjectSearch initial={subject} />
        <form className="search as-of" onSubmit={showAsOf}>
          <div className="field">
            <label htmlFor="as-of">State as of (UTC)</label>
            <input id="as-of" type="datetime-local" value={asOfInput} onChange={(e) => setAsOfInput(e.target.value)} />
          </div>
          <button type="submit" className="secondary">
            Show state then
          </button>
          {asOf && (
            <button type="button" className="link-button" onClick={() => navigate(base)}>
              back to now
            </button>
          )}
        </form>
      </div>
      {answer.error && (
        <p role="alert" className="error">
          {errorText(answer.error)}
        </p>
      )}
      {!data && !answer.error && <p aria-busy="true">Loading the ledger…</p>}
      {data && (
        <>
          <p role="status" className={data.chain.valid ? 'ok' : 'error'} data-testid="chain">
            {data.chain.valid
              ? `Hash chain intact: ${data.chain.length} events${data.chain.head ? `, head ${shortHash(data.chain.head)}` : ''}.`
              : `Hash chain broken at event ${data.chain.brokenAt ?? '?'}: ${data.chain.reason ?? ''} ${data.chain.message ?? ''}`}
          </p>
          {data.history.length === 0 ? (
            <p className="muted">No consent recorded for this subject: every purpose and channel is denied.</p>
          ) : (
            <>
              <h2>State</h2>
              <State answer={data} />
              <h2>History</h2>
              <History answer={data} />
            </>
          )}
          <Person subject={data.subject} />
        </>
      )}
    </section>
  );
};
