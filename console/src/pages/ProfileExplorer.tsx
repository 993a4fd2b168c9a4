import { useInfiniteQuery, useQueries, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorText } from '../api.js';
import { ConsentCard } from '../components/ConsentCard.js';
import { IdentityGraph, type Households } from '../components/IdentityGraph.js';
import { Sparkline } from '../components/Sparkline.js';
import { flatten, formatDate, formatValue } from '../format.js';
import { navigate } from '../router.js';
import type {
  AudienceSummary,
  ConditionResult,
  ExplainAnswer,
  IdentityAnswer,
  LookupAnswer,
  Page,
  Profile,
  TimelineAnswer,
} from '../types.js';

const SEARCH_TYPES = [
  { value: 'msisdn', label: 'MSISDN (phone number)' },
  { value: 'email', label: 'Email' },
  { value: 'accountId', label: 'Account' },
  { value: 'passport', label: 'Passport' },
  { value: 'profileId', label: 'Profile id' },
] as const;

interface AccountAnswer {
  readonly accountId: string;
  readonly members: readonly { readonly profileId: string; readonly role: string }[];
}

/** Search by identifier; an account answers with its people to choose from. */
const SearchForm = () => {
  const [type, setType] = useState<string>('msisdn');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [members, setMembers] = useState<AccountAnswer | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = value.trim();
    if (trimmed === '') return;
    setBusy(true);
    setError(null);
    setMembers(null);
    try {
      if (type === 'profileId') navigate(`/profiles/${encodeURIComponent(trimmed)}`);
      else if (type === 'accountId') {
        const account = await api<AccountAnswer>(`/v1/accounts/${encodeURIComponent(trimmed)}`);
        if (account.members.length === 1) navigate(`/profiles/${encodeURIComponent(account.members[0]?.profileId ?? '')}`);
        else setMembers(account);
      } else {
        const found = await api<LookupAnswer>(`/v1/profiles/lookup?type=${type}&value=${encodeURIComponent(trimmed)}`);
        navigate(`/profiles/${encodeURIComponent(found.profileId)}`);
      }
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="search card" role="search" aria-label="Find a profile" onSubmit={submit}>
      <div className="field">
        <label htmlFor="search-type">Search by</label>
        <select id="search-type" value={type} onChange={(e) => setType(e.target.value)}>
          {SEARCH_TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field grow">
        <label htmlFor="search-value">Value</label>
        <input id="search-value" value={value} onChange={(e) => setValue(e.target.value)} placeholder="+7 916 123-45-67" autoFocus />
      </div>
      <button type="submit" disabled={busy}>
        Find
      </button>
      {error && (
        <p role="alert" className="error full">
          {error}
        </p>
      )}
      {members && (
        <div className="full">
          <p>
            Account {members.accountId} has {members.members.length} people:
          </p>
          <ul>
            {members.members.map((m) => (
              <li key={m.profileId}>
                <a href={`/profiles/${m.profileId}`} onClick={(e) => (e.preventDefault(), navigate(`/profiles/${m.profileId}`))}>
                  {m.profileId}
                </a>{' '}
                ({m.role})
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
};

const Traits = ({ profile }: { profile: Profile }) => (
  <section className="card" aria-labelledby="traits-title">
    <h2 id="traits-title">Traits</h2>
    <table>
      <caption className="visually-hidden">Current state with the source of each trait</caption>
      <thead>
        <tr>
          <th scope="col">Trait</th>
          <th scope="col">Value</th>
          <th scope="col">From (lineage)</th>
        </tr>
      </thead>
      <tbody>
        {flatten(profile.traits).map(([path, value]) => {
          const lineage = profile.lineage?.[path.split('.')[0] as string];
          return (
            <tr key={path}>
              <th scope="row">{path}</th>
              <td>{formatValue(value)}</td>
              <td className="muted">
                {lineage ? `${lineage.source} · ${lineage.rule} · ${lineage.event.eventId} · ${formatDate(lineage.event.at)}` : '—'}
              </td>
            </tr>
          );
        })}
        <tr>
          <th scope="row">open cases</th>
          <td>{profile.openCases.length}</td>
          <td className="muted">broken promises: {profile.brokenPromises}</td>
        </tr>
        {Object.entries(profile.lastInteraction).map(([channel, at]) => (
          <tr key={channel}>
            <th scope="row">last interaction · {channel}</th>
            <td>{formatDate(at)}</td>
            <td />
          </tr>
        ))}
      </tbody>
    </table>
  </section>
);

const Aggregates = ({ profile }: { profile: Profile }) => (
  <section className="card" aria-labelledby="aggregates-title">
    <h2 id="aggregates-title">Aggregates</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Aggregate</th>
          <th scope="col">Windows</th>
          <th scope="col">Last 30 days</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(profile.aggregates).map(([id, aggregate]) => (
          <tr key={id}>
            <th scope="row" title={id}>
              {aggregate.label}
            </th>
            <td>
              {Object.entries(aggregate.windows)
                .map(([window, value]) => `${window}: ${formatValue(value)}`)
                .join(' · ')}{' '}
              <span className="muted">{aggregate.unit}</span>
            </td>
            <td>
              <Sparkline points={aggregate.daily ?? []} label={aggregate.label} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </section>
);

const ScoresCard = ({ profile }: { profile: Profile }) => (
  <section className="card" aria-labelledby="scores-title">
    <h2 id="scores-title">Scores</h2>
    {profile.scores ? (
      <>
        <p>
          Churn risk <strong className={`band band-${profile.scores.churn.band}`}>{profile.scores.churn.band}</strong> (
          {(profile.scores.churn.probability * 100).toFixed(1)}%, model {profile.scores.churn.model})
        </p>
        <ul aria-label="Churn reason codes">
          {profile.scores.churn.reasons.map((r) => (
            <li key={r.feature}>
              {r.text}{' '}
              <span className="muted">
                ({r.contribution > 0 ? '+' : ''}
                {r.contribution})
              </span>
            </li>
          ))}
        </ul>
        <p>
          Lifetime value {formatValue(profile.scores.lifetimeValue.value)} {profile.scores.lifetimeValue.currency} (
          {profile.scores.lifetimeValue.expectedLifetimeMonths.toFixed(1)} months expected)
        </p>
      </>
    ) : (
      <p className="muted">No scores yet: no churn model is trained (`tessera train churn`).</p>
    )}
    <h3>Accounts</h3>
    {profile.accounts.length === 0 ? (
      <p className="muted">None.</p>
    ) : (
      <ul>
        {profile.accounts.map((a) => (
          <li key={a.accountId}>
            {a.accountId} — {a.role}
            {a.organisation ? ` · organisation ${a.organisation}` : ''} <span className="muted">since {formatDate(a.firstAt)}</span>
          </li>
        ))}
      </ul>
    )}
  </section>
);

const Conditions = ({ condition }: { condition: ConditionResult }) => (
  <li>
    <span className={condition.result ? 'ok' : 'fail'}>{condition.result ? '✔' : '✘'}</span> {condition.text}
    {condition.children && condition.children.length > 0 && (
      <ul>
        {condition.children.map((child) => (
          <Conditions key={child.path} condition={child} />
        ))}
      </ul>
    )}
  </li>
);

/** Every active person audience, each with the evaluation of this profile now. */
const Audiences = ({ profileId }: { profileId: string }) => {
  const audiences = useQuery({
    queryKey: ['profile-audiences', profileId],
    queryFn: async () => {
      const list = await api<Page<AudienceSummary>>('/v1/audiences?limit=100');
      const persons = list.items.filter((a) => a.entity === 'person');
      return Promise.all(
        persons.map(async (audience) => ({
          audience,
          explain: await api<ExplainAnswer>(`/v1/audiences/${encodeURIComponent(audience.id)}/explain/${encodeURIComponent(profileId)}`),
        })),
      );
    },
  });
  return (
    <section className="card" aria-labelledby="audiences-title">
      <h2 id="audiences-title">Audiences</h2>
      {audiences.isPending && <p>Loading…</p>}
      {audiences.error && <p className="error">{errorText(audiences.error)}</p>}
      {audiences.data?.length === 0 && <p className="muted">No person audiences are defined.</p>}
      <ul className="plain">
        {[...(audiences.data ?? [])]
          .sort((a, b) => Number(b.explain.member) - Number(a.explain.member))
          .map(({ audience, explain }) => (
            <li key={audience.id}>
              <details>
                <summary>
                  <span className={explain.member ? 'pill in' : 'pill out'}>{explain.member ? 'member' : 'not a member'}</span>{' '}
                  <strong>{audience.name}</strong> <span className="muted">v{explain.version}</span>
                  {explain.heldOut && <span className="pill"> held out</span>}
                </summary>
                <p className="muted">{audience.summary}</p>
                {explain.evaluation.failing && <p>Fails: {explain.evaluation.failing.text}</p>}
                <ul className="conditions">
                  <Conditions condition={explain.evaluation.conditions} />
                </ul>
              </details>
            </li>
          ))}
      </ul>
    </section>
  );
};

const Timeline = ({ profileId }: { profileId: string }) => {
  const timeline = useInfiniteQuery({
    queryKey: ['timeline', profileId],
    initialPageParam: null as number | null,
    queryFn: ({ pageParam }) =>
      api<TimelineAnswer>(
        `/v1/profiles/${encodeURIComponent(profileId)}/timeline?limit=25${pageParam !== null ? `&before=${pageParam}` : ''}`,
      ),
    getNextPageParam: (last) => last.next ?? undefined,
  });
  const events = timeline.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      {timeline.error && <p className="error">{errorText(timeline.error)}</p>}
      <ol className="timeline">
        {events.map((e) => (
          <li key={e.seq}>
            <time dateTime={e.occurredAt}>{formatDate(e.occurredAt)}</time>{' '}
            <strong>
              {e.source}/{e.type}
            </strong>{' '}
            <span className="muted">{e.eventId}</span>
            <div className="props">
              {flatten(e.properties)
                .slice(0, 6)
                .map(([k, v]) => `${k}: ${formatValue(v)}`)
                .join(' · ')}
            </div>
          </li>
        ))}
      </ol>
      {events.length === 0 && !timeline.isPending && <p className="muted">No events.</p>}
      {timeline.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void timeline.fetchNextPage()} disabled={timeline.isFetchingNextPage}>
          Older events
        </button>
      )}
    </section>
  );
};

const ProfileView = ({ profileId }: { profileId: string }) => {
  const profile = useQuery({
    queryKey: ['profile', profileId],
    queryFn: () => api<Profile>(`/v1/profiles/${encodeURIComponent(profileId)}?explain=true`),
  });
  const identity = useQuery({
    queryKey: ['identity', profileId],
    queryFn: () => api<IdentityAnswer>(`/v1/profiles/${encodeURIComponent(profileId)}/identity`),
  });
  // Household relations: the other people of each of the person's accounts.
  const accounts = useQueries({
    queries: (identity.data?.accounts ?? []).map((a) => ({
      queryKey: ['account', a.accountId],
      queryFn: () => api<AccountAnswer>(`/v1/accounts/${encodeURIComponent(a.accountId)}`),
    })),
  });
  const households: Households = new Map(accounts.flatMap((q) => (q.data ? [[q.data.accountId, q.data.members] as const] : [])));
  if (profile.error)
    return (
      <p role="alert" className="error">
        {errorText(profile.error)}
      </p>
    );
  if (!profile.data) return <p aria-busy="true">Loading profile…</p>;
  const p = profile.data;
  const name = typeof p.traits.name === 'string' ? p.traits.name : p.profileId;
  return (
    <article aria-labelledby="profile-title" className="profile">
      <header className="profile-head">
        <h2 id="profile-title">{name}</h2>
        <p className="muted">
          {p.profileId}
          {p.requestedId !== p.profileId && ` (merged from ${p.requestedId})`} · {String(p.traits.status ?? 'unknown status')} ·{' '}
          {String(p.traits.tariff ?? 'no tariff')} · {p.activity.events} events, last {formatDate(p.activity.lastEventAt)} · time zone{' '}
          {p.timeZone ?? '—'}
        </p>
      </header>
      <div className="grid">
        <Traits profile={p} />
        <div className="stack">
          <ScoresCard profile={p} />
          <ConsentCard profileId={p.profileId} />
          <Audiences profileId={p.profileId} />
        </div>
      </div>
      <section className="card" aria-labelledby="identity-title">
        <h2 id="identity-title">Identity graph</h2>
        {identity.error && <p className="error">{errorText(identity.error)}</p>}
        {identity.data && (
          <div className="graph-layout">
            <IdentityGraph identity={identity.data} households={households} />
            <table>
              <caption className="visually-hidden">Identifiers with validity and the reason of each link</caption>
              <thead>
                <tr>
                  <th scope="col">Identifier</th>
                  <th scope="col">Validity</th>
                  <th scope="col">Why linked</th>
                </tr>
              </thead>
              <tbody>
                {identity.data.identifiers.map((n) => (
                  <tr key={`${n.type}:${n.value}:${n.epoch}`}>
                    <th scope="row">
                      {n.type} {n.value}
                      {n.epoch > 0 && <span className="muted"> (holding {n.epoch + 1})</span>}
                    </th>
                    <td>
                      {n.validFrom ? `after ${formatDate(n.validFrom)}` : 'from the start'} – {n.validTo ? formatDate(n.validTo) : 'now'}
                    </td>
                    <td>
                      {n.reason?.rule ?? '—'}
                      {n.reason?.event && (
                        <span className="muted">
                          {' '}
                          · {n.reason.event.sourceId}/{n.reason.event.type} {n.reason.event.eventId} · {formatDate(n.reason.event.at)}
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <Aggregates profile={p} />
      <Timeline profileId={p.profileId} />
    </article>
  );
};

export const ProfileExplorer = ({ profileId }: { profileId: string | undefined }) => (
  <section aria-labelledby="explorer-title">
    <h1 id="explorer-title">Profile explorer</h1>
    <SearchForm />
    {profileId ? <ProfileView key={profileId} profileId={profileId} /> : <p className="muted">Find a person by an identifier.</p>}
  </section>
);
