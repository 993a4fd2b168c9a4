/** The answer of `GET /v1/operations/overview` (src/operations/overview.schemas.ts on the server). */
export interface OutcomeCounts {
  readonly accepted: number;
  readonly duplicate: number;
  readonly quarantined: number;
}

export type Outcome = keyof OutcomeCounts;
export const OUTCOMES: readonly Outcome[] = ['accepted', 'duplicate', 'quarantined'];

export interface SourceActivity {
  readonly sourceId: string;
  readonly name: string;
  readonly totals: OutcomeCounts;
  readonly eventsPerSecond: number;
  readonly series: { readonly accepted: readonly number[]; readonly duplicate: readonly number[]; readonly quarantined: readonly number[] };
}

export interface SourceFreshness {
  readonly sourceId: string;
  readonly name: string;
  readonly slaSeconds: number;
  readonly lastEventAt: string | null;
  readonly secondsSinceLastEvent: number | null;
  readonly slaUsed: number | null;
  readonly status: 'fresh' | 'stale' | 'never';
}

type Ms = number | null;

export interface OperationsOverview {
  readonly generatedAt: string;
  readonly windowMinutes: number;
  readonly minutes: readonly string[];
  readonly secondsCovered: readonly number[];
  readonly totals: OutcomeCounts & { readonly eventsPerSecond: number };
  readonly sources: readonly SourceActivity[];
  readonly pipeline: {
    readonly checkpointSeq: number;
    readonly checkpointUpdatedAt: string | null;
    readonly lastSeq: number;
    readonly eventsBehind: number;
    readonly eventsBehindEstimated: boolean;
    readonly oldestUnprocessedReceivedAt: string | null;
    readonly oldestUnprocessedAgeSeconds: number | null;
    readonly processed: number;
    readonly batches: number;
    readonly series: { readonly processed: readonly number[]; readonly eventsBehind: readonly number[] };
  };
  readonly latency: {
    readonly events: number;
    readonly p50Ms: Ms;
    readonly p95Ms: Ms;
    readonly p99Ms: Ms;
    readonly maxMs: Ms;
    readonly meanMs: Ms;
    readonly series: {
      readonly events: readonly number[];
      readonly p50Ms: readonly Ms[];
      readonly p95Ms: readonly Ms[];
      readonly p99Ms: readonly Ms[];
      readonly maxMs: readonly Ms[];
    };
  };
  readonly freshness: readonly SourceFreshness[];
}
