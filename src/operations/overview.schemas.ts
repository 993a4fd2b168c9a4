import { Type, type Static } from '@sinclair/typebox';

const Count = Type.Integer({ minimum: 0 });
const Ms = Type.Union([Type.Number(), Type.Null()]);
const Counts = Type.Object({ accepted: Count, duplicate: Count, quarantined: Count });

export const OverviewQuery = Type.Object({
  minutes: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 15,
    description: 'Length of the window in minutes, the current one included',
  }),
});
export type OverviewQuery = Static<typeof OverviewQuery>;

export const OverviewResponse = Type.Object({
  generatedAt: Type.String(),
  windowMinutes: Type.Integer(),
  minutes: Type.Array(Type.String(), { description: 'Start of each minute (UTC), oldest first; the last is the current, partial minute' }),
  secondsCovered: Type.Array(Type.Integer(), { description: 'Seconds each minute covers: 60, and the seconds gone of the current one' }),
  totals: Type.Object({
    accepted: Count,
    duplicate: Count,
    quarantined: Count,
    eventsPerSecond: Type.Number({ description: 'Every outcome, over the previous full minute and the current one' }),
  }),
  sources: Type.Array(
    Type.Object({
      sourceId: Type.String(),
      name: Type.String(),
      totals: Counts,
      eventsPerSecond: Type.Number(),
      series: Type.Object({ accepted: Type.Array(Count), duplicate: Type.Array(Count), quarantined: Type.Array(Count) }),
    }),
    { description: 'Ingestion answers per minute; an event quarantined for several reasons counts once per reason' },
  ),
  pipeline: Type.Object({
    checkpointSeq: Type.Integer(),
    checkpointUpdatedAt: Type.Union([Type.String(), Type.Null()]),
    lastSeq: Type.Integer(),
    eventsBehind: Type.Integer({ description: 'Events in the log after the pipeline checkpoint' }),
    eventsBehindEstimated: Type.Boolean({
      description:
        'True past 10,000 events: then the backlog is the difference of sequence numbers (exact on SQLite, an upper bound on PostgreSQL)',
    }),
    oldestUnprocessedReceivedAt: Type.Union([Type.String(), Type.Null()]),
    oldestUnprocessedAgeSeconds: Type.Union([Type.Integer(), Type.Null()]),
    processed: Count,
    batches: Count,
    series: Type.Object({
      processed: Type.Array(Count),
      eventsBehind: Type.Array(Count, { description: 'Backlog at the end of each minute, derived from the counts; the last is measured' }),
    }),
  }),
  latency: Type.Object(
    {
      events: Count,
      p50Ms: Ms,
      p95Ms: Ms,
      p99Ms: Ms,
      maxMs: Ms,
      meanMs: Ms,
      series: Type.Object({
        events: Type.Array(Count),
        p50Ms: Type.Array(Ms),
        p95Ms: Type.Array(Ms),
        p99Ms: Type.Array(Ms),
        maxMs: Type.Array(Ms),
      }),
    },
    { description: 'Event received → pipeline batch committed, in ms; percentiles from logarithmic buckets (within about 5%)' },
  ),
  freshness: Type.Array(
    Type.Object({
      sourceId: Type.String(),
      name: Type.String(),
      slaSeconds: Type.Integer(),
      lastEventAt: Type.Union([Type.String(), Type.Null()]),
      secondsSinceLastEvent: Type.Union([Type.Integer(), Type.Null()]),
      slaUsed: Type.Union([Type.Number(), Type.Null()]),
      status: Type.Union([Type.Literal('fresh'), Type.Literal('stale'), Type.Literal('never')]),
    }),
  ),
});
export type OverviewResponse = Static<typeof OverviewResponse>;
