import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiError, errorText } from '../../api.js';
import { Link } from '../../components/Link.js';
import { formatDate } from '../../format.js';
import { ReasonList } from './parts.js';
import { checkCorrection, isUnder, jsonLines, prettyRaw } from './payload.js';
import { ReplayOutcome } from './ReplayOutcome.js';
import type { QuarantineEntry, ReplayReport } from './types.js';

/** One quarantined event: its reasons, the payload as received with the reasons' paths marked, and fix-and-replay. */
export const QuarantineEntryPage = ({ entryId }: { readonly entryId: string }) => {
  const entry = useQuery({
    queryKey: ['quarantine', 'entry', entryId],
    queryFn: () => api<QuarantineEntry>(`/v1/quarantine/${encodeURIComponent(entryId)}`),
  });
  const q = entry.data;
  return (
    <section aria-labelledby="entry-title">
      <p>
        <Link to={q?.sourceId ? `/sources/quarantine?source=${encodeURIComponent(q.sourceId)}` : '/sources/quarantine'}>← Quarantine</Link>
      </p>
      <h1 id="entry-title">Quarantined event {q ? `${q.sourceId ?? '?'}/${q.type ?? '?'} ${q.eventId ?? ''}` : ''}</h1>
      {entry.error && (
        <p className="error" role="alert">
          {errorText(entry.error)}
        </p>
      )}
      {entry.isPending && <p>Loading…</p>}
      {q && <EntryDetail entry={q} />}
    </section>
  );
};

