import type { ChartOption } from './echarts.js';
import { OUTCOMES, type OperationsOverview, type Outcome } from './overview-types.js';

/** Colours: outcomes keep theirs on every chart; sources take the palette in order. */
export const OUTCOME_COLOURS: Record<Outcome, string> = { accepted: '#047857', duplicate: '#94a3b8', quarantined: '#b91c1c' };
const SOURCE_PALETTE = ['#1d4ed8', '#0891b2', '#7c3aed', '#db2777', '#ea580c', '#65a30d', '#0f766e', '#a16207'];
export const sourceColour = (index: number): string => SOURCE_PALETTE[index % SOURCE_PALETTE.length] as string;

/** `HH:MM` (UTC) of each minute of the window. */
export const minuteLabels = (overview: OperationsOverview): string[] => overview.minutes.map((m) => m.slice(11, 16));

/** A count per minute as a rate: over the seconds the minute covers (the current minute is partial). */
export const perSecond = (counts: readonly number[], seconds: readonly number[]): number[] =>
  counts.map((count, i) => Math.round((count / (seconds[i] || 60)) * 100) / 100);

/** All outcomes of a source, per minute. */
export const sourceEvents = (series: OperationsOverview['sources'][number]['series']): number[] =>
  series.accepted.map((accepted, i) => accepted + (series.duplicate[i] ?? 0) + (series.quarantined[i] ?? 0));

const base = (overview: OperationsOverview, yName: string): ChartOption => ({
  animationDuration: 300,
  animationDurationUpdate: 300,
  grid: { left: 56, right: 24, top: 56, bottom: 28 },
  tooltip: { trigger: 'axis' },
  legend: { top: 0, type: 'scroll' },
  xAxis: { type: 'category', data: minuteLabels(overview) },
  yAxis: { type: 'value', name: yName, nameTextStyle: { align: 'left' }, minInterval: 0 },
});

/** The sources with events in the window (every source while none has any), in the API's order. */
export const activeSources = (overview: OperationsOverview): OperationsOverview['sources'] => {
  const active = overview.sources.filter((s) => s.totals.accepted + s.totals.duplicate + s.totals.quarantined > 0);
  return active.length > 0 ? active : overview.sources;
};

/** Events per second of every outcome, stacked by source; a source keeps its colour across windows. */
export const eventsBySourceOption = (overview: OperationsOverview): ChartOption => ({
  ...base(overview, 'events/s'),
  series: activeSources(overview).map((source) => ({
    type: 'bar',
    name: source.name,
    stack: 'sources',
    color: sourceColour(overview.sources.indexOf(source)),
    data: perSecond(sourceEvents(source.series), overview.secondsCovered),
  })),
});

/** Events per second of all sources, stacked by outcome. */
export const outcomesOption = (overview: OperationsOverview): ChartOption => ({
  ...base(overview, 'events/s'),
  series: OUTCOMES.map((outcome) => ({
    type: 'bar',
    name: outcome,
    stack: 'outcomes',
    color: OUTCOME_COLOURS[outcome],
    data: perSecond(outcomeCounts(overview, outcome), overview.secondsCovered),
  })),
});

/** One outcome's count per minute over all sources. */
export const outcomeCounts = (overview: OperationsOverview, outcome: Outcome): number[] =>
  overview.minutes.map((_, i) => overview.sources.reduce((sum, s) => sum + (s.series[outcome][i] ?? 0), 0));

/** Latency percentiles per minute (a gap where nothing was processed). */
export const latencyOption = (overview: OperationsOverview): ChartOption => {
  const line = (name: string, data: readonly (number | null)[], color: string): LineSeriesLike => ({
    type: 'line',
    name,
    color,
    showSymbol: true,
    symbol: 'circle',
    symbolSize: 7,
    data: [...data],
  });
  return {
    ...base(overview, 'ms'),
    // Logarithmic: a minute of backlog (tens of seconds) and the usual milliseconds both stay readable.
    yAxis: { type: 'log', logBase: 10, name: 'ms (log scale)', nameTextStyle: { align: 'left' } },
    series: [
      line('p50', overview.latency.series.p50Ms, '#1d4ed8'),
      line('p95', overview.latency.series.p95Ms, '#ea580c'),
      line('p99', overview.latency.series.p99Ms, '#b91c1c'),
    ],
  };
};
type LineSeriesLike = {
  type: 'line';
  name: string;
  color: string;
  showSymbol: boolean;
  symbol: 'circle';
  symbolSize: number;
  data: (number | null)[];
};

/** The pipeline's backlog at the end of each minute (line) and its throughput (bars, right axis). */
export const pipelineOption = (overview: OperationsOverview): ChartOption => ({
  ...base(overview, 'events behind'),
  grid: { left: 56, right: 56, top: 56, bottom: 28 },
  yAxis: [
    { type: 'value', name: 'events behind', nameTextStyle: { align: 'left' } },
    { type: 'value', name: 'processed/s', nameTextStyle: { align: 'right' }, splitLine: { show: false } },
  ],
  series: [
    {
      type: 'bar',
      name: 'processed/s',
      yAxisIndex: 1,
      color: '#94a3b8',
      data: perSecond(overview.pipeline.series.processed, overview.secondsCovered),
    },
    {
      type: 'line',
      name: 'events behind',
      color: '#b45309',
      showSymbol: true,
      symbolSize: 5,
      data: [...overview.pipeline.series.eventsBehind],
    },
  ],
});

/** Each source's silence as a share of its SLA, with the SLA at 100%. */
export const freshnessOption = (overview: OperationsOverview): ChartOption => {
  const rows = overview.freshness;
  return {
    animationDuration: 300,
    grid: { left: 110, right: 40, top: 16, bottom: 28 },
    tooltip: { trigger: 'axis' },
    // Always as far as the SLA (100%), so the line is in view and short silences look short.
    xAxis: {
      type: 'value',
      max: (extent) => Math.max(100, Math.ceil(extent.max / 50) * 50),
      axisLabel: { formatter: '{value}%' },
    },
    yAxis: { type: 'category', data: rows.map((r) => r.name), inverse: true },
    series: [
      {
        type: 'bar',
        name: 'time since last event, % of SLA',
        data: rows.map((r) => ({
          value: r.slaUsed === null ? 0 : Math.round(Math.min(r.slaUsed, 5) * 1000) / 10,
          itemStyle: { color: r.status === 'fresh' ? '#047857' : r.status === 'stale' ? '#b91c1c' : '#94a3b8' },
        })),
        // The category axis runs top-down (inverse), so the line starts at the top: the label goes there.
        markLine: {
          symbol: 'none',
          silent: true,
          label: { formatter: 'SLA', position: 'start' },
          lineStyle: { color: '#1f2933', type: 'dashed' },
          data: [{ xAxis: 100 }],
        },
      },
    ],
  };
};
