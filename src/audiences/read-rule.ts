import type { AudienceLookup } from './audience-references.js';
import type { AudienceCondition, Condition, ConsentCondition, GroupCondition, LeafCondition, MembersCondition } from './conditions.js';
import { AD_CHANNEL, findField, type FieldCatalogue } from './field-catalogue.js';
import { OPERATORS_BY_TYPE } from './field-types.js';
import { parseOperand } from './operand.js';
import { readEventRule, type Report } from './read-event-rule.js';
import {
  ATTRIBUTE_OPERATORS,
  COMBINATORS,
  ENTITY_TYPES,
  MEMBER_QUANTIFIERS,
  QUERY_BUILDER_KEYS,
  type AttributeOperator,
  type EntityType,
} from './rule.js';

/*
 * Reading a rule group into normalised conditions, reporting every problem with the JSON
 * pointer of where it is. A group is anything with `rules` (react-querybuilder's own test); the
 * level says whose fields a rule may use: the audience's entity at the top, persons inside a
 * `members` group.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface ReadContext {
  readonly catalogue: FieldCatalogue;
  readonly audiences: AudienceLookup;
  readonly retainedEventDays: number;
  readonly now: number;
  /** The audience being validated (a reference to itself is a cycle). */
  readonly audienceId: string;
  readonly maxDepth: number;
  readonly maxConditions: number;
}

const GROUP_KEYS = new Set<string>(['combinator', 'rules', 'not', 'members', ...QUERY_BUILDER_KEYS]);
const RULE_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  attribute: new Set(['field', 'operator', 'value', ...QUERY_BUILDER_KEYS]),
  event: new Set(['field', 'operator', 'value', 'eventType', 'propertyFilters', 'count', 'window', ...QUERY_BUILDER_KEYS]),
  consent: new Set(['field', 'operator', 'value', 'purpose', 'channel', ...QUERY_BUILDER_KEYS]),
  audience: new Set(['field', 'operator', 'value', 'audienceId', ...QUERY_BUILDER_KEYS]),
};

export class RuleReader {
  readonly #context: ReadContext;
  readonly #report: Report;
  #conditions = 0;

  constructor(context: ReadContext, report: Report) {
    this.#context = context;
    this.#report = report;
  }