const EntryDetail = ({ entry }: { readonly entry: QuarantineEntry }) => {
  let parsed: { ok: true; value: unknown } | { ok: false };
  try {
    parsed = { ok: true, value: JSON.parse(entry.raw) as unknown };
  } catch {
    // A malformed body: shown as text, and the editor starts from it.
    parsed = { ok: false };
  }
  const paths = entry.reasons.map((r) => r.path).filter((p): p is string => p !== undefined);
  const lines = parsed.ok ? jsonLines(parsed.value) : [];
  const missing = paths.filter((p) => p !== '/' && !lines.some((l) => l.pointer === p));
  return (
    <>
      <div className="card">
        <dl className="facts">
          <dt>Source</dt>
          <dd>{entry.sourceId ? <Link to={`/sources/${encodeURIComponent(entry.sourceId)}`}>{entry.sourceId}</Link> : 'unknown'}</dd>
          <dt>Event type</dt>
          <dd>{entry.type ?? 'unknown'}</dd>
          <dt>Event id</dt>
          <dd>
            <code>{entry.eventId ?? 'none'}</code>
          </dd>
          <dt>Status</dt>
          <dd>
            <span className={`pill status-${entry.status}`} data-testid="entry-status">
              {entry.status}
            </span>
            {entry.replayedAt && <span className="muted"> {formatDate(entry.replayedAt)}</span>}
          </dd>
          <dt>Received</dt>
          <dd>
            {entry.count} {entry.count === 1 ? 'time' : 'times'} through {entry.channel}, first {formatDate(entry.firstSeen)}, last{' '}
            {formatDate(entry.lastSeen)}
          </dd>
          <dt>Replay attempts</dt>
          <dd>{entry.replayAttempts}</dd>
        </dl>
      </div>
      <section className="card" aria-labelledby="reasons-title">
        <h2 id="reasons-title">Why it was refused</h2>
        {entry.lastReplayResult && !entry.lastReplayResult.correctedEvent && entry.status === 'open' && (
          <p className="muted">As the contract answered the last replay of the payload as received.</p>
        )}
        <ReasonList reasons={entry.reasons} />
        {entry.status === 'open' && entry.lastReplayResult?.correctedEvent && (entry.lastReplayResult.reasons ?? []).length > 0 && (
          <>
            <h3>Why your last correction was refused</h3>
            <ReasonList reasons={entry.lastReplayResult.reasons ?? []} />
          </>
        )}
        {missing.length > 0 && (
          <p className="muted">
            Not in the payload (to add):{' '}
            {missing.map((p) => (
              <code key={p}>{p} </code>
            ))}
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="payload-title">
        <h2 id="payload-title">Payload as received</h2>
        <p className="muted">Lines at a reason's path are marked.</p>
        {parsed.ok ? (
          <pre className="payload" aria-label="Payload as received" tabIndex={0}>
            {lines.map((line, i) =>
              paths.some((p) => isUnder(line.pointer, p)) ? (
                <mark key={i} className="payload-problem" title={`at ${line.pointer}`}>
                  {line.text}
                  {'\n'}
                </mark>
              ) : (
                <span key={i}>
                  {line.text}
                  {'\n'}
                </span>
              ),
            )}
          </pre>
        ) : (
          <pre className="payload" aria-label="Payload as received (not JSON)" tabIndex={0}>
            {entry.raw}
          </pre>
        )}
      </section>
      <FixAndReplay entry={entry} />
    </>
  );
};

const FixAndReplay = ({ entry }: { readonly entry: QuarantineEntry }) => {
  const queryClient = useQueryClient();
  const stored = prettyRaw(entry.raw);
  const lastCorrection = entry.lastReplayResult?.correctedEvent;
  const [text, setText] = useState(() => (lastCorrection ? JSON.stringify(lastCorrection, null, 2) : stored));
  const check = checkCorrection(text, entry);
  const replay = useMutation({
    mutationFn: (body: { event?: Record<string, unknown> }) =>
      api<ReplayReport>(`/v1/quarantine/${encodeURIComponent(entry.id)}/replay`, { method: 'POST', body }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['quarantine'] });
      void queryClient.invalidateQueries({ queryKey: ['source-stats'] });
    },
  });
  const serverError = replay.error instanceof ApiError ? replay.error : undefined;
  return (
    <section className="card" aria-labelledby="fix-title">
      <h2 id="fix-title">Fix and replay</h2>
      {entry.status === 'replayed' && (
        <p className="ok">This entry was replayed: the event is in the log. Replaying it again answers “duplicate”.</p>
      )}
      <p className="muted">
        Correct the event and replay it. It keeps its source and eventId, so the log stays free of duplicates; the payload as received stays
        in the quarantine.
        {lastCorrection ? ' The editor starts from your last correction.' : ''}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (check.ok) replay.mutate({ event: check.event });
        }}
      >
        <div className="field">
          <label htmlFor="corrected-event">Corrected event (JSON)</label>
          <textarea
            id="corrected-event"
            className="json-editor"
            spellCheck={false}
            rows={Math.min(30, Math.max(10, text.split('\n').length + 1))}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={!check.ok}
            aria-describedby="corrected-event-check"
          />
        </div>
        <div id="corrected-event-check" aria-live="polite" className={check.ok ? 'muted' : 'error'}>
          {check.ok ? 'Valid JSON; ready to replay.' : check.problems.map((p) => <div key={p}>{p}</div>)}
        </div>
        <div className="source-actions">
          <button type="submit" disabled={!check.ok || replay.isPending}>
            Replay corrected event
          </button>
          <button type="button" className="secondary" disabled={replay.isPending} onClick={() => replay.mutate({})}>
            Replay as stored
          </button>
          <button type="button" className="secondary" disabled={text === stored} onClick={() => setText(stored)}>
            Reset to the payload as received
          </button>
        </div>
      </form>
      {replay.error && (
        <div className="error" role="alert">
          <p>The server refused the replay: {errorText(replay.error)}</p>
          {serverError && serverError.details.length > 0 && (
            <ul>
              {serverError.details.map((d, i) => (
                <li key={i}>
                  {d.path && <code>{d.path}</code>} {d.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {replay.data &&
        (replay.data.stillQuarantined > 0 ? (
          <div role="alert" className="error">
            <p>The contract still refuses the event; nothing was written. Fix what is listed and try again.</p>
            <ReasonList reasons={replay.data.items[0]?.reasons ?? []} />
          </div>
        ) : (
          <ReplayOutcome report={replay.data} />
        ))}
    </section>
  );
};
