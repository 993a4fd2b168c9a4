import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import { navigate } from '../../router.js';
import type { LegalBasisReport as Report } from '../../types.js';
import { legalBasisWords, shortHash } from './words.js';

const PAGE = 200;

/** Open the legal-basis report of an export (or, later, a campaign) by its id. */
export const ReportLookup = ({ initial = '' }: { initial?: string }) => {
  const [id, setId] = useState(initial);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (id.trim() !== '') navigate(`/consent/reports/${encodeURIComponent(id.trim())}`);
  };
  return (
    <form className="search" aria-label="Legal-basis report" onSubmit={submit}>
      <div className="field grow">
        <label htmlFor="report-id">Export or campaign id</label>
        <input id="report-id" value={id} onChange={(e) => setId(e.target.value)} placeholder="01J…" />
      </div>
      <button type="submit">Open the legal-basis report</button>
    </form>
  );
};

const Counts = ({ caption, counts, words }: { caption: string; counts: Record<string, number>; words: (key: string) => string }) => (
  <table>
    <caption>{caption}</caption>
    <tbody>
      {Object.entries(counts).map(([key, n]) => (
        <tr key={key}>
          <th scope="row">{words(key)}</th>
          <td className="number">{n.toLocaleString('en')}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

/**
 * The report a regulator can be shown: what was sent, to whom, for which purpose over which
 * channel, under which policy version, and for every recipient the consent event and notice that
 * made it lawful; then the recipients that lacked a valid basis when re-checked from the ledger.
 */
export const LegalBasisReport = ({ id }: { id: string }) => {
  useEffect(() => {
    document.title = `Legal-basis report ${id} · Tessera`;
  }, [id]);
  const pages = useInfiniteQuery({
    queryKey: ['legal-basis', id],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api<Report>(
        `/v1/reports/legal-basis/${encodeURIComponent(id)}?limit=${PAGE}${pageParam ? `&after=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    getNextPageParam: (last) => last.next ?? undefined,
  });
  const report = pages.data?.pages[0];
  const recipients = pages.data?.pages.flatMap((p) => p.recipients) ?? [];
  const lacking = pages.data?.pages.flatMap((p) => p.lackingValidBasis) ?? [];

  return (
    <section aria-labelledby="report-title">
      <h1 id="report-title">Legal-basis report {id}</h1>
      <p>
        <Link to="/consent">Consent</Link>
      </p>
      <div className="card">
        <ReportLookup initial={id} />
      </div>
      {pages.error && (
        <p role="alert" className="error">
          {errorText(pages.error)}
        </p>
      )}
      {!report && !pages.error && <p aria-busy="true">Checking every recipient against the ledger…</p>}
      {report && (
        <>
          <section className="card" aria-labelledby="report-summary">
            <h2 id="report-summary">What was sent</h2>
            <dl className="pairs">
              <dt>Audience</dt>
              <dd>
                <Link to={`/audiences/${encodeURIComponent(report.audienceId)}`}>{report.audienceId}</Link> version {report.audienceVersion}
              </dd>
              <dt>Consumer</dt>
              <dd>
                {report.consumer.name}{' '}
                <span className="muted">
                  ({report.consumer.id}, {report.consumer.kind.replace('_', ' ')})
                </span>
              </dd>
              <dt>Purpose and channel</dt>
              <dd>
                {report.purpose} over {report.channel}
              </dd>
              <dt>Sent</dt>
              <dd>{formatDate(report.sentAt)}</dd>
              <dt>Policy version</dt>
              <dd>{report.policyVersion}</dd>
              <dt>Recipients</dt>
              <dd data-testid="recipient-count">{report.recipientCount.toLocaleString('en')}</dd>
              <dt>Removed from the consumer</dt>
              <dd>{report.removedCount.toLocaleString('en')}</dd>
              <dt>Left out</dt>
              <dd>
                {report.excluded.heldOut} held out, {report.excluded.denied} without a valid basis
              </dd>
            </dl>
            <p role="status" className={report.allRecipientsHadValidBasis ? 'ok statement' : 'error statement'} data-testid="statement">
              {report.statement}
            </p>
            <div className="grid">
              <Counts caption="Recipients per legal basis" counts={report.legalBases} words={legalBasisWords} />
              {Object.keys(report.excluded.deniedBy).length > 0 && (
                <Counts caption="Left out, per deciding rule" counts={report.excluded.deniedBy} words={(k) => k} />
              )}
            </div>
          </section>
          {lacking.length > 0 && (
            <section className="card" aria-labelledby="lacking-title">
              <h2 id="lacking-title" className="error">
                Recipients without a valid basis
              </h2>
              <table>
                <tbody>
                  {lacking.map((l) => (
                    <tr key={l.profileId}>
                      <th scope="row">
                        <Link to={`/profiles/${encodeURIComponent(l.profileId)}`}>{l.profileId}</Link>
                      </th>
                      <td>{l.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          <section className="card" aria-labelledby="recipients-title">
            <h2 id="recipients-title">Recipients and the consent each rests on</h2>
            <table aria-label="Recipients">
              <caption>
                {recipients.length.toLocaleString('en')} of {report.recipientCount.toLocaleString('en')} recipients shown
              </caption>
              <thead>
                <tr>
                  <th scope="col">Profile</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Legal basis</th>
                  <th scope="col">Consent event</th>
                  <th scope="col">Valid from</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Notice shown</th>
                  <th scope="col">Evidence</th>
                </tr>
              </thead>
              <tbody>
                {recipients.map((r) => (
                  <tr key={r.profileId}>
                    <th scope="row">
                      <Link to={`/profiles/${encodeURIComponent(r.profileId)}`}>{r.profileId}</Link>
                    </th>
                    <td>{r.op === 'add' ? 'added' : 'kept'}</td>
                    <td>
                      {legalBasisWords(r.consentEvent?.legalBasis)}{' '}
                      {r.consentEvent && <span className="muted">{r.consentEvent.jurisdiction}</span>}
                    </td>
                    <td>
                      {r.consentEvent ? (
                        <>
                          <Link to={`/consent/subjects/${encodeURIComponent(r.consentEvent.subject)}`}>{r.consentEvent.subject}</Link>
                          <div className="muted">
                            {r.consentEvent.eventId} · <code title={r.consentEvent.hash}>{shortHash(r.consentEvent.hash)}</code>
                          </div>
                          {r.consentEvents.length > 1 && (
                            <div className="muted">also {r.consentEvents.filter((e) => e !== r.consentEvent?.eventId).join(', ')}</div>
                          )}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{formatDate(r.consentEvent?.validFrom)}</td>
                    <td>{formatDate(r.consentEvent?.expiresAt)}</td>
                    <td>
                      {r.notice ? (
                        <>
                          {r.notice.url ? (
                            <a href={r.notice.url} rel="noreferrer noopener" target="_blank">
                              {r.notice.title}
                            </a>
                          ) : (
                            r.notice.title
                          )}{' '}
                          <span className="muted">
                            v{r.notice.version}, {r.notice.language}
                          </span>
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{r.consentEvent?.evidenceRef ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {pages.hasNextPage && (
              <button type="button" className="secondary" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
                More recipients
              </button>
            )}
          </section>
        </>
      )}
    </section>
  );
};
