import { NO_EVENTS, type AudienceInput } from './audience-input.js';
import { comparisonNextChange, predicateOf, readField } from './compare.js';
import type { AttributeCondition, Condition, EventCondition, GroupCondition, MembersCondition, ValidAudience } from './conditions.js';
import { compileFilters, countEvents, eventConditionHolds } from './event-count.js';
import { firstFailing, type ConditionResult, type Evaluation, type Evidence } from './explanation.js';
import { DAY_MS } from './field-types.js';
import { renderCondition, type RenderOptions } from './render.js';
import type { EntityType } from './rule.js';

/*
 * The incremental evaluator: a validated audience compiled once into closures, then run on one
 * entity at a time (the pipeline's real-time path). Three answers, from cheap to full:
 * `isMember` (short-circuits), `membership` (every condition, with the next time-driven change:
 * what the pipeline stores each time) and `evaluate` (that, with the explanation: what goes with
 * `audience.entered` / `audience.exited` and the explain route).
 *
 * Next change of a group (a safe lower bound on when its result can flip with no new input):
 * - `and` true: the first child to flip; `and` false: only once every false child has flipped,
 *   so the latest of those (never, when one of them never flips). `or` mirrors it.
 * - `members`: `any` is an `or` over the members, `all` an `and`, `none` a negated `any`.
 */

/** A condition's answer and when time alone next changes it (epoch ms), or null. */
interface Timed {
  readonly holds: boolean;
  readonly next: number | null;
}

interface Explained extends Timed {
  readonly result: ConditionResult;
}

interface CompiledCondition {
  test(input: AudienceInput, now: number): boolean;
  timed(input: AudienceInput, now: number): Timed;
  explain(input: AudienceInput, now: number): Explained;
}

