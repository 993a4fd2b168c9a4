import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorText } from '../../api.js';
import { breaksText, changeGroup, changeKindText, compareFields, type ChangeGroup } from './schema-diff.js';
import type { Compatibility, EventTypeSchemas, SchemaChange } from './types.js';

/** Classified schema changes, each marked added, removed or changed, with what it breaks. */
export const ChangeList = ({ changes }: { readonly changes: readonly SchemaChange[] }) =>
  changes.length === 0 ? null : (
    <ul className="changes">
      {changes.map((c, i) => (
        <li key={`${c.path}-${c.change}-${i}`} className={`change change-${changeGroup(c)}`}>
          <span className={`pill diff-${changeGroup(c)}`}>{changeGroup(c)}</span> <code>{c.path}</code> {c.message}{' '}
          <span className="muted">
            ({changeKindText(c.change)}; {breaksText(c)})
          </span>
        </li>
      ))}
    </ul>
  );

export const breaksMode = (change: SchemaChange, mode: Compatibility): boolean =>
  mode === 'NONE' ? false : mode === 'FULL' ? change.breaks.length > 0 : change.breaks.includes(mode);

const GROUP_TEXT: Record<ChangeGroup | 'same', string> = { added: 'added', removed: 'removed', changed: 'changed', same: 'unchanged' };

/**
 * Two versions of an event type side by side: the API's classified changes (what was added,
 * removed or changed, and what each breaks), the fields of both versions, and the raw schemas.
 */
export const SchemaDiffView = ({ sourceId, eventTypes }: { sourceId: string; eventTypes: readonly EventTypeSchemas[] }) => {
  const initial = eventTypes.find((t) => t.versions.length > 1) ?? eventTypes[0];
  const [type, setType] = useState(initial?.type ?? '');
  const eventType = eventTypes.find((t) => t.type === type);
  const latest = eventType?.latestVersion ?? 1;
  const [range, setRange] = useState({ from: Math.max(1, latest - 1), to: latest });
  const chooseType = (next: string) => {
    const t = eventTypes.find((e) => e.type === next);
    setType(next);
    setRange({ from: Math.max(1, (t?.latestVersion ?? 1) - 1), to: t?.latestVersion ?? 1 });
  };
  const diff = useQuery({
    queryKey: ['schema-diff', sourceId, type, range.from, range.to],
    enabled: eventType !== undefined,
    queryFn: () =>
      api<{ from: number; to: number; changes: readonly SchemaChange[] }>(
        `/v1/sources/${encodeURIComponent(sourceId)}/schemas/${encodeURIComponent(type)}/diff?from=${range.from}&to=${range.to}`,
      ),
  });
  const from = eventType?.versions.find((v) => v.version === range.from);
  const to = eventType?.versions.find((v) => v.version === range.to);
  const changes = diff.data?.changes ?? [];
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const c of changes) counts[changeGroup(c)]++;
  const breaking = eventType ? changes.filter((c) => breaksMode(c, eventType.compatibility)) : [];

  return (
    <section className="card" aria-labelledby="diff-title">
      <h2 id="diff-title">Compare schema versions</h2>
      <div className="diff-controls">
        <div className="field">
          <label htmlFor="diff-type">Event type</label>
          <select id="diff-type" value={type} onChange={(e) => chooseType(e.target.value)}>
            {eventTypes.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type} ({t.versions.length} {t.versions.length === 1 ? 'version' : 'versions'})
              </option>
            ))}
          </select>
        </div>
        <VersionSelect
          id="diff-from"
          label="From version"
          versions={eventType?.versions ?? []}
          value={range.from}
          onChange={(from) => setRange({ ...range, from })}
        />
        <VersionSelect
          id="diff-to"
          label="To version"
          versions={eventType?.versions ?? []}
          value={range.to}
          onChange={(to) => setRange({ ...range, to })}
        />
      </div>
      {diff.error && (
        <p className="error" role="alert">
          {errorText(diff.error)}
        </p>
      )}
      {diff.data && eventType && (
        <div data-testid="schema-diff">
          {/* Only the summary is live: reading the whole table again after each choice would drown it. */}
          <p aria-live="polite">
            <strong>
              {type} v{diff.data.from} → v{diff.data.to}:
            </strong>{' '}
            {changes.length === 0
              ? 'no structural change.'
              : `${changes.length} ${changes.length === 1 ? 'change' : 'changes'} — ${counts.added} added, ${counts.removed} removed, ${counts.changed} changed.`}{' '}
            {changes.length > 0 &&
              (breaking.length === 0
                ? `Compatible under ${eventType.compatibility}.`
                : `${breaking.length} would break ${eventType.compatibility}.`)}
          </p>
          <ChangeList changes={changes} />
          {from && to && (
            <table className="fields-diff">
              <caption>
                Fields of v{from.version} and v{to.version}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">v{from.version}</th>
                  <th scope="col">v{to.version}</th>
                  <th scope="col">Difference</th>
                </tr>
              </thead>
              <tbody>
                {compareFields(from.schema, to.schema).map((row) => (
                  <tr key={row.path} className={`field-${row.status}`}>
                    <th scope="row">
                      <code>{row.path}</code>
                    </th>
                    <td>{row.from ? `${row.from.type}${row.from.required ? ', required' : ''}` : '—'}</td>
                    <td>{row.to ? `${row.to.type}${row.to.required ? ', required' : ''}` : '—'}</td>
                    <td>{GROUP_TEXT[row.status]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {from && to && (
            <details>
              <summary>The two schemas as JSON</summary>
              <div className="schema-pair">
                <pre aria-label={`Schema v${from.version}`}>{JSON.stringify(from.schema, null, 2)}</pre>
                <pre aria-label={`Schema v${to.version}`}>{JSON.stringify(to.schema, null, 2)}</pre>
              </div>
            </details>
          )}
        </div>
      )}
    </section>
  );
};

/** One end of the compared range: a labelled select of the event type's versions. */
const VersionSelect = (props: {
  readonly id: string;
  readonly label: string;
  readonly versions: readonly { readonly version: number }[];
  readonly value: number;
  readonly onChange: (version: number) => void;
}) => (
  <div className="field">
    <label htmlFor={props.id}>{props.label}</label>
    <select id={props.id} value={props.value} onChange={(e) => props.onChange(Number(e.target.value))}>
      {props.versions.map((v) => (
        <option key={v.version} value={v.version}>
          v{v.version}
        </option>
      ))}
    </select>
  </div>
);
