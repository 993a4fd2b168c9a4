import { benchAudienceCount } from '../audiences/index.js';
import { median, round } from './samples.js';

export interface AudiencesFigures {
  /** Profiles counted over (1,000,000 unless the bench was told otherwise). */
  readonly count_profiles: number;
  /**
   * An exact count of a new rule of up to 5 conditions: the slowest benchmark rule's median wall
   * time, validation, scan and count included. Present only when measured at 1 M profiles.
   */
  readonly count_1m_ms?: number;
  /** The same figure at whatever number of profiles was counted. */
  readonly count_ms: number;
  /** The slowest rule's median CPU time (user + system): what the count costs on a shared machine. */
  readonly count_cpu_ms: number;
  /** The raw limit: one hand-written loop of 5 comparisons over typed arrays of as many rows. */
  readonly count_raw_scan_ms: number;
  /** Building the columns of the synthetic profiles (not part of the count). */
  readonly count_build_ms: number;
}

export interface AudiencesOptions {
  readonly profiles: number;
  /** Timed runs per rule, after one warm-up. */
  readonly runs?: number;
}

const ONE_MILLION = 1_000_000;

/**
 * The audience count benchmark (issue 6: an exact count of a new rule of up to 5 conditions over
 * 1 M profiles in ≤ 100 ms), beside the raw limit of the same machine: the fastest a scan of as
 * many rows can be, with no rule language, validation or column store in between.
 */
export const runAudiencesStage = (options: AudiencesOptions): AudiencesFigures => {
  const result = benchAudienceCount(options.profiles, options.runs ?? 7);
  const countMs = round(result.countMs);
  return {
    count_profiles: result.profiles,
    ...(result.profiles === ONE_MILLION ? { count_1m_ms: countMs } : {}),
    count_ms: countMs,
    count_cpu_ms: round(Math.max(...result.rules.map((r) => r.cpuMs))),
    count_raw_scan_ms: round(rawScanMs(options.profiles, options.runs ?? 7)),
    count_build_ms: Math.round(result.buildMs),
  };
};

/**
 * Five conditions (dictionary code equal, code in a set, number at least, time older than, number
 * greater than) over typed arrays, in one loop: the median of `runs` after a warm-up. It is not
 * a floor in every case (the count store may skip rows a first condition rules out), but it is
 * what the plainest scan of the same rows costs on this machine in this run.
 */
const rawScanMs = (rows: number, runs: number): number => {
  let x = 11;
  const random = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
  const plan = new Int32Array(rows);
  const region = new Int32Array(rows);
  const topups = new Float64Array(rows);
  const lastApp = new Float64Array(rows);
  const churn = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    plan[i] = random() < 0.6 ? 0 : 1;
    region[i] = Math.floor(random() * 12);
    topups[i] = Math.floor(random() * 9);
    lastApp[i] = random() * 60;
    churn[i] = random();
  }
  const times: number[] = [];
  let sink = 0;
  for (let run = 0; run <= runs; run++) {
    const started = performance.now();
    let count = 0;
    for (let i = 0; i < rows; i++) {
      // Branch-free: on random data a branch per condition would be mispredicted half the time.
      count +=
        +(plan[i] === 0) &
        +((region[i] as number) <= 2) &
        +((topups[i] as number) >= 3) &
        +((lastApp[i] as number) > 14) &
        +((churn[i] as number) > 0.3);
    }
    sink += count;
    if (run > 0) times.push(performance.now() - started);
  }
  // The count is used, so the loop cannot be optimised away.
  if (sink < 0) throw new Error('unreachable');
  return median(times);
};
