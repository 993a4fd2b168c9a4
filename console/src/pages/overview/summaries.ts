import { minuteLabels, outcomeCounts, perSecond, sourceEvents } from './chart-options.js';
import type { OperationsOverview, SourceFreshness } from './overview-types.js';

/** Text alternatives of the charts: what a sighted reader takes from each at a glance. */

const number = (value: number): string => value.toLocaleString('en', { maximumFractionDigits: 2 });

export const formatMs = (ms: number | null): string => {
  if (ms === null) return '—';
  if (ms >= 60_000) return `${number(ms / 60_000)} min`;
  if (ms >= 1_000) return `${number(ms / 1_000)} s`;
  return `${number(ms)} ms`;
};

export const formatAge = (seconds: number | null): string => {
  if (seconds === null) return '—';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
};

const peak = (values: readonly number[], labels: readonly string[]): string => {
  let best = 0;
  values.forEach((v, i) => {
    if (v > (values[best] ?? 0)) best = i;
  });
  return `${number(values[best] ?? 0)} at ${labels[best] ?? ''}`;
};

const windowText = (overview: OperationsOverview): string => `over the last ${overview.windowMinutes} minutes`;

export const eventsBySourceSummary = (overview: OperationsOverview): string => {
  const labels = minuteLabels(overview);
  const active = overview.sources.filter((s) => s.totals.accepted + s.totals.duplicate + s.totals.quarantined > 0);
  if (active.length === 0) return `Events per second by source ${windowText(overview)}: no events.`;
  const parts = active.map(
    (s) => `${s.name} ${number(s.eventsPerSecond)} now, peak ${peak(perSecond(sourceEvents(s.series), overview.secondsCovered), labels)}`,
  );
  return `Events per second by source ${windowText(overview)}: ${parts.join('; ')}.`;
};

export const outcomesSummary = (overview: OperationsOverview): string => {
  const { accepted, duplicate, quarantined } = overview.totals;
  const labels = minuteLabels(overview);
  return (
    `Outcomes ${windowText(overview)}: ${number(accepted)} accepted, ${number(duplicate)} duplicate, ${number(quarantined)} quarantined; ` +
    `accepted peak ${peak(perSecond(outcomeCounts(overview, 'accepted'), overview.secondsCovered), labels)} events per second.`
  );
};

export const latencySummary = (overview: OperationsOverview): string => {
  const { latency } = overview;
  if (latency.events === 0) return `End-to-end latency ${windowText(overview)}: no events processed.`;
  return (
    `End-to-end latency ${windowText(overview)}, event received to pipeline commit, over ${number(latency.events)} events: ` +
    `p50 ${formatMs(latency.p50Ms)}, p95 ${formatMs(latency.p95Ms)}, p99 ${formatMs(latency.p99Ms)}, maximum ${formatMs(latency.maxMs)}.`
  );
};

export const pipelineSummary = (overview: OperationsOverview): string => {
  const { pipeline } = overview;
  const labels = minuteLabels(overview);
  return (
    `Pipeline ${windowText(overview)}: ${number(pipeline.processed)} events processed in ${number(pipeline.batches)} batches; ` +
    `${pipeline.eventsBehindEstimated ? 'about ' : ''}${number(pipeline.eventsBehind)} events behind now` +
    (pipeline.oldestUnprocessedAgeSeconds !== null ? `, the oldest waiting ${formatAge(pipeline.oldestUnprocessedAgeSeconds)}` : '') +
    `; backlog peak ${peak(pipeline.series.eventsBehind, labels)}.`
  );
};

const freshnessText = (f: SourceFreshness): string =>
  f.status === 'never'
    ? `${f.name} never sent an event`
    : `${f.name} ${f.status}, last event ${formatAge(f.secondsSinceLastEvent)} ago against an SLA of ${formatAge(f.slaSeconds)}`;

export const freshnessSummary = (overview: OperationsOverview): string => {
  const stale = overview.freshness.filter((f) => f.status === 'stale').length;
  return `Freshness against each source's SLA: ${stale} of ${overview.freshness.length} sources stale. ${overview.freshness.map(freshnessText).join('; ')}.`;
};