export interface CompiledAudience {
  readonly id: string;
  readonly entity: EntityType;
  isMember(input: AudienceInput, now: number): boolean;
  membership(input: AudienceInput, now: number): { readonly member: boolean; readonly nextChangeAt: number | null };
  evaluate(input: AudienceInput, now: number): Evaluation;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const earliest = (times: readonly (number | null)[]): number | null => {
  const known = times.filter((t): t is number => t !== null);
  return known.length === 0 ? null : Math.min(...known);
};

/** The time by which every one has flipped; null when one never does (or there are none). */
const latest = (times: readonly (number | null)[]): number | null =>
  times.length === 0 || times.some((t) => t === null) ? null : Math.max(...(times as number[]));

/** An `and` or `or` of parts: its answer and its next change. */
const combine = (combinator: 'and' | 'or', parts: readonly Timed[]): Timed => {
  const holds = combinator === 'and' ? parts.every((p) => p.holds) : parts.some((p) => p.holds);
  // and/true and or/false flip with the first part that flips; and/false and or/true wait for every deciding part.
  const next =
    (combinator === 'and') === holds
      ? earliest(parts.map((p) => p.next))
      : latest(parts.filter((p) => p.holds === holds).map((p) => p.next));
  return { holds, next };
};

/** A leaf's explanation; `text` is rendered once, at compile time. */
const leaf = (condition: Condition, text: string, timed: Timed, evidence: Evidence): Explained => ({
  ...timed,
  result: { path: condition.path, kind: condition.kind, text, result: timed.holds, nextChangeAt: iso(timed.next), evidence },
});

const compileAttribute = (condition: AttributeCondition, text: string): CompiledCondition => {
  const predicate = predicateOf(condition.comparison);
  const timed = (input: AudienceInput, now: number): Timed => {
    const value = readField(input.fields, condition.field);
    return { holds: predicate(value, now), next: comparisonNextChange(condition.comparison, value, now) };
  };
  return {
    test: (input, now) => predicate(readField(input.fields, condition.field), now),
    timed,
    explain: (input, now) => {
      const value = readField(input.fields, condition.field);
      const actual = condition.field.type === 'date' && typeof value === 'number' ? new Date(value).toISOString() : value;
      return leaf(condition, text, timed(input, now), {
        kind: 'attribute',
        field: condition.field.id,
        actual,
        operator: condition.comparison.operator,
      });
    },
  };
};

const MAX_EVENT_IDS = 50;

const compileEvent = (condition: EventCondition, text: string): CompiledCondition => {
  const filters = compileFilters(condition.filters);
  const occurrences = (input: AudienceInput) => input.events?.occurrences(condition.eventType) ?? NO_EVENTS;
  const { window } = condition;
  return {
    test: (input, now) => eventConditionHolds(condition, filters, occurrences(input), now),
    timed: (input, now) => {
      const counted = countEvents(condition, filters, occurrences(input), now);
      return { holds: counted.result, next: counted.nextChangeAt };
    },
    explain: (input, now) => {
      const counted = countEvents(condition, filters, occurrences(input), now);
      return leaf(
        condition,
        text,
        { holds: counted.result, next: counted.nextChangeAt },
        {
          kind: 'event',
          eventType: condition.eventType,
          count: counted.count,
          required: condition.count,
          window:
            window.kind === 'last'
              ? { from: iso(now - window.days * DAY_MS), to: iso(now) as string }
              : { from: iso(window.from), to: iso(Math.min(window.to, now)) as string },
          eventIds: counted.counted.slice(0, MAX_EVENT_IDS).map((o) => o.eventId),
        },
      );
    },
  };
};

const compileGroup = (condition: GroupCondition, level: EntityType, options: RenderOptions): CompiledCondition => {
  const children = condition.children.map((c) => compile(c, level, options));
  const text = renderCondition(condition, level, options);
  const negate = (t: Timed): Timed => ({ holds: t.holds !== condition.not, next: t.next });
  return {
    test: (input, now) => {
      const inside = condition.combinator === 'or' ? children.some((c) => c.test(input, now)) : children.every((c) => c.test(input, now));
      return inside !== condition.not;
    },
    timed: (input, now) =>
      negate(
        combine(
          condition.combinator,
          children.map((c) => c.timed(input, now)),
        ),
      ),
    explain: (input, now) => {
      const parts = children.map((c) => c.explain(input, now));
      const timed = negate(combine(condition.combinator, parts));
      const result: ConditionResult = {
        path: condition.path,
        kind: 'group',
        text,
        result: timed.holds,
        ...(condition.not ? { negated: true } : {}),
        nextChangeAt: iso(timed.next),
        children: parts.map((p) => p.result),
      };
      return { ...timed, result };
    },
  };
};

const MAX_MEMBER_IDS = 20;

/**
 * `all` is an `and` over the members that needs one at least; `any` an `or`; `none` a negated
 * `any`; the group's `not` negates the whole.
 */
const compileMembers = (condition: MembersCondition, level: EntityType, options: RenderOptions): CompiledCondition => {
  const group = compileGroup(condition.group, 'person', options);
  const text = renderCondition(condition, level, options);
  const all = condition.quantifier === 'all';
  const invert = (condition.quantifier === 'none') !== condition.not;
  const decide = (parts: readonly Timed[]): Timed => {
    // No members: `all` and `any` are false, so `none` is true; nothing can change with time.
    if (parts.length === 0) return { holds: invert, next: null };
    const inside = combine(all ? 'and' : 'or', parts);
    return { holds: inside.holds !== invert, next: inside.next };
  };
  return {
    test: (input, now) => {
      const members = input.members ?? [];
      const inside = all ? members.length > 0 && members.every((m) => group.test(m, now)) : members.some((m) => group.test(m, now));
      return inside !== invert;
    },
    timed: (input, now) => decide((input.members ?? []).map((m) => group.timed(m, now))),
    explain: (input, now) => {
      const parts = (input.members ?? []).map((m) => ({ id: m.id, explained: group.explain(m, now) }));
      const matching = parts.filter((p) => p.explained.holds);
      // The member that decides: one that fails `all`, else one that matches, else the first.
      const example = (all ? parts.find((p) => !p.explained.holds) : matching[0]) ?? parts[0];
      return leaf(condition, text, decide(parts.map((p) => p.explained)), {
        kind: 'members',
        members: parts.length,
        matching: matching.length,
        matchingIds: matching.slice(0, MAX_MEMBER_IDS).map((p) => p.id),
        example: example ? { id: example.id, conditions: example.explained.result } : null,
      });
    },
  };
};

/** A condition answered from the input alone, with no time dependence (consent, membership). */
const compileLookup = (
  condition: Condition,
  text: string,
  holds: (input: AudienceInput) => boolean,
  evidence: (input: AudienceInput) => Evidence,
) => ({
  test: holds,
  timed: (input: AudienceInput): Timed => ({ holds: holds(input), next: null }),
  explain: (input: AudienceInput): Explained => leaf(condition, text, { holds: holds(input), next: null }, evidence(input)),
});

const compile = (condition: Condition, level: EntityType, options: RenderOptions): CompiledCondition => {
  const text = () => renderCondition(condition, level, options);
  switch (condition.kind) {
    case 'group':
      return compileGroup(condition, level, options);
    case 'members':
      return compileMembers(condition, level, options);
    case 'attribute':
      return compileAttribute(condition, text());
    case 'event':
      return compileEvent(condition, text());
    case 'consent': {
      const granted = (input: AudienceInput) => input.consent?.(condition.purpose, condition.channel) ?? false;
      return compileLookup(
        condition,
        text(),
        (input) => granted(input) === condition.granted,
        (input) => ({ kind: 'consent', purpose: condition.purpose, channel: condition.channel, granted: granted(input) }),
      );
    }
    case 'audience': {
      const member = (input: AudienceInput) => input.memberships?.(condition.audienceId) ?? false;
      return compileLookup(
        condition,
        text(),
        (input) => member(input) === condition.isIn,
        (input) => ({ kind: 'audience', audienceId: condition.audienceId, member: member(input) }),
      );
    }
  }
};

/** `options` name the audiences that membership conditions use, in the explanation's texts. */
export const compileAudience = (audience: ValidAudience, options: RenderOptions = {}): CompiledAudience => {
  const root = compileGroup(audience.root, audience.entity, options);
  return {
    id: audience.id,
    entity: audience.entity,
    isMember: (input, now) => root.test(input, now),
    membership: (input, now) => {
      const { holds, next } = root.timed(input, now);
      return { member: holds, nextChangeAt: next };
    },
    evaluate: (input, now) => {
      const { holds, next, result } = root.explain(input, now);
      return { member: holds, nextChangeAt: next, conditions: result, failing: firstFailing(result) };
    },
  };
};
