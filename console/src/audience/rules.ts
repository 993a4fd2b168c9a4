import type { Field, OptionGroup, RuleGroupType, RuleType } from 'react-querybuilder';
import type { AudienceSummary, CatalogueField, EntityType, FieldGuide, TesseraGroup, TesseraRule } from '../types.js';

/**
 * Tessera's rule format is react-querybuilder's with reserved fields (docs/audiences.md). In the
 * builder, an event, consent or membership condition keeps its extra keys inside `value`, so the
 * builder's own machinery (field change, cloning, drag and drop) carries them; `toTessera` and
 * `fromTessera` move them to and from the top level of the rule the API reads.
 */

export interface EventValue {
  readonly eventType: string;
  readonly countOp: string;
  readonly n: number;
  readonly lastDays: number;
  /** A fixed window read from a saved rule; the editor shows it and keeps it until edited. */
  readonly from?: string;
  readonly to?: string;
  /** Comparisons on the event's properties, all of which must hold. */
  readonly propertyFilters?: readonly PropertyFilter[];
}

export interface PropertyFilter {
  readonly field: string;
  readonly operator: string;
  readonly value?: unknown;
}

export interface ConsentValue {
  readonly purpose: string;
  readonly channel: string;
}

export const RESERVED = new Set(['event', 'consent', 'audience']);
const NO_VALUE = new Set(['null', 'notNull']);

export const OPERATOR_LABELS: Record<string, string> = {
  '=': '=',
  '!=': '≠',
  '<': '<',
  '>': '>',
  '<=': '≤',
  '>=': '≥',
  contains: 'contains',
  beginsWith: 'begins with',
  endsWith: 'ends with',
  doesNotContain: 'does not contain',
  doesNotBeginWith: 'does not begin with',
  doesNotEndWith: 'does not end with',
  in: 'is one of',
  notIn: 'is not one of',
  between: 'between',
  notBetween: 'not between',
  null: 'is empty',
  notNull: 'is not empty',
  withinLastDays: 'within the last N days',
  olderThanDays: 'older than N days',
  performed: 'performed',
  notPerformed: 'did not perform',
  granted: 'is granted',
  notGranted: 'is not granted',
};

const isGroup = (rule: RuleType | RuleGroupType): rule is RuleGroupType => 'rules' in rule;

const toTesseraRule = (rule: RuleType): TesseraRule => {
  const disabled = rule.disabled ? { disabled: true } : {};
  if (rule.field === 'event') {
    const v = (rule.value ?? {}) as EventValue;
    return {
      field: 'event',
      operator: rule.operator,
      eventType: v.eventType,
      ...(v.propertyFilters && v.propertyFilters.length > 0
        ? { propertyFilters: v.propertyFilters.map((f) => (NO_VALUE.has(f.operator) ? { field: f.field, operator: f.operator } : f)) }
        : {}),
      ...(rule.operator === 'performed' ? { count: { op: v.countOp, n: Number(v.n) } } : {}),
      window: v.from !== undefined && v.to !== undefined ? { from: v.from, to: v.to } : { lastDays: Number(v.lastDays) },
      ...disabled,
    };
  }
  if (rule.field === 'consent') {
    const v = (rule.value ?? {}) as ConsentValue;
    return { field: 'consent', operator: rule.operator, purpose: v.purpose, channel: v.channel, ...disabled };
  }
  if (rule.field === 'audience') return { field: 'audience', operator: rule.operator, audienceId: String(rule.value ?? ''), ...disabled };
  return { field: rule.field, operator: rule.operator, ...(NO_VALUE.has(rule.operator) ? {} : { value: rule.value }), ...disabled };
};

