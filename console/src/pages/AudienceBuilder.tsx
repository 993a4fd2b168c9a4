import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { QueryBuilder, type Field, type RuleGroupType, type RuleType } from 'react-querybuilder';
import 'react-querybuilder/dist/query-builder.css';
import { api, errorText } from '../api.js';
import { Link } from '../components/Link.js';
import { MembersCombinatorSelector, MembersFieldSelector } from '../audience/MembersControls.js';
import {
  builderFields,
  defaultValueFor,
  fieldNamesFor,
  fromTessera,
  insideMembersGroup,
  newGroupFor,
  setGroupMembers,
  toTessera,
} from '../audience/rules.js';
import { BuilderContext, TesseraValueEditor } from '../audience/TesseraValueEditor.js';
import { issuesOf, useDraftAnalysis } from '../audience/useDraftAnalysis.js';
import { navigate } from '../router.js';
import type { AudienceDetail, AudienceSummary, Breakdown, EntityType, FieldGuide, Overlap, Page } from '../types.js';

const ENTITY_WORDS: Record<EntityType, string> = { person: 'people', account: 'accounts', organisation: 'organisations' };
const EMPTY: RuleGroupType = { combinator: 'and', rules: [] };

interface Settings {
  id: string;
  name: string;
  description: string;
  entity: EntityType;
  mode: 'realtime' | 'scheduled';
  scheduleKind: 'everyMinutes' | 'dailyAt';
  everyMinutes: number;
  dailyAt: string;
  holdoutPercent: number;
}

const settingsOf = (audience: AudienceDetail | undefined): Settings => ({
  id: audience?.id ?? '',
  name: audience?.name ?? '',
  description: audience?.description ?? '',
  entity: audience?.entity ?? 'person',
  mode: audience?.mode ?? 'realtime',
  scheduleKind: audience?.schedule?.dailyAt ? 'dailyAt' : 'everyMinutes',
  everyMinutes: audience?.schedule?.everyMinutes ?? 60,
  dailyAt: audience?.schedule?.dailyAt ?? '06:00',
  holdoutPercent: audience?.holdoutPercent ?? 0,
});