  /** A group at `level`; `inMembers` when inside a members group already. */
  group(raw: unknown, path: string, level: EntityType, depth: number, inMembers = false): GroupCondition | MembersCondition | undefined {
    if (!isObject(raw) || !Array.isArray(raw.rules)) {
      this.#report(path, 'BAD_SHAPE', 'expected a rule group { combinator, rules: [...] }');
      return undefined;
    }
    this.#unknownKeys(raw, GROUP_KEYS, path);
    if (depth > this.#context.maxDepth) {
      this.#report(path, 'TOO_COMPLEX', `groups nest at most ${this.#context.maxDepth} deep`);
      return undefined;
    }
    const combinator = raw.combinator;
    if (!COMBINATORS.includes(combinator as never)) this.#report(`${path}/combinator`, 'BAD_VALUE', "combinator must be 'and' or 'or'");
    if (raw.not !== undefined && typeof raw.not !== 'boolean') this.#report(`${path}/not`, 'BAD_VALUE', 'not must be true or false');
    const quantifier = raw.members;
    let memberLevel = false;
    if (quantifier !== undefined) {
      if (!MEMBER_QUANTIFIERS.includes(quantifier as never)) {
        this.#report(`${path}/members`, 'BAD_VALUE', `members must be one of ${MEMBER_QUANTIFIERS.join(', ')}`);
      } else if (level === 'person') {
        this.#report(
          `${path}/members`,
          'MEMBERS_NOT_ALLOWED',
          inMembers
            ? 'members groups do not nest: this group already applies to persons'
            : 'a members group belongs in an account or organisation audience',
        );
      } else memberLevel = true;
    }
    const childLevel: EntityType = memberLevel ? 'person' : level;
    const children: Condition[] = [];
    raw.rules.forEach((child: unknown, i) => {
      if (isObject(child) && child.disabled === true) return;
      const at = `${path}/rules/${i}`;
      const read =
        isObject(child) && 'rules' in child
          ? this.group(child, at, childLevel, depth + 1, inMembers || memberLevel)
          : this.#rule(child, at, childLevel);
      if (read) children.push(read);
    });
    const enabled = raw.rules.filter((r: unknown) => !(isObject(r) && r.disabled === true)).length;
    if (enabled === 0) this.#report(`${path}/rules`, 'EMPTY_GROUP', 'the group has no (enabled) conditions');
    if (children.length !== enabled || !COMBINATORS.includes(combinator as never)) return undefined;
    const group: GroupCondition = {
      kind: 'group',
      path,
      combinator: combinator as GroupCondition['combinator'],
      not: memberLevel ? false : raw.not === true,
      children,
    };
    if (!memberLevel) return group;
    return { kind: 'members', path, quantifier: quantifier as MembersCondition['quantifier'], not: raw.not === true, group };
  }

  #unknownKeys(raw: Json, allowed: ReadonlySet<string>, path: string): void {
    for (const key of Object.keys(raw)) if (!allowed.has(key)) this.#report(`${path}/${key}`, 'UNKNOWN_KEY', `unknown key '${key}'`);
  }

  #rule(raw: unknown, path: string, level: EntityType): LeafCondition | undefined {
    if (!isObject(raw) || typeof raw.field !== 'string' || raw.field === '') {
      this.#report(path, 'BAD_SHAPE', 'expected a rule { field, operator, value }');
      return undefined;
    }
    if (++this.#conditions > this.#context.maxConditions) {
      if (this.#conditions === this.#context.maxConditions + 1)
        this.#report(path, 'TOO_COMPLEX', `a definition holds at most ${this.#context.maxConditions} conditions`);
      return undefined;
    }
    const kind = raw.field === 'event' || raw.field === 'consent' || raw.field === 'audience' ? raw.field : 'attribute';
    this.#unknownKeys(raw, RULE_KEYS[kind] as ReadonlySet<string>, path);
    if (raw.valueSource !== undefined && raw.valueSource !== 'value') {
      this.#report(`${path}/valueSource`, 'UNSUPPORTED', 'comparing a field with another field is not supported');
      return undefined;
    }
    if ((kind === 'event' || kind === 'consent') && level !== 'person') {
      this.#report(`${path}/field`, 'PERSON_ONLY', `${kind} conditions apply to persons: put this one in a members group`);
      return undefined;
    }
    switch (kind) {
      case 'event':
        const { catalogue, retainedEventDays, now } = this.#context;
        return readEventRule(raw, path, { events: catalogue.events, retainedEventDays, now }, this.#report);
      case 'consent':
        return this.#consent(raw, path);
      case 'audience':
        return this.#audience(raw, path, level);
      default:
        return this.#attribute(raw, path, level);
    }
  }

  #attribute(raw: Json, path: string, level: EntityType): LeafCondition | undefined {
    const id = raw.field as string;
    const field = findField(this.#context.catalogue, level, id);
    if (!field) {
      const elsewhere = ENTITY_TYPES.find((e) => e !== level && findField(this.#context.catalogue, e, id));
      const hint =
        elsewhere === 'person'
          ? ': it is a person field, use it in a members group'
          : elsewhere
            ? ` (it is a field of ${elsewhere} audiences)`
            : '';
      this.#report(`${path}/field`, 'UNKNOWN_FIELD', `'${id}' is not a ${level} field${hint}`);
      return undefined;
    }
    const operator = raw.operator as AttributeOperator;
    const allowed = OPERATORS_BY_TYPE[field.type];
    if (!ATTRIBUTE_OPERATORS.includes(operator)) {
      this.#report(
        `${path}/operator`,
        'UNKNOWN_OPERATOR',
        `unknown operator ${JSON.stringify(raw.operator)}; ${id} takes ${allowed.join(', ')}`,
      );
      return undefined;
    }
    if (!allowed.includes(operator)) {
      this.#report(
        `${path}/operator`,
        'OPERATOR_NOT_ALLOWED',
        `'${operator}' does not apply to ${field.type} field ${id}; use ${allowed.join(', ')}`,
      );
      return undefined;
    }
    const operand = parseOperand(field.type, operator, raw.value, field.values);
    if (!operand.ok) {
      this.#report(`${path}/value`, 'BAD_VALUE', `${id}: ${operand.message}`);
      return undefined;
    }
    return { kind: 'attribute', path, field, comparison: { type: field.type, operator, operand: operand.operand } };
  }

  #consent(raw: Json, path: string): ConsentCondition | undefined {
    const { purposes, channels } = this.#context.catalogue.consent;
    let ok = true;
    if (raw.operator !== 'granted' && raw.operator !== 'notGranted') {
      this.#report(`${path}/operator`, 'UNKNOWN_OPERATOR', "a consent condition's operator is 'granted' or 'notGranted'");
      ok = false;
    }
    if (typeof raw.purpose !== 'string' || !purposes.includes(raw.purpose)) {
      this.#report(`${path}/purpose`, 'UNKNOWN_PURPOSE', `purpose must be one of ${purposes.join(', ')}`);
      ok = false;
    }
    if (typeof raw.channel !== 'string' || !(channels.includes(raw.channel) || AD_CHANNEL.test(raw.channel))) {
      this.#report(`${path}/channel`, 'UNKNOWN_CHANNEL', `channel must be one of ${channels.join(', ')}, or ads:<partner>`);
      ok = false;
    }
    if (!ok) return undefined;
    return { kind: 'consent', path, purpose: raw.purpose as string, channel: raw.channel as string, granted: raw.operator === 'granted' };
  }

  #audience(raw: Json, path: string, level: EntityType): AudienceCondition | undefined {
    if (raw.operator !== 'in' && raw.operator !== 'notIn') {
      this.#report(`${path}/operator`, 'UNKNOWN_OPERATOR', "an audience condition's operator is 'in' or 'notIn'");
      return undefined;
    }
    const audienceId = raw.audienceId;
    if (typeof audienceId !== 'string' || audienceId === '') {
      this.#report(`${path}/audienceId`, 'BAD_VALUE', 'audienceId is required');
      return undefined;
    }
    // Cycles, this one included, are reported once for the whole definition (validate.ts).
    if (audienceId !== this.#context.audienceId) {
      const other = this.#context.audiences(audienceId);
      if (!other) {
        this.#report(`${path}/audienceId`, 'UNKNOWN_AUDIENCE', `there is no audience '${audienceId}'`);
        return undefined;
      }
      if (other.entity !== level) {
        this.#report(
          `${path}/audienceId`,
          'ENTITY_MISMATCH',
          `audience '${audienceId}' selects ${other.entity}s, but this condition is about ${level}s`,
        );
        return undefined;
      }
    }
    return { kind: 'audience', path, audienceId, isIn: raw.operator === 'in' };
  }
}