/** The builder's query as the API's rule: react-querybuilder's ids and paths left out. */
export const toTessera = (group: RuleGroupType): TesseraGroup => ({
  combinator: group.combinator,
  ...(group.not ? { not: true } : {}),
  ...(typeof (group as { members?: unknown }).members === 'string' ? { members: (group as unknown as { members: string }).members } : {}),
  ...(group.disabled ? { disabled: true } : {}),
  rules: group.rules
    .filter((r): r is RuleType | RuleGroupType => typeof r !== 'string')
    .map((r) => (isGroup(r) ? toTessera(r) : toTesseraRule(r))),
});

const fromTesseraRule = (rule: TesseraRule): RuleType => {
  const disabled = rule.disabled ? { disabled: true } : {};
  if (rule.field === 'event') {
    const count = rule.count as { op?: string; n?: number } | undefined;
    const window = (rule.window ?? {}) as { lastDays?: number; from?: string; to?: string };
    const value: EventValue = {
      eventType: String(rule.eventType ?? ''),
      countOp: count?.op ?? 'atLeast',
      n: count?.n ?? 1,
      lastDays: window.lastDays ?? 30,
      ...(window.from !== undefined && window.to !== undefined ? { from: window.from, to: window.to } : {}),
      ...(Array.isArray(rule.propertyFilters) ? { propertyFilters: rule.propertyFilters as PropertyFilter[] } : {}),
    };
    return { field: 'event', operator: rule.operator, value, ...disabled };
  }
  if (rule.field === 'consent') {
    return { field: 'consent', operator: rule.operator, value: { purpose: rule.purpose, channel: rule.channel }, ...disabled };
  }
  if (rule.field === 'audience') return { field: 'audience', operator: rule.operator, value: rule.audienceId, ...disabled };
  return { field: rule.field, operator: rule.operator, value: rule.value ?? '', ...disabled };
};

export const fromTessera = (group: TesseraGroup): RuleGroupType => ({
  combinator: group.combinator,
  ...(group.not ? { not: true } : {}),
  ...(group.members ? { members: group.members } : {}),
  ...(group.disabled ? { disabled: true } : {}),
  rules: group.rules.map((r) => ('rules' in r ? fromTessera(r as TesseraGroup) : fromTesseraRule(r as TesseraRule))),
});

const fieldOf = (f: CatalogueField): Field => ({
  name: f.id,
  label: f.unit && f.unit !== 'count' ? `${f.label} (${f.unit})` : f.label,
  operators: f.operators.map((name) => ({ name, label: OPERATOR_LABELS[name] ?? name })),
  datatype: f.type,
  ...(f.type === 'enum'
    ? {
        valueEditorType: (operator: string) => (operator === 'in' || operator === 'notIn' ? 'multiselect' : 'select'),
        values: (f.values ?? []).map((v) => ({ name: v, label: v })),
      }
    : {}),
  ...(f.type === 'boolean'
    ? {
        valueEditorType: 'select',
        values: [
          { name: 'true', label: 'yes' },
          { name: 'false', label: 'no' },
        ],
      }
    : {}),
  ...(f.type === 'number' ? { inputType: 'number' } : {}),
  ...(f.type === 'date' ? { inputType: 'date' } : {}),
});

const reservedOperators = (names: readonly string[]) => names.map((name) => ({ name, label: OPERATOR_LABELS[name] ?? name }));
const EVENT_FIELD: Field = { name: 'event', label: 'event in a time window', operators: reservedOperators(['performed', 'notPerformed']) };
const CONSENT_FIELD: Field = { name: 'consent', label: 'consent', operators: reservedOperators(['granted', 'notGranted']) };
const AUDIENCE_FIELD: Field = {
  name: 'audience',
  label: 'member of audience',
  operators: [
    { name: 'in', label: 'is in' },
    { name: 'notIn', label: 'is not in' },
  ],
};
/** Option-group labels of the person fields offered inside a members group. */
export const MEMBER_GROUP_PREFIX = 'member: ';

/**
 * The builder's fields: the catalogue of the entity type grouped by domain, then the reserved
 * conditions. An account or organisation audience also carries the person fields (and event and
 * consent conditions), offered only inside a members group (`fieldNamesFor`); react-querybuilder
 * takes one field list for the whole query, so the field selector narrows it per group.
 */
