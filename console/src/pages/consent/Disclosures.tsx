import { useInfiniteQuery } from '@tanstack/react-query';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import type { Disclosure, Page } from '../../types.js';

const EXIT_WORDS: Record<Disclosure['exit'], string> = {
  profile_read: 'profile read',
  audience_export: 'audience export',
  delivery: 'webhook delivery',
  campaign_send: 'campaign send',
};

/** Where a disclosure's reference leads: an export to its legal-basis report, a delivery to its subscription. */
const Reference = ({ disclosure }: { disclosure: Disclosure }) => {
  const ref = disclosure.reference;
  if (!ref) return <>—</>;
  if (disclosure.exit === 'audience_export' || disclosure.exit === 'campaign_send')
    return <Link to={`/consent/reports/${encodeURIComponent(ref)}`}>legal-basis report {ref}</Link>;
  if (disclosure.exit === 'delivery') {
    const subscription = ref.split('/')[0] ?? ref;
    return <Link to={`/subscriptions/${encodeURIComponent(subscription)}`}>{ref}</Link>;
  }
  return <>{ref}</>;
};

/** What left Tessera about one person: the disclosure log, oldest first, 100 at a time. */
export const Disclosures = ({ profileId }: { profileId: string }) => {
  const pages = useInfiniteQuery({
    queryKey: ['disclosures', profileId],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api<Page<Disclosure>>(
        `/v1/disclosures?subject=${encodeURIComponent(profileId)}&limit=100${pageParam ? `&after=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    getNextPageParam: (last) => last.next ?? undefined,
  });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card" aria-labelledby="disclosures-title">
      <h2 id="disclosures-title">Disclosures of {profileId}</h2>
      {pages.error && <p className="error">{errorText(pages.error)}</p>}
      {pages.data && items.length === 0 && <p className="muted">Nothing about this person has left Tessera.</p>}
      {items.length > 0 && (
        <table aria-label="Disclosures">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Consumer</th>
              <th scope="col">Exit</th>
              <th scope="col">Purpose and channel</th>
              <th scope="col">Released</th>
              <th scope="col">Redacted</th>
              <th scope="col">Consent events</th>
              <th scope="col">Policy</th>
              <th scope="col">Reference</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <th scope="row">{formatDate(d.at)}</th>
                <td>{d.consumerId}</td>
                <td>{EXIT_WORDS[d.exit] ?? d.exit}</td>
                <td>
                  {d.purpose} / {d.channel}
                </td>
                <td>{d.released.join(', ') || '—'}</td>
                <td>{d.redacted.length > 0 ? <span title={d.redacted.join(', ')}>{d.redacted.length} attributes</span> : '—'}</td>
                <td>{d.consentEvents.join(', ') || '—'}</td>
                <td>v{d.policyVersion}</td>
                <td>
                  <Reference disclosure={d} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages.hasNextPage && (
        <button type="button" className="secondary" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          More disclosures
        </button>
      )}
    </section>
  );
};
