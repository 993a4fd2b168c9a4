import { useQuery } from '@tanstack/react-query';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import type { Consumer, Notice, Page, Purpose } from '../../types.js';
import { legalBasisWords, shortHash } from './words.js';

/** Registered purposes at their current version, with the legal bases a decision may rest on. */
export const Purposes = () => {
  const purposes = useQuery({ queryKey: ['purposes'], queryFn: () => api<{ items: Purpose[] }>('/v1/purposes') });
  return (
    <section className="card" aria-labelledby="purposes-title">
      <h2 id="purposes-title">Purposes</h2>
      {purposes.error && <p className="error">{errorText(purposes.error)}</p>}
      {purposes.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Purpose</th>
              <th scope="col">Version</th>
              <th scope="col">Legal bases allowed</th>
              <th scope="col">Advertising</th>
              <th scope="col">TCF purpose</th>
            </tr>
          </thead>
          <tbody>
            {purposes.data.items.map((p) => (
              <tr key={p.code}>
                <th scope="row">
                  {p.name} <span className="muted">{p.code}</span>
                  {p.description && <div className="muted">{p.description}</div>}
                </th>
                <td>{p.version}</td>
                <td>
                  <ul className="compact">
                    {p.legalBases.map((b) => (
                      <li key={b}>{legalBasisWords(b)}</li>
                    ))}
                  </ul>
                </td>
                <td>{p.advertising ? 'yes (38-FZ Art. 18)' : 'no'}</td>
                <td>{p.tcfPurposeId ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};

/** Published notice versions: what the subject was shown, kept as the SHA-256 of its text. */
export const Notices = () => {
  const notices = useQuery({ queryKey: ['notices'], queryFn: () => api<{ items: Notice[] }>('/v1/notices') });
  return (
    <section className="card" aria-labelledby="notices-title">
      <h2 id="notices-title">Notices</h2>
      {notices.error && <p className="error">{errorText(notices.error)}</p>}
      {notices.data?.items.length === 0 && <p className="muted">No notice published yet (POST /v1/notices).</p>}
      {notices.data && notices.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Notice</th>
              <th scope="col">Version</th>
              <th scope="col">Language</th>
              <th scope="col">Purposes</th>
              <th scope="col">Text hash</th>
              <th scope="col">Published</th>
            </tr>
          </thead>
          <tbody>
            {notices.data.items.map((n) => (
              <tr key={`${n.id}/${n.version}`}>
                <th scope="row">
                  {n.url ? (
                    <a href={n.url} rel="noreferrer noopener" target="_blank">
                      {n.title}
                    </a>
                  ) : (
                    n.title
                  )}{' '}
                  <span className="muted">{n.id}</span>
                </th>
                <td>{n.version}</td>
                <td>{n.language}</td>
                <td>{n.purposes.join(', ') || '—'}</td>
                <td>
                  <code title={n.textHash}>{shortHash(n.textHash)}</code>
                </td>
                <td>{formatDate(n.publishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};

/** Registered consumers (channels): what they may use data for and where they reach people. */
export const Consumers = () => {
  const consumers = useQuery({ queryKey: ['consumers'], queryFn: () => api<Page<Consumer>>('/v1/consumers?status=all&limit=500') });
  return (
    <section className="card" aria-labelledby="consumers-title">
      <h2 id="consumers-title">Consumers</h2>
      {consumers.error && <p className="error">{errorText(consumers.error)}</p>}
      {consumers.data?.items.length === 0 && <p className="muted">No consumer registered yet (POST /v1/consumers).</p>}
      {consumers.data && consumers.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Consumer</th>
              <th scope="col">Kind</th>
              <th scope="col">Purposes</th>
              <th scope="col">Channels</th>
              <th scope="col">Required signals</th>
              <th scope="col">Status</th>
              <th scope="col">Subscriptions</th>
            </tr>
          </thead>
          <tbody>
            {consumers.data.items.map((c) => (
              <tr key={c.id}>
                <th scope="row">
                  {c.name} <span className="muted">{c.id}</span>
                  {c.description && <div className="muted">{c.description}</div>}
                </th>
                <td>
                  {c.kind.replace('_', ' ')}
                  {c.partner && <span className="muted"> ({c.partner})</span>}
                </td>
                <td>{c.purposes.join(', ')}</td>
                <td>{c.channels.join(', ')}</td>
                <td>{c.requiredSignals.join(', ') || '—'}</td>
                <td>
                  <span className={`pill ${c.status === 'active' ? 'in' : 'out'}`}>{c.status}</span>{' '}
                  <span className="muted">rev. {c.revision}</span>
                </td>
                <td>
                  <Link to={`/subscriptions?consumer=${encodeURIComponent(c.id)}`}>subscriptions</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};