export const builderFields = (guide: FieldGuide, entity: EntityType): OptionGroup<Field>[] => {
  const groups: OptionGroup<Field>[] = guide.fields[entity].map((group) => ({ label: group.domain, options: group.fields.map(fieldOf) }));
  groups.push({ label: 'conditions', options: entity === 'person' ? [EVENT_FIELD, CONSENT_FIELD, AUDIENCE_FIELD] : [AUDIENCE_FIELD] });
  if (entity === 'person') return groups;
  const own = new Set(groups.flatMap((g) => g.options.map((f) => f.name)));
  for (const group of guide.fields.person) {
    const options = group.fields.filter((f) => !own.has(f.id)).map(fieldOf);
    if (options.length > 0) groups.push({ label: `${MEMBER_GROUP_PREFIX}${group.domain}`, options });
  }
  groups.push({ label: `${MEMBER_GROUP_PREFIX}conditions`, options: [EVENT_FIELD, CONSENT_FIELD] });
  return groups;
};

/** The field names allowed at a place of the rule: the entity's own, or a member person's inside a members group. */
export const fieldNamesFor = (guide: FieldGuide, entity: EntityType, insideMembers: boolean): ReadonlySet<string> => {
  const level: EntityType = insideMembers ? 'person' : entity;
  const names = new Set(guide.fields[level].flatMap((g) => g.fields.map((f) => f.id)));
  names.add('audience');
  if (level === 'person') {
    names.add('event');
    names.add('consent');
  }
  return names;
};

type Node = RuleGroupType | RuleType | string;

/**
 * Whether the rule or group at `path` sits inside a members group: some group above it (the root
 * included, the node itself not) has a `members` quantifier.
 */
export const insideMembersGroup = (query: RuleGroupType, path: readonly number[]): boolean => {
  let group: RuleGroupType = query;
  for (let depth = 0; depth < path.length; depth++) {
    if (typeof (group as { members?: unknown }).members === 'string') return true;
    const child: Node | undefined = group.rules[path[depth] as number];
    if (!child || typeof child === 'string' || !('rules' in child)) return false;
    group = child;
  }
  return false;
};

/** The group at `path` with its `members` quantifier set (`any`, `all`, `none`) or removed (`undefined`). */
export const setGroupMembers = (query: RuleGroupType, path: readonly number[], members: string | undefined): RuleGroupType => {
  if (path.length === 0) {
    const { members: _old, ...rest } = query as RuleGroupType & { members?: string };
    return members === undefined ? rest : ({ ...rest, members } as RuleGroupType);
  }
  const [head, ...tail] = path as [number, ...number[]];
  return {
    ...query,
    rules: query.rules.map((child, i) =>
      i === head && typeof child !== 'string' && 'rules' in child ? setGroupMembers(child, tail, members) : child,
    ),
  };
};

/** The group a builder adds: in an account or organisation audience, a members group (ANY) unless it sits in one already. */
export const newGroupFor = (entity: EntityType, group: RuleGroupType, parentIsMembers: boolean): RuleGroupType =>
  entity === 'person' || parentIsMembers ? group : ({ ...group, members: 'any' } as RuleGroupType);

/** The value a rule starts with when its field is chosen. */
export const defaultValueFor = (guide: FieldGuide, audiences: readonly AudienceSummary[], field: Field | undefined): unknown => {
  if (!field) return '';
  if (field.name === 'event') {
    const value: EventValue = { eventType: guide.events[0]?.eventType ?? '', countOp: 'atLeast', n: 1, lastDays: 30 };
    return value;
  }
  if (field.name === 'consent') return { purpose: guide.consent.purposes[0] ?? '', channel: guide.consent.channels[0] ?? '' };
  if (field.name === 'audience') return audiences[0]?.id ?? '';
  const values = field.values as { name: string }[] | undefined;
  if (values && values.length > 0) return values[0]?.name ?? '';
  return '';
};
