import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import { Freshness, DriftTable } from './parts.js';
import { NewSchemaVersion } from './NewSchemaVersion.js';
import { SchemaDiffView } from './SchemaDiffView.js';
import { COMPATIBILITY_MODES, type Compatibility, type EventTypeSchemas, type SourceStats, type SourceSummary } from './types.js';

/** One source: owner and freshness, its event types with their versions and modes, a diff between versions, its drift. */
export const SourcePage = ({ sourceId }: { readonly sourceId: string }) => {
  const base = `/v1/sources/${encodeURIComponent(sourceId)}`;
  const source = useQuery({ queryKey: ['source', sourceId], queryFn: () => api<SourceSummary>(base) });
  const schemas = useQuery({
    queryKey: ['source-schemas', sourceId],
    queryFn: () => api<{ items: readonly EventTypeSchemas[] }>(`${base}/schemas`),
  });
  const stats = useQuery({ queryKey: ['source-stats', sourceId], queryFn: () => api<SourceStats>(`${base}/stats?days=7`) });
  const s = source.data;

  return (
    <section aria-labelledby="source-title">
      <p>
        <Link to="/sources">← All sources</Link>
      </p>
      <h1 id="source-title">{s ? `${s.name}` : sourceId}</h1>
      {source.error && (
        <p className="error" role="alert">
          {errorText(source.error)}
        </p>
      )}
      {s && (
        <div className="card">
          <dl className="facts">
            <dt>Id</dt>
            <dd>
              <code>{s.id}</code>
            </dd>
            <dt>Owner (data steward)</dt>
            <dd data-testid="source-owner">{s.owner}</dd>
            <dt>Freshness</dt>
            <dd>
              <Freshness source={s} />
            </dd>
            <dt>Last event</dt>
            <dd>{formatDate(s.lastEventAt)}</dd>
            <dt>Contracts from</dt>
            <dd>{s.origin}</dd>
            {s.description && (
              <>
                <dt>Description</dt>
                <dd>{s.description}</dd>
              </>
            )}
          </dl>
        </div>
      )}
      {stats.data && (
        <div className="tiles">
          <div className="card tile">
            <span className="tile-value">{stats.data.totals.accepted.toLocaleString('en')}</span>
            <span>accepted (7 days)</span>
          </div>
          <div className="card tile">
            <span className="tile-value">{stats.data.totals.duplicate.toLocaleString('en')}</span>
            <span>duplicates</span>
          </div>
          <div className="card tile">
            <span className="tile-value">{stats.data.totals.quarantined.toLocaleString('en')}</span>
            <span>quarantined</span>
          </div>
          <div className="card tile">
            <span className="tile-value">{stats.data.openQuarantine.toLocaleString('en')}</span>
            <span>
              <Link to={`/sources/quarantine?source=${encodeURIComponent(sourceId)}&status=open`}>open in quarantine</Link>
            </span>
          </div>
        </div>
      )}

      <section className="card" aria-labelledby="event-types-title">
        <h2 id="event-types-title">Event types and schema versions</h2>
        {schemas.error && (
          <p className="error" role="alert">
            {errorText(schemas.error)}
          </p>
        )}
        {schemas.data && (
          <table>
            <thead>
              <tr>
                <th scope="col">Event type</th>
                <th scope="col">Versions</th>
                <th scope="col">Compatibility mode</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {schemas.data.items.map((t) => (
                <tr key={t.type}>
                  <th scope="row">{t.type}</th>
                  <td>
                    {t.versions.map((v) => (
                      <span key={v.version} className="version" title={`registered ${formatDate(v.createdAt)}`}>
                        v{v.version}
                      </span>
                    ))}
                  </td>
                  <td>
                    <CompatibilityEditor sourceId={sourceId} type={t.type} current={t.compatibility} />
                  </td>
                  <td className="muted">{t.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {schemas.data && <SchemaDiffView sourceId={sourceId} eventTypes={schemas.data.items} />}
      {schemas.data && schemas.data.items.length > 0 && <NewSchemaVersion sourceId={sourceId} eventTypes={schemas.data.items} />}

      <section className="card" aria-labelledby="source-drift-title">
        <h2 id="source-drift-title">Contract drift</h2>
        {stats.error && (
          <p className="error" role="alert">
            {errorText(stats.error)}
          </p>
        )}
        {stats.data && <DriftTable drift={stats.data.drift} showSource={false} />}
      </section>
    </section>
  );
};

/** The compatibility mode of one event type: shown, and changed with the source's write scope. */
const CompatibilityEditor = ({ sourceId, type, current }: { sourceId: string; type: string; current: Compatibility }) => {
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Compatibility>(current);
  const save = useMutation({
    mutationFn: (compatibility: Compatibility) =>
      api<{ compatibility: Compatibility }>(
        `/v1/sources/${encodeURIComponent(sourceId)}/schemas/${encodeURIComponent(type)}/compatibility`,
        { method: 'PUT', body: { compatibility } },
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['source-schemas', sourceId] });
      void queryClient.invalidateQueries({ queryKey: ['sources'] });
      void queryClient.invalidateQueries({ queryKey: ['source', sourceId] });
    },
  });
  const id = `compat-${type}`;
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate(mode);
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        Compatibility mode of {type}
      </label>
      <select id={id} value={mode} onChange={(e) => setMode(e.target.value as Compatibility)}>
        {COMPATIBILITY_MODES.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>{' '}
      <button
        type="submit"
        className="small secondary"
        disabled={mode === current || save.isPending}
        aria-label={`Save the mode of ${type}`}
      >
        Save
      </button>
      {save.isSuccess && mode === current && (
        <span role="status" className="ok">
          {' '}
          saved
        </span>
      )}
      {save.error && (
        <span role="alert" className="error">
          {' '}
          {errorText(save.error)}
        </span>
      )}
    </form>
  );
};
