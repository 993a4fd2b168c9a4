/** The shapes of the sources, contracts and quarantine answers this page reads (reference: /docs). */

export type Compatibility = 'BACKWARD' | 'FORWARD' | 'FULL' | 'NONE';
export const COMPATIBILITY_MODES: readonly Compatibility[] = ['BACKWARD', 'FORWARD', 'FULL', 'NONE'];

/** Copied from the overview (not imported), so the two pages can change apart. */
export interface SourceSummary {
  readonly id: string;
  readonly name: string;
  readonly owner: string;
  readonly description: string;
  readonly freshnessSlaSeconds: number;
  readonly origin: string;
  readonly lastEventAt: string | null;
  readonly freshness: { readonly status: 'fresh' | 'stale' | 'never'; readonly secondsSinceLastEvent: number | null };
  readonly eventTypes: readonly {
    readonly type: string;
    readonly compatibility: Compatibility;
    readonly latestVersion: number;
    readonly description: string;
  }[];
}

export interface SchemaVersion {
  readonly version: number;
  readonly schema: Record<string, unknown>;
  readonly identifierMappings: Record<string, string>;
  readonly classifications: Record<string, string>;
  readonly createdAt: string;
}

export interface EventTypeSchemas {
  readonly type: string;
  readonly description: string;
  readonly compatibility: Compatibility;
  readonly latestVersion: number;
  readonly versions: readonly SchemaVersion[];
}

/** One classified structural change between two schema versions (src/contracts/schema-compat.ts). */
export interface SchemaChange {
  readonly path: string;
  readonly change: string;
  readonly message: string;
  readonly breaks: readonly ('BACKWARD' | 'FORWARD')[];
}

export interface DriftSignal {
  readonly sourceId: string;
  readonly type: string;
  readonly path: string;
  readonly kind: 'undeclared_field' | 'type_mismatch';
  readonly schemaVersion: number;
  readonly count: number;
  readonly example: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface SourceStats {
  readonly totals: { readonly accepted: number; readonly duplicate: number; readonly quarantined: number };
  readonly quarantinedByReason: Record<string, number>;
  readonly openQuarantine: number;
  readonly drift: readonly DriftSignal[];
}

export interface Reason {
  readonly code: string;
  readonly message: string;
  readonly path?: string;
  readonly keyword?: string;
}

export const REASON_CODES = [
  'MALFORMED_JSON',
  'INVALID_ENVELOPE',
  'UNKNOWN_SOURCE',
  'UNKNOWN_EVENT_TYPE',
  'UNKNOWN_SCHEMA_VERSION',
  'SCHEMA_VIOLATION',
  'UNKNOWN_IDENTIFIER_TYPE',
  'INVALID_IDENTIFIER',
  'PLACEHOLDER_IDENTIFIER',
  'BLOCKED_IDENTIFIER',
  'IDENTIFIER_CONFLICT',
  'NO_IDENTIFIER',
] as const;

export interface QuarantineEntry {
  readonly id: string;
  readonly sourceId: string | null;
  readonly type: string | null;
  readonly eventId: string | null;
  readonly channel: string;
  readonly reasons: readonly Reason[];
  readonly raw: string;
  readonly status: 'open' | 'replayed';
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
  readonly replayedAt: string | null;
  readonly replayAttempts: number;
  /** The last replay's answer; a correction is kept in it with its own reasons. */
  readonly lastReplayResult: {
    readonly status?: string;
    readonly reasons?: readonly Reason[];
    readonly correctedEvent?: Record<string, unknown>;
  } | null;
}

export interface ReplayReport {
  readonly selected: number;
  readonly accepted: number;
  readonly duplicate: number;
  readonly stillQuarantined: number;
  readonly items: readonly {
    readonly quarantineId: string;
    readonly status: 'accepted' | 'duplicate' | 'quarantined';
    readonly seq?: number;
    readonly reasons?: readonly Reason[];
  }[];
}
