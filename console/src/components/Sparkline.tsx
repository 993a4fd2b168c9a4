/** One day of an aggregate (the profile API's `aggregates.<id>.daily`). */
export interface DailyPoint {
  readonly d: string;
  readonly v: unknown;
}

const WIDTH = 96;
const HEIGHT = 22;

/**
 * A small line of an aggregate's last days, for the profile card: numeric days only (a day
 * without a value is a gap). Named in words for screen readers: the span, the highest day and today.
 */
export const Sparkline = ({ points, label }: { readonly points: readonly DailyPoint[]; readonly label: string }) => {
  const values = points.map((p) => (typeof p.v === 'number' && Number.isFinite(p.v) ? p.v : null));
  const numbers = values.filter((v): v is number => v !== null);
  if (points.length < 2 || numbers.length === 0) return null;
  const max = Math.max(...numbers);
  const min = Math.min(0, ...numbers);
  const span = max - min || 1;
  const x = (i: number) => ((i / (points.length - 1)) * (WIDTH - 2) + 1).toFixed(1);
  const y = (v: number) => (HEIGHT - 1 - ((v - min) / span) * (HEIGHT - 2)).toFixed(1);
  // Runs of consecutive days with a value; a missing day breaks the line.
  const runs: string[] = [];
  let run: string[] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length > 0) runs.push(run.join(' '));
      run = [];
    } else run.push(`${x(i)},${y(v)}`);
  });
  if (run.length > 0) runs.push(run.join(' '));
  const peak = points[values.indexOf(max)]?.d ?? '';
  const today = values[values.length - 1];
  const summary = `${label}, last ${points.length} days: highest ${max.toLocaleString()} on ${peak}, today ${today === null || today === undefined ? 'none' : today.toLocaleString()}`;
  return (
    <svg className="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
      <title>{summary}</title>
      {runs.map((r, i) =>
        r.includes(' ') ? (
          <polyline key={i} points={r} fill="none" stroke="currentColor" strokeWidth="1.5" />
        ) : (
          <circle key={i} cx={r.split(',')[0]} cy={r.split(',')[1]} r="1.5" fill="currentColor" />
        ),
      )}
    </svg>
  );
};
