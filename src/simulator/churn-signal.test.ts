import { describe, expect, it } from 'vitest';
import { engagementAt, lineProfile, type LineProfile } from './line-profile.js';
import { DAY_MS, resolveOptions, type SimulationOptions } from './options.js';
import { BLOCK, blockLayout } from './population.js';
import { lineSlice } from './line-slice.js';
import type { SimEvent } from './sim-event.js';

/**
 * The churn signal the simulator gives a model to find: a hazard that follows what happens to the
 * line (never what has not happened yet), usage that fades in the run-up to leaving, and people
 * who show the same for a while and stay — so the signal is real but not a give-away.
 */
const linesOf = (options: SimulationOptions): LineProfile[] => {
  const out: LineProfile[] = [];
  for (let block = 0; block * BLOCK < options.subscribers; block++)
    for (const account of blockLayout(options.seed, block, options.subscribers, options.rates))
      for (let offset = 0; offset < account.size; offset++) out.push(lineProfile(options, account, offset));
  return out;
};

const options = resolveOptions({ seed: 11, subscribers: 20_000, days: 90 });
const end = options.start + options.days * DAY_MS;
const lines = linesOf(options);
const churners = lines.filter((p) => p.churnAt !== Infinity);
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

describe('churn signal', () => {
  it('churners fade before they leave: a run-up of 10–75 days in which usage falls by 35–90 %', () => {
    expect(churners.length).toBeGreaterThan(500);
    for (const p of churners) {
      const runUp = p.disengagements.find((d) => d.to === p.churnAt);
      expect(runUp, `line ${p.line}`).toBeDefined();
      if (!runUp) continue;
      expect(runUp.peak).toBe(p.churnAt);
      expect(p.churnAt - runUp.from).toBeGreaterThanOrEqual(10 * DAY_MS - 1);
      expect(p.churnAt - runUp.from).toBeLessThanOrEqual(75 * DAY_MS + 1);
      expect(runUp.depth).toBeGreaterThanOrEqual(0.35);
      expect(runUp.depth).toBeLessThanOrEqual(0.9);
    }
    const justBefore = mean(churners.map((p) => engagementAt(options, p, p.churnAt - DAY_MS)));
    const monthsBefore = mean(churners.map((p) => engagementAt(options, p, Math.max(options.start, p.churnAt - 80 * DAY_MS))));
    expect(justBefore).toBeLessThan(0.6 * monthsBefore);
  });

  it('some who stay show the same for a while and come back: the signal is not a give-away', () => {
    const stayers = lines.filter((p) => p.churnAt === Infinity && !p.isEsim && !p.account.isTest);
    const waverers = stayers.filter((p) => p.disengagements.some((d) => d.to > d.peak));
    const onlyWavering = waverers.filter((p) => p.disengagements.length === 1);
    // About 9 % of lines start such a stretch in the 150 days around the window.
    expect(waverers.length / stayers.length).toBeGreaterThan(0.05);
    expect(waverers.length / stayers.length).toBeLessThan(0.15);
    for (const p of onlyWavering.slice(0, 200)) {
      const d = p.disengagements.find((x) => x.to > x.peak);
      if (!d || d.to >= end || d.peak <= options.start) continue;
      const slow = (t: number) => Math.max(0.15, 1 - (p.risk.usageDecline * (t - options.start)) / (90 * DAY_MS));
      expect(engagementAt(options, p, d.peak - 1) / slow(d.peak - 1)).toBeCloseTo(1 - d.depth, 1);
      expect(engagementAt(options, p, d.to + 1) / slow(d.to + 1)).toBeCloseTo(1, 5);
    }
  });

  it('a slowly declining line keeps declining over the whole window, not only its first month', () => {
    const declining = lines.filter((p) => p.risk.usageDecline > 0 && p.disengagements.length === 0).slice(0, 100);
    expect(declining.length).toBe(100);
    for (const p of declining) {
      const at = (day: number) => engagementAt(options, p, options.start + day * DAY_MS);
      expect(at(60)).toBeLessThan(at(30));
      expect(at(89)).toBeLessThan(at(60));
    }
  });

  it('the hazard follows what has happened: only promises broken before the churn count, and they raise it', () => {
    const withCases = lines.filter((p) => p.cases.length > 0);
    expect(withCases.length).toBeGreaterThan(1000);
    for (const p of withCases) {
      const broken = p.cases.filter((c) => c.broken && c.openedAt < p.churnAt && c.expectedAt < Math.min(p.churnAt, end)).length;
      expect(p.risk.brokenPromises, `line ${p.line}`).toBe(broken);
    }
    // Churn within 60 days of a broken promise, against churn of lines that never had a case.
    const lineDays = (ps: readonly LineProfile[], from: (p: LineProfile) => number, to: (p: LineProfile) => number) =>
      ps.reduce(
        (sum, p) => sum + Math.max(0, Math.min(to(p), p.churnAt, end) - Math.max(from(p), options.start, p.activatedAt)) / DAY_MS,
        0,
      );
    const after = lines.flatMap((p) => p.cases.filter((c) => c.broken && c.expectedAt < Math.min(p.churnAt, end)).map((c) => ({ p, c })));
    const churnedAfter = after.filter(({ p, c }) => p.churnAt >= c.expectedAt && p.churnAt < c.expectedAt + 60 * DAY_MS).length;
    const exposureAfter = after.reduce(
      (sum, { p, c }) => sum + Math.max(0, Math.min(c.expectedAt + 60 * DAY_MS, p.churnAt, end) - c.expectedAt) / DAY_MS,
      0,
    );
    const quiet = lines.filter((p) => p.cases.length === 0 && !p.isEsim && !p.account.isTest);
    const quietRate =
      quiet.filter((p) => p.churnAt !== Infinity).length /
      lineDays(
        quiet,
        () => -Infinity,
        () => Infinity,
      );
    expect(churnedAfter / exposureAfter).toBeGreaterThan(2 * quietRate);
  });

  it('the events show it: churners make fewer usage records in the days before they leave', () => {
    const ctx = { options, sliceMs: 3_600_000, end, lines: options.subscribers };
    const late = churners.filter((p) => p.churnAt > options.start + 45 * DAY_MS).slice(0, 100);
    let before = 0;
    let earlier = 0;
    for (const p of late) {
      const usage: number[] = [];
      const sink = {
        push: (e: SimEvent, at: number) => void (['network', 'web', 'app'].includes(e.source) && usage.push(at)),
        placeholder: () => false,
        nationalFormat: () => false,
      };
      const first = Math.floor((p.churnAt - 40 * DAY_MS - options.start) / ctx.sliceMs);
      const last = Math.floor((p.churnAt - options.start) / ctx.sliceMs);
      for (let slot = first; slot <= last; slot++) lineSlice(ctx, sink, p, slot, options.start + slot * ctx.sliceMs);
      before += usage.filter((t) => t >= p.churnAt - 10 * DAY_MS && t < p.churnAt).length;
      earlier += usage.filter((t) => t >= p.churnAt - 40 * DAY_MS && t < p.churnAt - 30 * DAY_MS).length;
    }
    expect(earlier).toBeGreaterThan(5_000);
    expect(before / earlier).toBeLessThan(0.75);
  });
});
