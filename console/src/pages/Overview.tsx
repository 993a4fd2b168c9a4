import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useId, useMemo, useState } from 'react';
import { api, errorText } from '../api.js';
import { Link } from '../components/Link.js';
import { formatDate } from '../format.js';
import type { AudienceSummary, Page } from '../types.js';
import {
  activeSources,
  eventsBySourceOption,
  freshnessOption,
  latencyOption,
  minuteLabels,
  outcomeCounts,
  outcomesOption,
  perSecond,
  pipelineOption,
  sourceEvents,
} from './overview/chart-options.js';
import type { OperationsOverview } from './overview/overview-types.js';
import {
  eventsBySourceSummary,
  formatAge,
  formatMs,
  freshnessSummary,
  latencySummary,
  outcomesSummary,
  pipelineSummary,
} from './overview/summaries.js';
import { SeriesTable } from './overview/SeriesTable.js';

/** A source as `GET /v1/sources` lists it (also read by the sources page). */
export interface SourceSummary {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly freshnessSlaSeconds: number;
  readonly lastEventAt: string | null;
  readonly freshness: { readonly status: 'fresh' | 'stale' | 'never'; readonly secondsSinceLastEvent: number | null };
  readonly eventTypes: readonly {
    readonly type: string;
    readonly compatibility: string;
    readonly latestVersion: number;
    readonly description?: string;
  }[];
}

