import { createContext, useContext } from 'react';
import { ValueEditor, type ValueEditorProps } from 'react-querybuilder';
import type { RuleGroupType } from 'react-querybuilder';
import type { AudienceSummary, EntityType, FieldGuide } from '../types.js';
import { insideMembersGroup, OPERATOR_LABELS, type ConsentValue, type EventValue, type PropertyFilter } from './rules.js';

/**
 * What the custom editors need besides the rule: the catalogue's event types, consent vocabulary,
 * audiences of the entity type and, for members groups, the entity, the whole query, the person
 * audiences and a way to set a group's quantifier.
 */
export interface BuilderContextValue {
  readonly guide: FieldGuide;
  readonly audiences: readonly AudienceSummary[];
  readonly entity?: EntityType;
  readonly query?: RuleGroupType;
  readonly memberAudiences?: readonly AudienceSummary[];
  readonly setMembers?: (path: readonly number[], members: string | undefined) => void;
}
export const BuilderContext = createContext<BuilderContextValue | null>(null);

type EventProperty = FieldGuide['events'][number]['properties'][number];

/** "where amount.value ≥ 300": comparisons on the counted events' properties, typed from the contract. */
const PropertyFilters = ({
  properties,
  filters,
  onChange,
  disabled,
}: {
  properties: readonly EventProperty[];
  filters: readonly PropertyFilter[];
  onChange: (filters: PropertyFilter[]) => void;
  disabled: boolean | undefined;
}) => {
  const byPath = new Map(properties.map((p) => [p.path, p] as const));
  const fresh = (property: EventProperty | undefined): PropertyFilter => ({
    field: property?.path ?? '',
    operator: property?.operators[0] ?? '=',
    value: property?.values?.[0] ?? '',
  });
  const replace = (i: number, filter: PropertyFilter) => onChange(filters.map((f, j) => (j === i ? filter : f)));
  return (
    <span className="property-filters">
      {filters.map((filter, i) => {
        const property = byPath.get(filter.field);
        const noValue = filter.operator === 'null' || filter.operator === 'notNull';
        return (
          <span key={i} className="property-filter" role="group" aria-label={`Property filter ${i + 1}`}>
            <span>where</span>
            <select
              aria-label="Property"
              value={filter.field}
              disabled={disabled}
              onChange={(e) => replace(i, fresh(byPath.get(e.target.value)))}
            >
              {properties.map((p) => (
                <option key={p.path} value={p.path}>
                  {p.path}
                </option>
              ))}
            </select>
            <select
              aria-label="Property operator"
              value={filter.operator}
              disabled={disabled}
              onChange={(e) => replace(i, { ...filter, operator: e.target.value })}
            >
              {(property?.operators ?? [filter.operator]).map((o) => (
                <option key={o} value={o}>
                  {OPERATOR_LABELS[o] ?? o}
                </option>
              ))}
            </select>
            {!noValue &&
              (property?.values && (filter.operator === '=' || filter.operator === '!=') ? (
                <select
                  aria-label="Property value"
                  value={String(filter.value ?? '')}
                  disabled={disabled}
                  onChange={(e) => replace(i, { ...filter, value: e.target.value })}
                >
                  {property.values.map((v) => (
                    <option key={v}>{v}</option>
                  ))}
                </select>
              ) : (
                <input
                  aria-label="Property value"
                  type={
                    property?.type === 'number' && !['in', 'notIn', 'between', 'notBetween'].includes(filter.operator) ? 'number' : 'text'
                  }
                  value={typeof filter.value === 'string' || typeof filter.value === 'number' ? filter.value : ''}
                  placeholder={['in', 'notIn', 'between', 'notBetween'].includes(filter.operator) ? 'a, b' : ''}
                  disabled={disabled}
                  onChange={(e) => replace(i, { ...filter, value: e.target.value })}
                />
              ))}
            <button
              type="button"
              className="secondary small"
              aria-label={`Remove property filter ${i + 1}`}
              disabled={disabled}
              onClick={() => onChange(filters.filter((_, j) => j !== i))}
            >
              ×
            </button>
          </span>
        );
      })}
      {properties.length > 0 && (
        <button type="button" className="secondary small" disabled={disabled} onClick={() => onChange([...filters, fresh(properties[0])])}>
          + property filter
        </button>
      )}
    </span>
  );
};

