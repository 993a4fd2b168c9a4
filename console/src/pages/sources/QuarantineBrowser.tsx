import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import { navigate, useLocation } from '../../router.js';
import { ReplayOutcome } from './ReplayOutcome.js';
import { REASON_CODES, type QuarantineEntry, type ReplayReport, type SourceSummary } from './types.js';

const PAGE_SIZE = 50;
const FILTERS = ['source', 'status', 'reason', 'type'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

const browserPath = (filters: Filters, after?: string): string => {
  const query = new URLSearchParams();
  for (const key of FILTERS) if (filters[key]) query.set(key, filters[key] as string);
  if (after) query.set('after', after);
  const text = query.toString();
  return `/sources/quarantine${text ? `?${text}` : ''}`;
};

/**
 * The quarantine browser: filter by source, status, reason and event type (kept in the address,
 * so a view can be shared), open an entry to fix and replay it, or replay a selection at once —
 * typically after a new contract version fixed what refused them.
 */
export const QuarantineBrowser = () => {
  const { search } = useLocation();
  // Open entries by default: those are the ones waiting for someone.
  const filters: Filters = {
    status: search.get('status') ?? 'open',
    ...Object.fromEntries(FILTERS.filter((k) => k !== 'status' && search.get(k)).map((k) => [k, search.get(k) as string])),
  };
  if (filters.status === 'any') delete filters.status;
  const after = search.get('after') ?? undefined;
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [typeText, setTypeText] = useState(filters.type ?? '');

  const sources = useQuery({ queryKey: ['sources'], queryFn: () => api<{ items: readonly SourceSummary[] }>('/v1/sources') });
  const apiQuery = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const key of FILTERS) if (filters[key]) apiQuery.set(key, filters[key] as string);
  if (after) apiQuery.set('after', after);
  const entries = useQuery({
    queryKey: ['quarantine', apiQuery.toString()],
    queryFn: () => api<{ items: readonly QuarantineEntry[]; next: string | null }>(`/v1/quarantine?${apiQuery.toString()}`),
  });

  const replay = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<ReplayReport>('/v1/quarantine/replay', { method: 'POST', body }),
    onSuccess: () => {
      setSelected(new Set());
      void queryClient.invalidateQueries({ queryKey: ['quarantine'] });
      void queryClient.invalidateQueries({ queryKey: ['source-stats'] });
    },
  });

  const setFilter = (key: keyof Filters, value: string) => {
    setSelected(new Set());
    navigate(browserPath({ ...filters, status: filters.status ?? 'any', [key]: value }));
  };
  const items = entries.data?.items ?? [];
  const allSelected = items.length > 0 && items.every((q) => selected.has(q.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const filterWords = [
    filters.source && `source ${filters.source}`,
    filters.type && `type ${filters.type}`,
    filters.reason && `reason ${filters.reason}`,
  ].filter(Boolean);

  return (
    <section aria-labelledby="quarantine-browser-title">
      <p>
        <Link to="/sources">← Sources and contracts</Link>
      </p>
      <h1 id="quarantine-browser-title">Quarantine</h1>
      <p className="muted">
        Events that broke their contract, kept with every reason. Fix a contract (a new schema version) and replay the entries, or open one
        to correct its payload. A replay never creates a duplicate.
      </p>
      <form
        className="card filters"
        aria-label="Filter the quarantine"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter('type', typeText.trim());
        }}
      >
        <div className="field">
          <label htmlFor="q-source">Source</label>
          <select id="q-source" value={filters.source ?? ''} onChange={(e) => setFilter('source', e.target.value)}>
            <option value="">any source</option>
            {(sources.data?.items ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.id})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="q-status">Status</label>
          <select id="q-status" value={filters.status ?? 'any'} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="open">open</option>
            <option value="replayed">replayed</option>
            <option value="any">any status</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="q-reason">Reason</label>
          <select id="q-reason" value={filters.reason ?? ''} onChange={(e) => setFilter('reason', e.target.value)}>
            <option value="">any reason</option>
            {REASON_CODES.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="q-type">Event type</label>
          <input id="q-type" value={typeText} onChange={(e) => setTypeText(e.target.value)} placeholder="any type" />
        </div>
        <button type="submit" className="secondary">
          Filter
        </button>
      </form>

      <section className="card" aria-labelledby="entries-title">
        <h2 id="entries-title">Entries</h2>
        {entries.error && (
          <p className="error" role="alert">
            {errorText(entries.error)}
          </p>
        )}
        {entries.isPending && <p>Loading…</p>}
        {entries.data && items.length === 0 && <p className="muted">No entry matches.</p>}
        {items.length > 0 && (
          <table className="quarantine-table">
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select every entry on this page"
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((q) => q.id)))}
                  />
                </th>
                <th scope="col">Event</th>
                <th scope="col">Reasons</th>
                <th scope="col">Status</th>
                <th scope="col">Times</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {items.map((q) => {
                const name = `${q.sourceId ?? '?'}/${q.type ?? '?'} ${q.eventId ?? '(no eventId)'}`;
                return (
                  <tr key={q.id}>
                    <td>
                      <input type="checkbox" aria-label={`Select ${name}`} checked={selected.has(q.id)} onChange={() => toggle(q.id)} />
                    </td>
                    <th scope="row">
                      <Link to={`/sources/quarantine/${encodeURIComponent(q.id)}`}>{name}</Link>
                    </th>
                    <td>
                      {q.reasons.map((r, i) => (
                        <div key={`${r.code}-${r.path ?? ''}-${i}`}>
                          <code>{r.code}</code> {r.path && <code className="reason-path">{r.path}</code>}
                        </div>
                      ))}
                    </td>
                    <td>
                      <span className={`pill status-${q.status}`}>{q.status}</span>
                    </td>
                    <td>{q.count}</td>
                    <td>{formatDate(q.lastSeen)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <div className="source-actions">
          <button type="button" disabled={selected.size === 0 || replay.isPending} onClick={() => replay.mutate({ ids: [...selected] })}>
            Replay selected ({selected.size})
          </button>
          <button
            type="button"
            className="secondary"
            disabled={replay.isPending || filters.status !== 'open' || items.length === 0}
            onClick={() =>
              replay.mutate({
                ...(filters.source ? { source: filters.source } : {}),
                ...(filters.type ? { type: filters.type } : {}),
                ...(filters.reason ? { reason: filters.reason } : {}),
              })
            }
          >
            Replay every open entry{filterWords.length > 0 ? ` of ${filterWords.join(', ')}` : ''}
          </button>
          {after && <Link to={browserPath({ ...filters, status: filters.status ?? 'any' })}>First page</Link>}
          {entries.data?.next && (
            <Link to={browserPath({ ...filters, status: filters.status ?? 'any' }, entries.data.next)}>Next page</Link>
          )}
        </div>
        {replay.error && (
          <p className="error" role="alert">
            {errorText(replay.error)}
          </p>
        )}
        {replay.data && <ReplayOutcome report={replay.data} />}
      </section>
    </section>
  );
};