const WINDOWS = [
  { minutes: 5, label: '5 minutes' },
  { minutes: 15, label: '15 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 360, label: '6 hours' },
  { minutes: 1440, label: '24 hours' },
] as const;
const REFRESH_MS = 5_000;

const count = (n: number): string => n.toLocaleString('en');
const slaShare = (used: number): string => (used > 0 && used < 0.01 ? '< 1%' : `${Math.round(used * 100)}%`);

// ECharts is loaded with the charts, in a chunk of its own: the other pages never download it.
const loadCharts = () => import('./overview/Chart.js');
const Chart = lazy(() => loadCharts().then((m) => ({ default: m.Chart })));

/**
 * The live overview (issue 9): events per second per source and outcome, the pipeline's lag and
 * throughput, end-to-end latency percentiles and each source's freshness against its SLA, from
 * `GET /v1/operations/overview`, refetched every 5 s while live.
 */
export const Overview = () => {
  const [minutes, setMinutes] = useState<number>(15);
  const [live, setLive] = useState(true);
  const windowId = useId();
  // Fetch the charts' code while the figures are being fetched, not after.
  useEffect(() => void loadCharts(), []);
  const overview = useQuery({
    queryKey: ['operations-overview', minutes],
    queryFn: () => api<OperationsOverview>(`/v1/operations/overview?minutes=${minutes}`),
    refetchInterval: live ? REFRESH_MS : false,
    staleTime: 0,
    placeholderData: (previous) => previous,
  });
  const audiences = useQuery({ queryKey: ['audiences'], queryFn: () => api<Page<AudienceSummary>>('/v1/audiences?limit=100') });
  const data = overview.data;

  return (
    <section aria-labelledby="overview-title" className="overview">
      <div className="overview-head">
        <h1 id="overview-title">Overview</h1>
        <div className="overview-controls">
          <label htmlFor={windowId}>Window</label>
          <select id={windowId} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            {WINDOWS.map((w) => (
              <option key={w.minutes} value={w.minutes}>
                {w.label}
              </option>
            ))}
          </select>
          <button type="button" className="secondary" onClick={() => setLive((l) => !l)}>
            {live ? 'Pause live updates' : 'Resume live updates'}
          </button>
          <span className="muted" data-testid="overview-updated">
            {data ? `Updated ${data.generatedAt.slice(11, 19)} UTC` : 'Loading…'}
            {live ? `, every ${REFRESH_MS / 1000} s` : ', paused'}
          </span>
        </div>
      </div>
      {overview.error && (
        <p className="error" role="alert">
          {errorText(overview.error)}
        </p>
      )}
      {data && <OverviewBody data={data} audiences={audiences.data?.items.length} />}
    </section>
  );
};

const OverviewBody = ({ data, audiences }: { data: OperationsOverview; audiences: number | undefined }) => {
  const labels = useMemo(() => minuteLabels(data), [data]);
  const options = useMemo(
    () => ({
      bySource: eventsBySourceOption(data),
      outcomes: outcomesOption(data),
      latency: latencyOption(data),
      pipeline: pipelineOption(data),
      freshness: freshnessOption(data),
    }),
    [data],
  );
  const { totals, pipeline, latency } = data;
  const stale = data.freshness.filter((f) => f.status === 'stale').length;
  const window = `last ${data.windowMinutes} min`;

  return (
    <>
      <h2 className="visually-hidden">Figures</h2>
      <ul className="tiles overview-tiles" aria-label="Key figures">
        <li className="card tile">
          <span className="tile-value" data-testid="events-per-second">
            {totals.eventsPerSecond.toLocaleString('en')}
          </span>
          <span>events/s now</span>
        </li>
        <li className="card tile">
          <span className="tile-value" data-testid="accepted-total">
            {count(totals.accepted)}
          </span>
          <span>accepted ({window})</span>
        </li>
        <li className="card tile">
          <span className="tile-value" data-testid="duplicate-total">
            {count(totals.duplicate)}
          </span>
          <span>duplicates</span>
        </li>
        <li className="card tile">
          <span className={`tile-value ${totals.quarantined > 0 ? 'band-high' : ''}`} data-testid="quarantined-total">
            {count(totals.quarantined)}
          </span>
          <span>
            <Link to="/sources">quarantined</Link>
          </span>
        </li>
        <li className="card tile">
          <span className="tile-value" data-testid="events-behind">
            {pipeline.eventsBehindEstimated ? '≈ ' : ''}
            {count(pipeline.eventsBehind)}
          </span>
          <span>
            events behind
            {pipeline.oldestUnprocessedAgeSeconds !== null ? `, oldest ${formatAge(pipeline.oldestUnprocessedAgeSeconds)}` : ''}
          </span>
        </li>
        <li className="card tile">
          <span className="tile-value" data-testid="latency-p99">
            {formatMs(latency.p99Ms)}
          </span>
          <span>
            p99 latency (p50 {formatMs(latency.p50Ms)}, p95 {formatMs(latency.p95Ms)})
          </span>
        </li>
        <li className="card tile">
          <span className={`tile-value ${stale > 0 ? 'band-high' : ''}`} data-testid="stale-sources">
            {stale}
          </span>
          <span>stale sources of {data.freshness.length}</span>
        </li>
        <li className="card tile">
          <span className="tile-value">{audiences ?? '…'}</span>
          <span>
            <Link to="/audiences">active audiences</Link>
          </span>
        </li>
      </ul>

      <Suspense fallback={<p className="muted">Loading the charts…</p>}>
        <div className="overview-charts">
          <section className="card" aria-labelledby="chart-sources">
            <h2 id="chart-sources">Events per second by source</h2>
            <Chart option={options.bySource} label={eventsBySourceSummary(data)} testId="chart-sources">
              <SeriesTable
                caption="Events per second by source, per minute"
                labels={labels}
                columns={activeSources(data).map((s) => ({ name: s.name, values: perSecond(sourceEvents(s.series), data.secondsCovered) }))}
              />
            </Chart>
          </section>
          <section className="card" aria-labelledby="chart-outcomes">
            <h2 id="chart-outcomes">Accepted, duplicate, quarantined</h2>
            <Chart option={options.outcomes} label={outcomesSummary(data)} testId="chart-outcomes">
              <SeriesTable
                caption="Events per second by outcome, per minute"
                labels={labels}
                columns={(['accepted', 'duplicate', 'quarantined'] as const).map((o) => ({
                  name: o,
                  values: perSecond(outcomeCounts(data, o), data.secondsCovered),
                }))}
              />
            </Chart>
          </section>
          <section className="card" aria-labelledby="chart-latency">
            <h2 id="chart-latency">End-to-end latency</h2>
            <p className="muted chart-note">Event received → pipeline batch committed, percentiles per minute.</p>
            <Chart option={options.latency} label={latencySummary(data)} testId="chart-latency">
              <SeriesTable
                caption="Latency percentiles in milliseconds, per minute"
                labels={labels}
                columns={[
                  { name: 'events', values: latency.series.events },
                  { name: 'p50 ms', values: latency.series.p50Ms },
                  { name: 'p95 ms', values: latency.series.p95Ms },
                  { name: 'p99 ms', values: latency.series.p99Ms },
                ]}
              />
            </Chart>
          </section>
          <section className="card" aria-labelledby="chart-pipeline">
            <h2 id="chart-pipeline">Pipeline lag</h2>
            <p className="muted chart-note">
              Checkpoint at seq {count(pipeline.checkpointSeq)} of {count(pipeline.lastSeq)}
              {pipeline.checkpointUpdatedAt ? `, moved ${formatDate(pipeline.checkpointUpdatedAt)}` : ''}.
            </p>
            <Chart option={options.pipeline} label={pipelineSummary(data)} testId="chart-pipeline">
              <SeriesTable
                caption="Pipeline backlog and throughput, per minute"
                labels={labels}
                columns={[
                  { name: 'events behind', values: pipeline.series.eventsBehind },
                  { name: 'processed/s', values: perSecond(pipeline.series.processed, data.secondsCovered) },
                ]}
              />
            </Chart>
          </section>
        </div>

        <section className="card" aria-labelledby="freshness-title">
          <h2 id="freshness-title">Freshness against each source's SLA</h2>
          <div className="freshness-layout">
            <Chart
              option={options.freshness}
              label={freshnessSummary(data)}
              testId="chart-freshness"
              height={Math.max(120, 36 * data.freshness.length + 44)}
            />
            <table className="freshness-table">
              <caption className="visually-hidden">Freshness per source: time since the last event against its SLA</caption>
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last event</th>
                  <th scope="col">Silent for</th>
                  <th scope="col">SLA</th>
                </tr>
              </thead>
              <tbody>
                {data.freshness.map((f) => (
                  <tr key={f.sourceId}>
                    <th scope="row">
                      {f.name} <span className="muted">{f.sourceId}</span>
                    </th>
                    <td>
                      <span className={`pill fresh-${f.status}`}>{f.status}</span>
                    </td>
                    <td>{formatDate(f.lastEventAt)}</td>
                    <td>
                      {formatAge(f.secondsSinceLastEvent)}
                      {f.slaUsed !== null ? <span className="muted"> ({slaShare(f.slaUsed)} of SLA)</span> : null}
                    </td>
                    <td>{formatAge(f.slaSeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </Suspense>
    </>
  );
};