const EventEditor = ({ props }: { props: ValueEditorProps }) => {
  const context = useContext(BuilderContext);
  const value = (props.value ?? {}) as EventValue;
  const set = (patch: Partial<EventValue>) => props.handleOnChange({ ...value, ...patch });
  const fixedWindow = value.from !== undefined && value.to !== undefined;
  return (
    <span className="event-editor" role="group" aria-label="Event condition">
      <select
        aria-label="Event type"
        value={value.eventType}
        onChange={(e) => set({ eventType: e.target.value, propertyFilters: [] })}
        disabled={props.disabled}
      >
        {context?.guide.events.map((e) => (
          <option key={e.eventType} value={e.eventType} title={e.description}>
            {e.eventType}
          </option>
        ))}
      </select>
      {props.operator === 'performed' && (
        <>
          <select
            aria-label="How many times"
            value={value.countOp}
            onChange={(e) => set({ countOp: e.target.value })}
            disabled={props.disabled}
          >
            <option value="atLeast">at least</option>
            <option value="atMost">at most</option>
            <option value="exactly">exactly</option>
          </select>
          <input
            aria-label="Number of times"
            type="number"
            min={0}
            className="narrow"
            value={value.n}
            onChange={(e) => set({ n: Number(e.target.value) })}
            disabled={props.disabled}
          />
          <span>times</span>
        </>
      )}
      {fixedWindow ? (
        <span>
          between {value.from} and {value.to}{' '}
          <button type="button" className="link-button" onClick={() => set({ from: undefined, to: undefined })}>
            use last N days
          </button>
        </span>
      ) : (
        <>
          <span>in the last</span>
          <input
            aria-label="Window in days"
            type="number"
            min={1}
            className="narrow"
            value={value.lastDays}
            onChange={(e) => set({ lastDays: Number(e.target.value) })}
            disabled={props.disabled}
          />
          <span>days</span>
        </>
      )}
      <PropertyFilters
        properties={context?.guide.events.find((e) => e.eventType === value.eventType)?.properties ?? []}
        filters={value.propertyFilters ?? []}
        onChange={(propertyFilters) => set({ propertyFilters })}
        disabled={props.disabled}
      />
    </span>
  );
};

const ConsentEditor = ({ props }: { props: ValueEditorProps }) => {
  const context = useContext(BuilderContext);
  const value = (props.value ?? {}) as ConsentValue;
  const set = (patch: Partial<ConsentValue>) => props.handleOnChange({ ...value, ...patch });
  return (
    <span role="group" aria-label="Consent condition">
      <select aria-label="Purpose" value={value.purpose} onChange={(e) => set({ purpose: e.target.value })} disabled={props.disabled}>
        {context?.guide.consent.purposes.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>{' '}
      on{' '}
      <select aria-label="Channel" value={value.channel} onChange={(e) => set({ channel: e.target.value })} disabled={props.disabled}>
        {context?.guide.consent.channels.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
    </span>
  );
};

const AudienceEditor = ({ props }: { props: ValueEditorProps }) => {
  const context = useContext(BuilderContext);
  // Inside a members group the condition is on each member person: person audiences.
  const members = context?.query !== undefined && insideMembersGroup(context.query, props.path);
  const audiences = members ? (context?.memberAudiences ?? []) : (context?.audiences ?? []);
  return (
    <select
      aria-label="Audience"
      value={String(props.value ?? '')}
      onChange={(e) => props.handleOnChange(e.target.value)}
      disabled={props.disabled}
    >
      <option value="">(choose an audience)</option>
      {audiences.map((a) => (
        <option key={a.id} value={a.id}>
          {a.name} ({a.id})
        </option>
      ))}
    </select>
  );
};

/** react-querybuilder's value editor, with Tessera's reserved conditions and relative dates. */
export const TesseraValueEditor = (props: ValueEditorProps) => {
  if (props.field === 'event') return <EventEditor props={props} />;
  if (props.field === 'consent') return <ConsentEditor props={props} />;
  if (props.field === 'audience') return <AudienceEditor props={props} />;
  if (props.operator === 'withinLastDays' || props.operator === 'olderThanDays') {
    return (
      <span>
        <input
          aria-label="Number of days"
          type="number"
          min={0}
          className="narrow"
          value={typeof props.value === 'number' || typeof props.value === 'string' ? props.value : ''}
          onChange={(e) => props.handleOnChange(e.target.value)}
          disabled={props.disabled}
        />{' '}
        days
      </span>
    );
  }
  return <ValueEditor {...props} />;
};