/** Breakdown per top-level condition and overlap with another audience: only for a saved audience. */
const SavedAnalysis = ({ audience, others }: { audience: AudienceDetail; others: readonly AudienceSummary[] }) => {
  const breakdown = useQuery({
    queryKey: ['breakdown', audience.id, audience.version],
    queryFn: () => api<Breakdown>(`/v1/audiences/${encodeURIComponent(audience.id)}/breakdown`),
  });
  const candidates = others.filter((o) => o.id !== audience.id && o.entity === audience.entity);
  const [other, setOther] = useState('');
  const overlap = useQuery({
    queryKey: ['overlap', audience.id, other],
    enabled: other !== '',
    queryFn: () => api<Overlap>(`/v1/audiences/overlap?a=${encodeURIComponent(audience.id)}&b=${encodeURIComponent(other)}`),
  });
  return (
    <section className="card" aria-labelledby="saved-title">
      <h2 id="saved-title">Saved version {audience.version}: breakdown and overlap</h2>
      {breakdown.error && <p className="error">{errorText(breakdown.error)}</p>}
      {breakdown.data && (
        <table>
          <caption>
            {breakdown.data.count.toLocaleString('en')} of {breakdown.data.total.toLocaleString('en')} {ENTITY_WORDS[audience.entity]} now
          </caption>
          <thead>
            <tr>
              <th scope="col">Condition</th>
              <th scope="col">Alone</th>
              <th scope="col">In turn</th>
            </tr>
          </thead>
          <tbody>
            {breakdown.data.conditions.map((c) => (
              <tr key={c.path}>
                <th scope="row">{c.text}</th>
                <td>{c.alone.toLocaleString('en')}</td>
                <td>{c.cumulative.toLocaleString('en')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="field">
        <label htmlFor="overlap-with">Overlap with</label>
        <select id="overlap-with" value={other} onChange={(e) => setOther(e.target.value)}>
          <option value="">(choose an audience)</option>
          {candidates.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      {overlap.error && <p className="error">{errorText(overlap.error)}</p>}
      {overlap.data && (
        <p data-testid="overlap">
          Both: <strong>{overlap.data.both}</strong> · only this: {overlap.data.onlyA} · only the other: {overlap.data.onlyB} · either:{' '}
          {overlap.data.either}
        </p>
      )}
    </section>
  );
};

const Editor = ({
  guide,
  audiences,
  existing,
}: {
  guide: FieldGuide;
  audiences: readonly AudienceSummary[];
  existing: AudienceDetail | undefined;
}) => {
  const queryClient = useQueryClient();
  const [settings, setSettings] = useState<Settings>(() => settingsOf(existing));
  const [query, setQuery] = useState<RuleGroupType>(() => (existing ? fromTessera(existing.definition.rule) : EMPTY));
  const [saveMessage, setSaveMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => setSettings((s) => ({ ...s, [key]: value }));

  const fields = useMemo(() => builderFields(guide, settings.entity), [guide, settings.entity]);
  const sameEntity = useMemo(
    () => audiences.filter((a) => a.entity === settings.entity && a.id !== existing?.id),
    [audiences, settings.entity, existing],
  );
  const personAudiences = useMemo(() => audiences.filter((a) => a.entity === 'person'), [audiences]);
  const rule = useMemo(() => toTessera(query), [query]);
  const analysis = useDraftAnalysis(settings.entity, rule, existing?.id);
  const issues = issuesOf(analysis);

  // Members groups: a rule added inside one starts on a person field; a group added in an account
  // or organisation audience starts as "ANY of its members match" with one person condition.
  const firstPersonRule = (): RuleType => {
    const first = fieldOf(fields, guide.fields.person[0]?.fields[0]?.id ?? '');
    const operator = first?.operators?.[0];
    return {
      field: first?.name ?? '',
      operator: typeof operator === 'object' && operator !== null && 'name' in operator ? String(operator.name) : '=',
      value: defaultValueFor(guide, personAudiences, first),
    };
  };
  const inMembersAt = (q: RuleGroupType, parentPath: readonly number[]) => insideMembersGroup(q, [...parentPath, 0]);
  const onAddRule = (added: RuleType, parentPath: number[], q: RuleGroupType): RuleType | boolean => {
    if (settings.entity === 'person' || !inMembersAt(q, parentPath)) return true;
    return fieldNamesFor(guide, settings.entity, true).has(added.field) ? true : firstPersonRule();
  };
  const onAddGroup = (group: RuleGroupType, parentPath: number[], q: RuleGroupType): RuleGroupType | boolean => {
    const made = newGroupFor(settings.entity, group, inMembersAt(q, parentPath));
    return made === group ? true : { ...made, rules: [...made.rules, firstPersonRule()] };
  };
  const builderContext = {
    guide,
    audiences: sameEntity,
    entity: settings.entity,
    query,
    memberAudiences: personAudiences,
    setMembers: (path: readonly number[], members: string | undefined) => setQuery((q) => setGroupMembers(q, path, members)),
  };

  const save = async (event: FormEvent, asNew: boolean) => {
    event.preventDefault();
    setSaveMessage(null);
    const schedule = settings.scheduleKind === 'dailyAt' ? { dailyAt: settings.dailyAt } : { everyMinutes: Number(settings.everyMinutes) };
    const body = {
      name: settings.name,
      description: settings.description,
      rule,
      mode: settings.mode,
      ...(settings.mode === 'scheduled' ? { schedule } : {}),
      holdoutPercent: Number(settings.holdoutPercent),
    };
    try {
      if (asNew || !existing) {
        const created = await api<AudienceDetail>('/v1/audiences', {
          method: 'POST',
          body: { ...body, entity: settings.entity, ...(settings.id.trim() ? { id: settings.id.trim() } : {}) },
        });
        await queryClient.invalidateQueries({ queryKey: ['audiences'] });
        navigate(`/audiences/${encodeURIComponent(created.id)}`);
      } else {
        const updated = await api<AudienceDetail & { versionCreated: boolean }>(`/v1/audiences/${encodeURIComponent(existing.id)}`, {
          method: 'PUT',
          body: { ...body, baseVersion: existing.version },
        });
        await queryClient.invalidateQueries({ queryKey: ['audience', existing.id] });
        await queryClient.invalidateQueries({ queryKey: ['audiences'] });
        setSaveMessage({
          ok: true,
          text: updated.versionCreated ? `Saved as version ${updated.version}.` : 'Settings saved; the rule is unchanged.',
        });
      }
    } catch (err) {
      setSaveMessage({ ok: false, text: errorText(err) });
    }
  };

  return (
    <BuilderContext.Provider value={builderContext}>
      <form className="builder" onSubmit={(e) => void save(e, false)} aria-label="Audience definition">
        <section className="card settings" aria-labelledby="settings-title">
          <h2 id="settings-title">Settings</h2>
          <div className="field">
            <label htmlFor="aud-name">Name</label>
            <input id="aud-name" required value={settings.name} onChange={(e) => set('name', e.target.value)} />
          </div>
          {!existing && (
            <div className="field">
              <label htmlFor="aud-id">Id (optional slug)</label>
              <input
                id="aud-id"
                value={settings.id}
                pattern="[a-z0-9_-]{1,64}"
                onChange={(e) => set('id', e.target.value)}
                placeholder="aud-prepaid-toppers"
              />
            </div>
          )}
          <div className="field">
            <label htmlFor="aud-entity">Selects</label>
            <select
              id="aud-entity"
              value={settings.entity}
              disabled={existing !== undefined}
              onChange={(e) => {
                set('entity', e.target.value as EntityType);
                setQuery(EMPTY);
              }}
            >
              <option value="person">people</option>
              <option value="account">accounts</option>
              <option value="organisation">organisations</option>
            </select>
          </div>
          <div className="field grow">
            <label htmlFor="aud-description">Description</label>
            <input id="aud-description" value={settings.description} onChange={(e) => set('description', e.target.value)} />
          </div>
          <fieldset>
            <legend>Membership</legend>
            <label>
              <input type="radio" name="mode" checked={settings.mode === 'realtime'} onChange={() => set('mode', 'realtime')} /> real time
            </label>
            <label>
              <input type="radio" name="mode" checked={settings.mode === 'scheduled'} onChange={() => set('mode', 'scheduled')} /> scheduled
            </label>
            {settings.mode === 'scheduled' && (
              <span className="schedule">
                <select
                  aria-label="Schedule kind"
                  value={settings.scheduleKind}
                  onChange={(e) => set('scheduleKind', e.target.value as Settings['scheduleKind'])}
                >
                  <option value="everyMinutes">every N minutes</option>
                  <option value="dailyAt">daily at</option>
                </select>
                {settings.scheduleKind === 'everyMinutes' ? (
                  <input
                    aria-label="Minutes between runs"
                    type="number"
                    min={5}
                    max={10080}
                    className="narrow"
                    value={settings.everyMinutes}
                    onChange={(e) => set('everyMinutes', Number(e.target.value))}
                  />
                ) : (
                  <input aria-label="Time of day" type="time" value={settings.dailyAt} onChange={(e) => set('dailyAt', e.target.value)} />
                )}
              </span>
            )}
          </fieldset>
          <div className="field">
            <label htmlFor="aud-holdout">Holdout %</label>
            <input
              id="aud-holdout"
              type="number"
              min={0}
              max={100}
              step={0.01}
              className="narrow"
              value={settings.holdoutPercent}
              onChange={(e) => set('holdoutPercent', Number(e.target.value))}
            />
          </div>
        </section>

        <section className="card" aria-labelledby="rule-title">
          <h2 id="rule-title">Rule</h2>
          <QueryBuilder
            fields={fields}
            query={query}
            onQueryChange={setQuery}
            controlElements={{
              valueEditor: TesseraValueEditor,
              fieldSelector: MembersFieldSelector,
              combinatorSelector: MembersCombinatorSelector,
            }}
            onAddRule={onAddRule}
            onAddGroup={onAddGroup}
            // Outside person audiences a membership condition may be on the entity or, in a members
            // group, on a member person: it starts empty and the editor offers the right audiences.
            getDefaultValue={(rule: { field: string }) =>
              defaultValueFor(guide, settings.entity === 'person' ? sameEntity : [], fieldOf(fields, rule.field))
            }
            combinators={guide.combinators.map((c) => ({ name: c, label: c.toUpperCase() }))}
            showNotToggle
            resetOnOperatorChange={false}
            controlClassnames={{ queryBuilder: 'queryBuilder-branches' }}
          />
        </section>

        <section className="card live" aria-labelledby="live-title">
          <h2 id="live-title">Live count</h2>
          <div aria-live="polite" aria-atomic="true" data-testid="live-count" data-pending={analysis.pending ? 'true' : 'false'}>
            {analysis.preview ? (
              <p className="count">
                <strong data-testid="count-value">{analysis.preview.count.toLocaleString('en')}</strong> of{' '}
                {analysis.preview.total.toLocaleString('en')} {ENTITY_WORDS[settings.entity]}
                <span className="muted" data-testid="took-ms">
                  {' '}
                  · counted in {analysis.preview.tookMs} ms
                  {analysis.latencyMs !== null && ` · ${analysis.latencyMs} ms after the edit`}
                </span>
              </p>
            ) : (
              <p className="count muted">{analysis.pending ? 'Counting…' : 'No count: the rule is not valid.'}</p>
            )}
          </div>
          {analysis.error && <p className="error">{analysis.error}</p>}
          {analysis.validation?.summary && (
            <p className="summary" data-testid="summary">
              {analysis.validation.summary}
            </p>
          )}
          {issues.length > 0 && (
            <ul className="issues" aria-label="Problems with the rule">
              {issues.map((issue) => (
                <li key={`${issue.path}-${issue.code}`}>
                  <code>{issue.path}</code> {issue.message}
                </li>
              ))}
            </ul>
          )}
          {analysis.preview && analysis.preview.sample.length > 0 && (
            <>
              <h3>Sample members</h3>
              <ul className="sample">
                {analysis.preview.sample.map((id) => (
                  <li key={id}>{settings.entity === 'person' ? <Link to={`/profiles/${encodeURIComponent(id)}`}>{id}</Link> : id}</li>
                ))}
              </ul>
            </>
          )}
          <div className="actions">
            {existing && (
              <button type="submit" disabled={!analysis.validation?.valid}>
                Save as version {existing.version + 1}
              </button>
            )}
            <button
              type="button"
              className={existing ? 'secondary' : ''}
              disabled={!analysis.validation?.valid}
              onClick={(e) => void save(e, true)}
            >
              Save as new audience
            </button>
          </div>
          {saveMessage && (
            <p role={saveMessage.ok ? 'status' : 'alert'} className={saveMessage.ok ? 'ok' : 'error'}>
              {saveMessage.text}
            </p>
          )}
        </section>
      </form>
      {existing && <SavedAnalysis audience={existing} others={audiences} />}
    </BuilderContext.Provider>
  );
};

const fieldOf = (groups: ReturnType<typeof builderFields>, name: string): Field | undefined => {
  for (const group of groups) for (const field of group.options) if (field.name === name) return field;
  return undefined;
};

export const AudienceBuilder = ({ audienceId }: { audienceId: string | undefined }) => {
  const guide = useQuery({ queryKey: ['fields'], queryFn: () => api<FieldGuide>('/v1/audiences/fields'), staleTime: 60_000 });
  const audiences = useQuery({ queryKey: ['audiences'], queryFn: () => api<Page<AudienceSummary>>('/v1/audiences?limit=100') });
  const existing = useQuery({
    queryKey: ['audience', audienceId],
    enabled: audienceId !== undefined,
    queryFn: () => api<AudienceDetail>(`/v1/audiences/${encodeURIComponent(audienceId ?? '')}`),
  });
  useEffect(() => {
    document.title = audienceId ? `Audience ${audienceId} · Tessera` : 'New audience · Tessera';
  }, [audienceId]);

  const error = guide.error ?? audiences.error ?? existing.error;
  const ready = guide.data && audiences.data && (audienceId === undefined || existing.data);
  return (
    <section aria-labelledby="builder-title">
      <h1 id="builder-title">{existing.data ? `Audience: ${existing.data.name}` : 'New audience'}</h1>
      <p>
        <Link to="/audiences">All audiences</Link>
      </p>
      {error && (
        <p role="alert" className="error">
          {errorText(error)}
        </p>
      )}
      {ready ? (
        <Editor
          key={`${audienceId ?? 'new'}-${existing.data?.version ?? 0}`}
          guide={guide.data}
          audiences={audiences.data.items}
          existing={existing.data}
        />
      ) : (
        !error && <p aria-busy="true">Loading the field catalogue…</p>
      )}
    </section>
  );
};
