import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { checkAudience, validateAudience } from './validate.js';
import type { ValidationIssue } from './validation-issues.js';
import { and, contextWith, NOW } from './test-fixtures.js';
import type { StoredAudience } from './audience-references.js';

const issuesOf = (rule: unknown, entity = 'person', audiences: Record<string, StoredAudience> = {}, id = 'aud-new'): ValidationIssue[] => {
  const checked = checkAudience({ id, entity, rule }, contextWith(audiences));
  return checked.ok ? [] : [...checked.issues];
};

const one = (rule: unknown, entity = 'person') => {
  const issues = issuesOf(rule, entity);
  expect(issues).toHaveLength(1);
  return issues[0];
};

describe('validation', () => {
  it('accepts a definition as react-querybuilder writes it: ids, comma lists, numbers as text, disabled rules', () => {
    const checked = checkAudience(
      {
        id: 'aud-1',
        entity: 'person',
        rule: {
          id: 'g-root',
          combinator: 'and',
          not: false,
          rules: [
            { id: 'r-1', field: 'traits.homeRegion', operator: 'in', value: 'RU-MOW, RU-SPE', valueSource: 'value' },
            { id: 'r-2', field: 'aggregates.topup_count.30d', operator: 'between', value: '1,5' },
            { id: 'r-3', field: 'traits.roaming', operator: '=', value: 'false' },
            { id: 'r-4', field: 'nonsense', operator: '=', value: 1, disabled: true },
          ],
        },
      },
      contextWith(),
    );
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.audience.root.children).toHaveLength(3);
    expect(checked.audience.root.children[0]).toMatchObject({ comparison: { operand: { kind: 'list', values: ['RU-MOW', 'RU-SPE'] } } });
    expect(checked.audience.root.children[1]).toMatchObject({ comparison: { operand: { kind: 'range', low: 1, high: 5 } } });
  });

  it('refuses an unknown field, naming where it belongs when it exists elsewhere', () => {
    expect(one(and({ field: 'traits.shoeSize', operator: '=', value: 1 }))).toEqual({
      path: '/rule/rules/0/field',
      code: 'UNKNOWN_FIELD',
      message: "'traits.shoeSize' is not a person field",
    });
    expect(one(and({ field: 'traits.planType', operator: '=', value: 'prepaid' }), 'account')?.message).toContain(
      'use it in a members group',
    );
  });

  it('refuses an operator that does not fit the type, listing those that do', () => {
    expect(one(and({ field: 'traits.planType', operator: '<', value: 'prepaid' }))).toMatchObject({
      path: '/rule/rules/0/operator',
      code: 'OPERATOR_NOT_ALLOWED',
      message: "'<' does not apply to enum field traits.planType; use =, !=, in, notIn, null, notNull",
    });
    expect(one(and({ field: 'traits.balance.value', operator: 'greaterThan', value: 1 } as never))?.code).toBe('UNKNOWN_OPERATOR');
  });

  it('refuses values of the wrong type, unlisted enum values, empty lists and reversed ranges', () => {
    const issues = issuesOf(
      and(
        { field: 'traits.balance.value', operator: '>', value: 'lots' },
        { field: 'traits.planType', operator: '=', value: 'gold' },
        { field: 'traits.homeRegion', operator: 'in', value: [] },
        { field: 'traits.balance.value', operator: 'between', value: [10, 1] },
        { field: 'traits.activatedAt', operator: '<', value: '01.05.2024' },
        { field: 'lastInteraction.app', operator: 'olderThanDays', value: 0 },
      ),
    );
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['/rule/rules/0/value', 'BAD_VALUE'],
      ['/rule/rules/1/value', 'BAD_VALUE'],
      ['/rule/rules/2/value', 'BAD_VALUE'],
      ['/rule/rules/3/value', 'BAD_VALUE'],
      ['/rule/rules/4/value', 'BAD_VALUE'],
      ['/rule/rules/5/value', 'BAD_VALUE'],
    ]);
    expect(issues[1]?.message).toBe("traits.planType: 'gold' is not one of prepaid, postpaid");
    expect(issues[3]?.message).toContain('reversed');
  });

  it('refuses empty groups, nested or at the top, and groups whose rules are all disabled', () => {
    expect(one({ combinator: 'and', rules: [] })).toMatchObject({ path: '/rule/rules', code: 'EMPTY_GROUP' });
    expect(one(and({ combinator: 'or', rules: [{ field: 'traits.roaming', operator: '=', value: true, disabled: true }] }))).toMatchObject({
      path: '/rule/rules/0/rules',
      code: 'EMPTY_GROUP',
    });
  });

  it('refuses an event window longer than the retained events, relative or fixed', () => {
    const event = (window: unknown) => and({ field: 'event', operator: 'performed', eventType: 'billing/topup', window } as never);
    expect(one(event({ lastDays: 120 }))).toEqual({
      path: '/rule/rules/0/window/lastDays',
      code: 'WINDOW_TOO_LONG',
      message: 'a window of 120 days is longer than the 90 days of events retained',
    });
    const tooOld = new Date(NOW - 100 * 86_400_000).toISOString().slice(0, 10);
    expect(one(event({ from: tooOld, to: '2024-05-31' }))).toMatchObject({ path: '/rule/rules/0/window/from', code: 'WINDOW_TOO_LONG' });
  });

  it('checks event conditions: type, property filters, counts', () => {
    const issues = issuesOf(
      and(
        { field: 'event', operator: 'performed', eventType: 'billing/teleport', window: { lastDays: 7 } } as never,
        {
          field: 'event',
          operator: 'performed',
          eventType: 'billing/topup',
          propertyFilters: [
            { field: 'amount.colour', operator: '=', value: 'red' },
            { field: 'amount.value', operator: 'contains', value: '1' },
          ],
          count: { op: 'atLeast', n: 0 },
          window: { lastDays: 7 },
        } as never,
        {
          field: 'event',
          operator: 'notPerformed',
          eventType: 'app/login',
          count: { op: 'atLeast', n: 2 },
          window: { lastDays: 7 },
        } as never,
      ),
    );
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['/rule/rules/0/eventType', 'UNKNOWN_EVENT_TYPE'],
      ['/rule/rules/1/count/n', 'BAD_VALUE'],
      ['/rule/rules/1/propertyFilters/0/field', 'UNKNOWN_PROPERTY'],
      ['/rule/rules/1/propertyFilters/1/operator', 'OPERATOR_NOT_ALLOWED'],
      ['/rule/rules/2/count', 'BAD_VALUE'],
    ]);
  });

  it('checks consent purposes and channels', () => {
    const issues = issuesOf(and({ field: 'consent', operator: 'granted', purpose: 'telepathy', channel: 'pigeon' }));
    expect(issues.map((i) => i.code)).toEqual(['UNKNOWN_PURPOSE', 'UNKNOWN_CHANNEL']);
  });

  it('refuses unknown keys (a typo would otherwise be ignored) and comparisons with another field', () => {
    expect(
      issuesOf(and({ field: 'traits.roaming', operator: '=', value: true, vlaue: false } as never)).map((i) => [i.path, i.code]),
    ).toEqual([['/rule/rules/0/vlaue', 'UNKNOWN_KEY']]);
    expect(one(and({ field: 'traits.balance.value', operator: '>', value: 'traits.birthYear', valueSource: 'field' } as never))?.code).toBe(
      'UNSUPPORTED',
    );
  });

  it('keeps members groups for account and organisation audiences, and person-only conditions inside them', () => {
    const members = { combinator: 'and', members: 'any', rules: [{ field: 'traits.planType', operator: '=', value: 'prepaid' }] };
    expect(one(and(members as never))).toMatchObject({ path: '/rule/rules/0/members', code: 'MEMBERS_NOT_ALLOWED' });
    expect(issuesOf(and(members as never), 'account')).toEqual([]);
    expect(one(and({ combinator: 'and', members: 'all', rules: [members] } as never), 'organisation')?.message).toContain('do not nest');
    expect(one(and({ field: 'consent', operator: 'granted', purpose: 'marketing', channel: 'email' }), 'organisation')).toMatchObject({
      code: 'PERSON_ONLY',
    });
  });
});

