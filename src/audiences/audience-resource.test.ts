import { describe, expect, it } from 'vitest';
import { checkAudienceId, holdoutBasisPoints, readSettings, sameRule, sameSettings } from './audience-resource.js';

describe('audience ids', () => {
  it('takes slugs and refuses upper case, spaces, over-long ids and route names', () => {
    expect(checkAudienceId('aud-high-churn')).toBeUndefined();
    expect(checkAudienceId('2024_q3')).toBeUndefined();
    expect(checkAudienceId('Aud')?.code).toBe('BAD_VALUE');
    expect(checkAudienceId('-aud')?.path).toBe('/id');
    expect(checkAudienceId('high churn')).toBeDefined();
    expect(checkAudienceId('a'.repeat(65))).toBeDefined();
    expect(checkAudienceId('fields')?.message).toContain('reserved');
    expect(checkAudienceId('validate')).toBeDefined();
  });
});

describe('holdout shares', () => {
  it('are exact basis points, 0–100 with at most two decimals', () => {
    expect(holdoutBasisPoints(0)).toBe(0);
    expect(holdoutBasisPoints(12.5)).toBe(1250);
    expect(holdoutBasisPoints(12.34)).toBe(1234);
    expect(holdoutBasisPoints(0.07)).toBe(7);
    expect(holdoutBasisPoints(100)).toBe(10_000);
    expect(holdoutBasisPoints(12.345)).toBeUndefined();
    expect(holdoutBasisPoints(-1)).toBeUndefined();
    expect(holdoutBasisPoints(100.01)).toBeUndefined();
    expect(holdoutBasisPoints(Number.NaN)).toBeUndefined();
  });
});

describe('audience settings', () => {
  const TZ = 'Europe/Moscow';

  it('default to a realtime audience with no holdout', () => {
    const { settings, issues } = readSettings({ name: 'High churn' }, TZ);
    expect(issues).toEqual([]);
    expect(settings).toEqual({ name: 'High churn', description: '', mode: 'realtime', schedule: null, holdoutPercent: 0 });
  });

  it('need a schedule exactly when the mode is scheduled', () => {
    expect(readSettings({ name: 'n', mode: 'scheduled' }, TZ).issues.map((i) => i.path)).toEqual(['/schedule']);
    expect(readSettings({ name: 'n', schedule: { everyMinutes: 60 } }, TZ).issues[0]?.message).toContain('realtime');
    const scheduled = readSettings({ name: 'n', mode: 'scheduled', schedule: { everyMinutes: 60 } }, TZ);
    expect(scheduled.issues).toEqual([]);
    expect(scheduled.settings.schedule).toEqual({ everyMinutes: 60 });
  });

  it('check the schedule and give a daily one the default time zone', () => {
    const daily = readSettings({ name: 'n', mode: 'scheduled', schedule: { dailyAt: '06:30' } }, TZ);
    expect(daily.settings.schedule).toEqual({ dailyAt: '06:30', timeZone: TZ });
    const bad = readSettings({ name: 'n', mode: 'scheduled', schedule: { dailyAt: '24:00', timeZone: 'Mars/Olympus' } }, TZ);
    expect(bad.issues.map((i) => i.path)).toEqual(['/schedule/dailyAt', '/schedule/timeZone']);
    expect(bad.settings.schedule).toBeNull();
    const tooOften = readSettings({ name: 'n', mode: 'scheduled', schedule: { everyMinutes: 1 } }, TZ);
    expect(tooOften.issues.map((i) => i.path)).toEqual(['/schedule/everyMinutes']);
  });

  it('report a holdout share that is not whole basis points, with every other problem', () => {
    const { issues } = readSettings({ name: 'n', mode: 'scheduled', holdoutPercent: 2.555 }, TZ);
    expect(issues.map((i) => i.path)).toEqual(['/schedule', '/holdoutPercent']);
  });

  it('compare equal when only the key order differs', () => {
    const a = readSettings({ name: 'n', holdoutPercent: 10 }, TZ).settings;
    const b = { holdoutPercent: 10, schedule: null, mode: 'realtime' as const, description: '', name: 'n' };
    expect(sameSettings(a, b)).toBe(true);
    expect(sameSettings(a, { ...b, holdoutPercent: 10.5 })).toBe(false);
  });
});

describe('whether a rule changed', () => {
  const rule = {
    id: 'g-1',
    combinator: 'and',
    rules: [
      { id: 'r-1', field: 'traits.planType', operator: '=', value: 'prepaid' },
      { id: 'r-2', field: 'event', operator: 'performed', eventType: 'billing/topup', window: { lastDays: 30 } },
    ],
  };

  it("ignores key order and the query builder's own id and path keys", () => {
    const rebuilt = {
      combinator: 'and',
      path: [],
      rules: [
        { value: 'prepaid', operator: '=', field: 'traits.planType', id: 'x-9', path: [0] },
        { window: { lastDays: 30 }, eventType: 'billing/topup', operator: 'performed', field: 'event', path: [1] },
      ],
    };
    expect(sameRule(rule, rebuilt)).toBe(true);
  });

  it('sees a changed value, operator, order of conditions, or a condition switched off', () => {
    const changed = (edit: (r: typeof rule) => unknown) => !sameRule(rule, edit(structuredClone(rule)));
    expect(changed((r) => ({ ...r, rules: [{ ...r.rules[0], value: 'postpaid' }, r.rules[1]] }))).toBe(true);
    expect(changed((r) => ({ ...r, rules: [{ ...r.rules[0], operator: '!=' }, r.rules[1]] }))).toBe(true);
    expect(changed((r) => ({ ...r, rules: [r.rules[1], r.rules[0]] }))).toBe(true);
    expect(changed((r) => ({ ...r, rules: [{ ...r.rules[0], disabled: true }, r.rules[1]] }))).toBe(true);
    expect(changed((r) => ({ ...r, combinator: 'or' }))).toBe(true);
    expect(changed((r) => r)).toBe(false);
  });
});
