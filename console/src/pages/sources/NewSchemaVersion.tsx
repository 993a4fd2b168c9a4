import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError, errorText } from '../../api.js';
import { ChangeList } from './SchemaDiffView.js';
import type { Compatibility, EventTypeSchemas, SchemaChange } from './types.js';

interface CheckAnswer {
  readonly compatible: boolean;
  readonly mode: Compatibility;
  readonly againstVersion: number;
  readonly incompatibilities: readonly SchemaChange[];
  readonly changes: readonly SchemaChange[];
}

type Draft =
  | { readonly ok: true; readonly contract: { schema: Record<string, unknown>; identifierMappings?: unknown; classifications?: unknown } }
  | { readonly ok: false; readonly problem: string };

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The editor's text as a contract: JSON, an object with a `schema` object. */
const readDraft = (text: string): Draft => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `Not valid JSON: ${(err as Error).message}` };
  }
  if (!isObject(value) || !isObject(value.schema)) return { ok: false, problem: 'The contract must be an object with a "schema" object.' };
  const { schema, identifierMappings, classifications } = value;
  return {
    ok: true,
    contract: {
      schema,
      ...(identifierMappings !== undefined ? { identifierMappings } : {}),
      ...(classifications !== undefined ? { classifications } : {}),
    },
  };
};

const startingText = (eventType: EventTypeSchemas | undefined): string => {
  const latest = eventType?.versions.at(-1);
  return latest
    ? JSON.stringify(
        { schema: latest.schema, identifierMappings: latest.identifierMappings, classifications: latest.classifications },
        null,
        2,
      )
    : '';
};

/**
 * A new schema version of an event type: edited from the latest one, checked against it under the
 * type's mode without registering anything, then registered. The server checks again and refuses
 * an incompatible version (409) with every incompatibility, which is shown.
 */
export const NewSchemaVersion = ({ sourceId, eventTypes }: { sourceId: string; eventTypes: readonly EventTypeSchemas[] }) => {
  const queryClient = useQueryClient();
  const [type, setType] = useState(eventTypes[0]?.type ?? '');
  const eventType = eventTypes.find((t) => t.type === type);
  const [text, setText] = useState(() => startingText(eventType));
  const draft = readDraft(text);
  const base = `/v1/sources/${encodeURIComponent(sourceId)}/schemas`;

  const check = useMutation({
    mutationFn: (schema: Record<string, unknown>) =>
      api<CheckAnswer>(`${base}/${encodeURIComponent(type)}/check`, { method: 'POST', body: { schema } }),
  });
  const register = useMutation({
    mutationFn: (contract: Record<string, unknown>) =>
      api<{ version: number; created: boolean }>(base, {
        method: 'POST',
        body: { type, description: eventType?.description ?? '', ...contract },
      }),
    onSuccess: () => {
      // The check was against the version before this one: stale now.
      check.reset();
      void queryClient.invalidateQueries({ queryKey: ['source-schemas', sourceId] });
      void queryClient.invalidateQueries({ queryKey: ['sources'] });
      void queryClient.invalidateQueries({ queryKey: ['source', sourceId] });
    },
  });
  const chooseType = (next: string) => {
    setType(next);
    setText(startingText(eventTypes.find((t) => t.type === next)));
    check.reset();
    register.reset();
  };
  const refusal = register.error instanceof ApiError ? register.error : undefined;

  return (
    <section className="card" aria-labelledby="new-version-title">
      <h2 id="new-version-title">New schema version</h2>
      <p className="muted">
        Edit the latest version's contract (the JSON Schema of the properties, identifier mappings and attribute classes), check it against
        the latest version under the type's compatibility mode, then register it.
      </p>
      <div className="diff-controls">
        <div className="field">
          <label htmlFor="new-version-type">Event type of the new version</label>
          <select id="new-version-type" value={type} onChange={(e) => chooseType(e.target.value)}>
            {eventTypes.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type} (v{t.latestVersion}, {t.compatibility})
              </option>
            ))}
          </select>
        </div>
      </div>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (draft.ok) register.mutate(draft.contract);
        }}
      >
        <div className="field">
          <label htmlFor="new-version-contract">Contract of the new version (JSON)</label>
          <textarea
            id="new-version-contract"
            className="json-editor"
            spellCheck={false}
            rows={Math.min(24, Math.max(8, text.split('\n').length + 1))}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              check.reset();
              register.reset();
            }}
            aria-invalid={!draft.ok}
            aria-describedby="new-version-problem"
          />
        </div>
        <div id="new-version-problem" aria-live="polite" className="error">
          {draft.ok ? '' : draft.problem}
        </div>
        <div className="source-actions">
          <button
            type="button"
            className="secondary"
            disabled={!draft.ok || check.isPending}
            onClick={() => draft.ok && check.mutate(draft.contract.schema)}
          >
            Check compatibility
          </button>
          <button type="submit" disabled={!draft.ok || register.isPending}>
            Register as v{(eventType?.latestVersion ?? 0) + 1}
          </button>
        </div>
      </form>
      {check.error && (
        <p className="error" role="alert">
          {errorText(check.error)}
        </p>
      )}
      {check.data && (
        <div role="status" data-testid="compatibility-check">
          <p>
            <strong>
              {check.data.compatible
                ? `Compatible with v${check.data.againstVersion} under ${check.data.mode}.`
                : `Not ${check.data.mode}-compatible with v${check.data.againstVersion}: ${check.data.incompatibilities.length} ${check.data.incompatibilities.length === 1 ? 'change breaks' : 'changes break'} it.`}
            </strong>{' '}
            {check.data.changes.length === 0 ? 'No structural change.' : ''}
          </p>
          <ChangeList changes={check.data.changes} />
        </div>
      )}
      {register.data && (
        <p role="status" className="ok">
          {register.data.created
            ? `Registered ${type} v${register.data.version}.`
            : `Identical to v${register.data.version}: no version created.`}
        </p>
      )}
      {register.error && (
        <div role="alert" className="error">
          <p>The server refused the version: {errorText(register.error)}</p>
          {refusal && refusal.details.length > 0 && (
            <ul>
              {refusal.details.map((d, i) => (
                <li key={i}>
                  {d.path && <code>{d.path}</code>} {d.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
};
