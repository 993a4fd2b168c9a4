import type { Comparison, Condition, EventCondition, GroupCondition, Operand, ValidAudience } from './conditions.js';
import { eventPhrase } from './event-phrases.js';
import { DAY_MS, type FieldType } from './field-types.js';
import type { EntityType } from './rule.js';

/*
 * A definition in words: "People whose plan type is prepaid and who topped up at least 3 times
 * in the last 30 days and who did not open the app in the last 14 days". Every condition renders
 * as a relative clause ("whose …", "who …"), so any tree joins into one sentence; nested groups
 * are bracketed.
 */

export interface RenderOptions {
  /** An audience's name for membership conditions (its id otherwise). */
  readonly audienceName?: (audienceId: string) => string | undefined;
}

const NOUNS: Readonly<Record<EntityType, string>> = { person: 'People', account: 'Accounts', organisation: 'Organisations' };

/** A date at midnight UTC reads as the day; any other instant as ISO 8601. */
const showDate = (ms: number): string => {
  const iso = new Date(ms).toISOString();
  return ms % DAY_MS === 0 ? iso.slice(0, 10) : iso;
};

const showValue = (type: FieldType, value: string | number | boolean): string =>
  type === 'date' ? showDate(value as number) : typeof value === 'string' ? value : String(value);

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

const scalarOf = (operand: Operand): string | number | boolean => (operand.kind === 'scalar' ? operand.value : '');

/** "is at least 3", "is one of RU-MOW, RU-SPE", "is unknown". */
export const renderComparison = ({ type, operator, operand }: Comparison): string => {
  const one = () => showValue(type, scalarOf(operand));
  const quoted = () => `"${scalarOf(operand)}"`;
  const list = () => (operand.kind === 'list' ? operand.values.map((v) => showValue(type, v)).join(', ') : '');
  const range = () => (operand.kind === 'range' ? `${showValue(type, operand.low)} and ${showValue(type, operand.high)}` : '');
  const days = () => (operand.kind === 'days' ? plural(operand.days, 'day', 'days') : '');
  const isDate = type === 'date';
  switch (operator) {
    case '=':
      return `is ${one()}`;
    case '!=':
      return `is not ${one()}`;
    case '<':
      return isDate ? `is before ${one()}` : `is less than ${one()}`;
    case '<=':
      return isDate ? `is on or before ${one()}` : `is at most ${one()}`;
    case '>':
      return isDate ? `is after ${one()}` : `is more than ${one()}`;
    case '>=':
      return isDate ? `is on or after ${one()}` : `is at least ${one()}`;
    case 'contains':
      return `contains ${quoted()}`;
    case 'doesNotContain':
      return `does not contain ${quoted()}`;
    case 'beginsWith':
      return `begins with ${quoted()}`;
    case 'doesNotBeginWith':
      return `does not begin with ${quoted()}`;
    case 'endsWith':
      return `ends with ${quoted()}`;
    case 'doesNotEndWith':
      return `does not end with ${quoted()}`;
    case 'in':
      return `is one of ${list()}`;
    case 'notIn':
      return `is none of ${list()}`;
    case 'between':
      return `is between ${range()}`;
    case 'notBetween':
      return `is not between ${range()}`;
    case 'null':
      return 'is unknown';
    case 'notNull':
      return 'is known';
    case 'withinLastDays':
      return `is within the last ${days()}`;
    case 'olderThanDays':
      return `is more than ${days()} ago`;
  }
};

const renderCount = ({ op, n }: EventCondition['count']): string => {
  if (op === 'atLeast') return n === 1 ? '' : ` at least ${plural(n, 'time', 'times')}`;
  if (op === 'atMost') return ` at most ${n === 1 ? 'once' : `${n} times`}`;
  return n === 1 ? ' exactly once' : ` exactly ${n} times`;
};

const renderWindow = (window: EventCondition['window']): string => {
  if (window.kind === 'last') return window.days === 1 ? ' in the last day' : ` in the last ${window.days} days`;
  // A window that ends at midnight UTC was written with a date-only `to`, which includes that day.
  const to = window.to % DAY_MS === 0 && window.from % DAY_MS === 0 ? showDate(window.to - DAY_MS) : showDate(window.to);
  return ` from ${showDate(window.from)} to ${to}`;
};

const renderEvent = (condition: EventCondition, pronoun: string): string => {
  const phrase = eventPhrase(condition.eventType);
  const filters =
    condition.filters.length === 0
      ? ''
      : ` (${condition.filters.map((f) => `${f.property} ${renderComparison(f.comparison)}`).join(' and ')})`;
  const never = condition.negated || (condition.count.op !== 'atLeast' && condition.count.n === 0);
  if (never) return `${pronoun} did not ${phrase.base}${filters}${renderWindow(condition.window)}`;
  return `${pronoun} ${phrase.did}${filters}${renderCount(condition.count)}${renderWindow(condition.window)}`;
};

/** `all` also needs one member at least: "with only members …" of an account with none is false. */
const QUANTIFIERS = { any: 'with at least one member', all: 'with only members', none: 'with no member' } as const;

const renderGroup = (group: GroupCondition, level: EntityType, options: RenderOptions, nested: boolean): string => {
  const parts = group.children.map((c) => renderCondition(c, level, options, true));
  const joined = parts.join(` ${group.combinator} `);
  if (group.not) return `not (${joined})`;
  return nested && parts.length > 1 ? `(${joined})` : joined;
};

/** One condition as a relative clause about an entity of `level`. */
export const renderCondition = (condition: Condition, level: EntityType, options: RenderOptions = {}, nested = false): string => {
  const who = level === 'person' ? 'who' : 'that';
  const are = level === 'person' ? 'are' : 'is';
  switch (condition.kind) {
    case 'group':
      return renderGroup(condition, level, options, nested);
    case 'members': {
      const inner = renderGroup(condition.group, 'person', options, true);
      const text = `${QUANTIFIERS[condition.quantifier]} ${inner}`;
      return condition.not ? `not ${text}` : text;
    }
    case 'attribute':
      return `whose ${condition.field.label} ${renderComparison(condition.comparison)}`;
    case 'event':
      return renderEvent(condition, who);
    case 'consent':
      return `${who} ${condition.granted ? 'have' : 'do not have'} consent for ${condition.purpose.replaceAll('_', ' ')} by ${condition.channel.replaceAll('_', ' ')}`;
    case 'audience': {
      const name = options.audienceName?.(condition.audienceId) ?? condition.audienceId;
      return `${who} ${are} ${condition.isIn ? '' : 'not '}in the audience "${name}"`;
    }
  }
};

export const renderAudience = (audience: ValidAudience, options: RenderOptions = {}): string =>
  `${NOUNS[audience.entity]} ${renderCondition(audience.root, audience.entity, options)}`;