describe('audience membership conditions', () => {
  const uses = (id: string) => and({ field: 'audience', operator: 'in', audienceId: id });
  const stored: Record<string, StoredAudience> = {
    b: { entity: 'person', rule: uses('a') },
    c: { entity: 'person', rule: uses('b') },
    accounts: { entity: 'account', rule: and({ field: 'members.count', operator: '>', value: 1 }) },
  };

  it('refuses A → B → A, and longer cycles, at the reference that closes them', () => {
    expect(issuesOf(uses('b'), 'person', stored, 'a')).toEqual([
      { path: '/rule/rules/0/audienceId', code: 'AUDIENCE_CYCLE', message: 'audiences would use each other in a cycle: a → b → a' },
    ]);
    expect(issuesOf(uses('c'), 'person', stored, 'a')[0]?.message).toContain('a → c → b → a');
    expect(issuesOf(uses('a'), 'person', stored, 'a')[0]?.message).toContain('a → a');
  });

  it('accepts using an audience that does not lead back, refuses unknown ones and other entity types', () => {
    expect(issuesOf(uses('c'), 'person', stored, 'd')).toEqual([]);
    expect(issuesOf(uses('nope'), 'person', stored, 'd')[0]?.code).toBe('UNKNOWN_AUDIENCE');
    expect(issuesOf(uses('accounts'), 'person', stored, 'd')[0]).toMatchObject({
      code: 'ENTITY_MISMATCH',
      message: "audience 'accounts' selects accounts, but this condition is about persons",
    });
  });
});

describe('validateAudience', () => {
  it('throws VALIDATION_FAILED with every problem as details', () => {
    const attempt = () =>
      validateAudience(
        {
          id: 'x',
          entity: 'person',
          rule: and({ field: 'nope', operator: '=', value: 1 }, { field: 'traits.planType', operator: '=', value: 2 }),
        },
        contextWith(),
      );
    expect(attempt).toThrow(AppError);
    try {
      attempt();
    } catch (err) {
      const error = err as AppError;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.status).toBe(400);
      expect(error.details.map((d) => d.path)).toEqual(['/rule/rules/0/field', '/rule/rules/1/value']);
      expect(error.message).toContain('(and 1 more)');
    }
  });

  it('refuses a definition that is not { id, entity, rule }', () => {
    const checked = checkAudience({ id: '', entity: 'household', rule: {} }, contextWith());
    expect(checked.ok ? [] : checked.issues.map((i) => i.path)).toEqual(['/id', '/entity']);
  });
});
