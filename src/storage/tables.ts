import type { Generated, Kysely } from 'kysely';

/**
 * Row types of every table, as Kysely sees them. Time is ISO-8601 UTC text on both backends
 * (decision 0002); JSON is text, parsed by each store's mapper.
 */
export interface ApiKeyTable {
  id: string;
  name: string;
  key_hash: string;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
}

export interface SourceTable {
  id: string;
  name: string;
  owner: string;
  description: string;
  freshness_sla_seconds: number;
  write_key_hash: string | null;
  origin: string;
  created_at: string;
  updated_at: string;
  last_event_at: string | null;
}

export interface EventTypeTable {
  source_id: string;
  event_type: string;
  description: string;
  compatibility: string;
  requires_identifier: number;
  latest_version: number;
  created_at: string;
  updated_at: string;
}

export interface SchemaVersionTable {
  source_id: string;
  event_type: string;
  version: number;
  json_schema: string;
  identifier_mappings: string;
  classifications: string;
  fingerprint: string;
  created_at: string;
}

export interface EventLogTable {
  seq: Generated<number>;
  partition: number;
  source_id: string;
  event_id: string;
  event_type: string;
  occurred_at: string;
  received_at: string;
  schema_version: number;
  payload: string;
}

export interface ConsumerCheckpointTable {
  consumer: string;
  partition: number;
  seq: number;
  updated_at: string;
}

export interface QuarantineTable {
  id: string;
  fingerprint: string;
  source_id: string | null;
  event_type: string | null;
  event_id: string | null;
  channel: string;
  reason_codes: string;
  reasons: string;
  raw: string;
  status: string;
  first_seen: string;
  last_seen: string;
  count: number;
  replayed_at: string | null;
  replay_attempts: number;
  last_replay_result: string | null;
}

export interface SourceCounterTable {
  source_id: string;
  day: string;
  outcome: string;
  reason: string;
  count: number;
}

export interface ContractDriftTable {
  source_id: string;
  event_type: string;
  path: string;
  kind: string;
  schema_version: number;
  first_seen: string;
  last_seen: string;
  count: number;
  example: string;
}

export interface BlockedIdentifierTable {
  id_type: string;
  value: string;
  reason: string;
  created_at: string;
}

export interface IdentityValueTable {
  value_key: string;
  component: string;
  first_event: string;
  first_at: string;
}

export interface IdentityEdgeTable {
  a_key: string;
  b_key: string;
  component: string;
  first_event: string;
  first_at: string;
  last_event: string;
  last_at: string;
}

export interface IdentityLineEndTable {
  value_key: string;
  at: string;
  event: string;
}

export interface IdentityRemovedLinkTable {
  link_key: string;
  reason: string;
  removed_by: string;
  removed_at: string;
}

export interface ProfileTable {
  id: string;
  created_at: string;
  updated_at: string;
  merged_into: string | null;
}

export interface IdentityNodeTable {
  node_key: string;
  value_key: string;
  id_type: string;
  id_value: string;
  epoch: number;
  valid_from: string | null;
  valid_to: string | null;
  profile_id: string;
  component: string;
  reason: string;
}

export interface IdentityFindingTable {
  id: string;
  kind: string;
  fingerprint: string;
  event: string;
  nodes: string;
  message: string;
  created_at: string;
}

export interface ProfileAccountTable {
  profile_id: string;
  account_id: string;
  role: string;
  first_at: string;
  last_at: string;
}

export interface DeviceSessionTable {
  device_id: string;
  login_at: string;
  app_user_id: string;
  logout_at: string | null;
}

export interface EventProfileTable {
  seq: number;
  value_key: string | null;
  occurred_at: string;
  profile_id: string | null;
}

export interface OutboxTable {
  id: string;
  type: string;
  subject: string;
  data: string;
  created_at: string;
}

/** How far a derived index has read its input table (decision 0008). */
export interface IndexCheckpointTable {
  name: string;
  seq: number;
  updated_at: string;
}

/** Events by anchor value and time, filled from `event_profiles` in chunks (decision 0008). */
export interface TimelineIndexTable {
  value_key: string;
  occurred_at: string;
  seq: number;
}

/** One row per person: state with lineage, aggregate states, scores (JSON text). */
/** One row per account: its folded state (src/entities/entity-state.ts). */
export interface AccountStateTable {
  account_id: string;
  organisation_id: string | null;
  state: string;
  updated_at: string;
}

/** One row per organisation (key: INN): firmographics with lineage, listed accounts. */
export interface OrganisationStateTable {
  organisation_id: string;
  state: string;
  updated_at: string;
}

export interface ProfileStateTable {
  profile_id: string;
  /** JSON: state with lineage, aggregate states, scores, time zone (src/profiles/profile-row.ts, decision 0009). */
  body: string;
  updated_at: string;
  next_change_at: string | null;
}

/** Trained, versioned model artefacts (JSON); one active per kind. */
export interface ModelTable {
  version: string;
  kind: string;
  trained_at: string;
  artefact: string;
  active: number;
}

/** One row per audience (issue 6); `current_version` points into `audience_versions`. */
export interface AudienceTable {
  /** A client-chosen slug (`aud-high-churn`) or a generated ULID. */
  id: string;
  name: string;
  description: string;
  /** person, account or organisation. */
  entity: string;
  current_version: number;
  /** active or archived. */
  status: string;
  /** realtime or scheduled. */
  mode: string;
  /** JSON of the schedule when `mode` is scheduled. */
  schedule: string | null;
  /** The holdout share in basis points: 12.5 % = 1250. */
  holdout_basis_points: number;
  created_at: string;
  /** The API key id that created it. */
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** Append-only: a stored definition and its rendering never change. */
export interface AudienceVersionTable {
  audience_id: string;
  version: number;
  /** JSON: `{ id, entity, rule }` as submitted. */
  definition: string;
  /** The definition in words, rendered when it was stored. */
  summary: string;
  created_at: string;
  created_by: string;
}

/** Current members of each audience (the pipeline's audience stage writes them). */
export interface AudienceMemberTable {
  audience_id: string;
  /** The profile, account or organisation id. */
  member_id: string;
  /** The definition version the member entered under. */
  version: number;
  entered_at: string;
  /** JSON: why the member qualifies, tied to `version`. */
  explanation: string;
  held_out: number;
  /** When passing time alone can next change the membership; null when only events can. */
  next_change_at: string | null;
}

/** Per person: retained occurrences of the event types audiences count (JSON, src/audiences/activity.ts). */
export interface AudienceActivityTable {
  profile_id: string;
  body: string;
  updated_at: string;
}

/** The event types the activity holds, complete from when, and the properties kept of them (JSON list). */
export interface AudienceTrackedEventTable {
  event_type: string;
  complete_from: string;
  properties: string;
  updated_at: string;
}

/** When passing time alone can next change one of an entity's memberships. */
export interface AudienceWakeupTable {
  entity: string;
  entity_id: string;
  wake_at: string;
}

/** Per audience: the version materialised over every entity, and a recompute's progress. */
export interface AudienceMaterialisationTable {
  audience_id: string;
  version: number;
  target_version: number;
  cursor: string | null;
  updated_at: string;
}

/** Consent that lapses with time, until the scheduler has propagated it (migration 0016, src/consent/consent-lapses.ts). */
export interface ConsentLapseTable {
  /** The consent event's chain hash: a grant with an expiry, or an `expire` that takes effect later. */
  event_hash: string;
  subject: string;
  purpose: string;
  channel: string;
  lapse_at: string;
}

/** Versions of each consent purpose (issue 7, src/consent/); append-only. */
export interface ConsentPurposeTable {
  code: string;
  version: number;
  name: string;
  description: string;
  /** JSON array of legal basis codes. */
  legal_bases: string;
  tcf_purpose_id: number | null;
  /** 1 for an advertising purpose (38-FZ Art. 18). */
  advertising: number;
  created_at: string;
  created_by: string;
}

/** Versions of each privacy notice, with the SHA-256 of the text shown; append-only. */
export interface ConsentNoticeTable {
  id: string;
  version: string;
  language: string;
  title: string;
  text_hash: string;
  url: string | null;
  /** JSON array of purpose codes. */
  purposes: string;
  published_at: string;
  created_by: string;
}

/** The append-only consent ledger, hash-chained per subject (src/consent/consent-chain.ts). */
export interface ConsentEventTable {
  subject: string;
  seq: number;
  event_id: string;
  purpose: string;
  purpose_version: number;
  channel: string;
  action: string;
  legal_basis: string;
  jurisdiction: string;
  valid_from: string;
  expires_at: string | null;
  /** JSON: collection point, channel, agent. */
  source: string;
  /** JSON: notice id and version, evidence reference. */
  proof: string;
  tcf_string: string | null;
  tcf_vendor_id: number | null;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

/** Registered consumers (channels) of issue 7 (src/policy/consumer.ts); JSON arrays as text. */
export interface ConsumerTable {
  id: string;
  name: string;
  /** campaign, app, contact_centre, nba or ad_partner. */
  kind: string;
  description: string;
  partner: string | null;
  purposes: string;
  channels: string;
  required_signals: string;
  api_key_id: string | null;
  /** active or deleted. */
  status: string;
  revision: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** Append-only Cedar policy sets (src/policy/); the highest version is in force. */
export interface PolicyVersionTable {
  version: number;
  policies: string;
  description: string;
  fingerprint: string;
  created_at: string;
  created_by: string;
}

/** The append-only disclosure log (src/policy/enforcement.ts); JSON arrays as text. */
export interface DisclosureTable {
  id: string;
  at: string;
  subject: string;
  consumer_id: string;
  exit: string;
  purpose: string;
  channel: string;
  released: string;
  redacted: string;
  consent_events: string;
  policy_version: number;
  reference: string | null;
}

/** Audience exports to consumers (issue 8.7, src/activation/); counts, released and redacted as JSON. */
export interface AudienceExportTable {
  id: string;
  audience_id: string;
  audience_version: number;
  consumer_id: string;
  purpose: string;
  channel: string;
  /** json or csv. */
  format: string;
  /** full or incremental. */
  mode: string;
  base_export_id: string | null;
  /** The ad platform whose hashing the identifiers got (google, meta), or null. */
  hashing: string | null;
  status: string;
  /** The file's path relative to the data directory. */
  file: string;
  file_sha256: string;
  counts: string;
  released: string;
  redacted: string;
  policy_version: number;
  created_at: string;
  created_by: string;
}

/** Per export: each member the consumer holds after it (add, keep) or must drop (remove), with its basis at send time. */
export interface AudienceExportMemberTable {
  export_id: string;
  member_id: string;
  op: string;
  consent_event_id: string | null;
  consent_subject: string | null;
  legal_basis: string | null;
  notice_id: string | null;
  notice_version: string | null;
  /** JSON array: every consent event the decision rested on. */
  consent_events: string;
}

/** How far a reader of the outbox has got, as (created_at, id). */
export interface ActivationCursorTable {
  name: string;
  created_at: string;
  outbox_id: string;
  updated_at: string;
}

/** A subscription of a consumer to event types, with its transport (webhook now; sse and nats later). */
export interface SubscriptionTable {
  id: string;
  consumer_id: string;
  description: string;
  /** JSON array of event types (audience.entered, …). */
  event_types: string;
  /** JSON object: { audienceIds?: string[] }. */
  filters: string;
  /** webhook (sse, nats: other transports). */
  transport: string;
  url: string | null;
  purpose: string;
  channel: string;
  /** JSON array of { secret, createdAt, expiresAt }: the signing secrets (two during a rotation). */
  secrets: string;
  /** active, disabled or deleted. */
  status: string;
  status_reason: string | null;
  revision: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** How far the delivery fan-out has followed the outbox. */
export interface DeliveryCursorTable {
  name: string;
  created_at: string;
  outbox_id: string;
  seq: number;
  updated_at: string;
}

/** Outbox ids the delivery fan-out has taken (its dedup set over the overlap window). */
export interface DeliveryFeedTable {
  outbox_id: string;
  created_at: string;
}

/** One outbox message to one subscription: queue entry and delivery record. */
export interface DeliveryTable {
  id: string;
  subscription_id: string;
  outbox_id: string;
  seq: number;
  type: string;
  subject: string;
  /** pending, delivered, dead or suppressed. */
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Data-subject requests (src/privacy/): the audit of every access and erasure request, with its result (JSON). */
export interface PrivacyRequestTable {
  id: string;
  /** access or erasure. */
  kind: string;
  subject: string;
  /** completed, not_found or purged (an access export whose subject was erased later). */
  status: string;
  profile_id: string | null;
  /** The API key id that asked, and its name. */
  requested_by: string;
  requested_by_name: string;
  requested_at: string;
  completed_at: string | null;
  result: string | null;
}

/** Tombstones of erased identifiers: SHA-256 of `type:value`, valid over the erased epoch (src/privacy/tombstones.ts). */
export interface ErasedIdentifierTable {
  id_hash: string;
  bucket: number;
  id_type: string;
  valid_from: string | null;
  valid_to: string | null;
  request_id: string;
  erased_at: string;
}

/** Events answered per UTC minute, source and outcome (src/operations/, migration 0014). */
export interface IngestMinuteTable {
  minute: string;
  source_id: string;
  outcome: string;
  count: number;
}

/** The pipeline's commits per UTC minute: batches, events, latency sum and maximum in ms (migration 0014). */
export interface PipelineMinuteTable {
  minute: string;
  batches: number;
  events: number;
  latency_sum_ms: number;
  latency_max_ms: number;
}

/** The pipeline's latency histogram per UTC minute: bucket index → count (migration 0014). */
export interface PipelineLatencyTable {
  minute: string;
  bucket: number;
  count: number;
}

export interface Tables {
  api_keys: ApiKeyTable;
  sources: SourceTable;
  event_types: EventTypeTable;
  schema_versions: SchemaVersionTable;
  event_log: EventLogTable;
  consumer_checkpoints: ConsumerCheckpointTable;
  quarantine: QuarantineTable;
  source_counters: SourceCounterTable;
  contract_drift: ContractDriftTable;
  blocked_identifiers: BlockedIdentifierTable;
  identity_values: IdentityValueTable;
  identity_edges: IdentityEdgeTable;
  identity_line_ends: IdentityLineEndTable;
  identity_removed_links: IdentityRemovedLinkTable;
  profiles: ProfileTable;
  identity_nodes: IdentityNodeTable;
  identity_findings: IdentityFindingTable;
  profile_accounts: ProfileAccountTable;
  device_sessions: DeviceSessionTable;
  event_profiles: EventProfileTable;
  timeline_index: TimelineIndexTable;
  index_checkpoints: IndexCheckpointTable;
  profile_state: ProfileStateTable;
  account_state: AccountStateTable;
  organisation_state: OrganisationStateTable;
  models: ModelTable;
  audience_activity: AudienceActivityTable;
  audience_tracked_events: AudienceTrackedEventTable;
  audience_wakeups: AudienceWakeupTable;
  audience_materialisations: AudienceMaterialisationTable;
  outbox: OutboxTable;
  audiences: AudienceTable;
  audience_versions: AudienceVersionTable;
  audience_members: AudienceMemberTable;
  consent_purposes: ConsentPurposeTable;
  consent_notices: ConsentNoticeTable;
  consent_events: ConsentEventTable;
  consent_lapses: ConsentLapseTable;
  consumers: ConsumerTable;
  policy_versions: PolicyVersionTable;
  disclosures: DisclosureTable;
  privacy_requests: PrivacyRequestTable;
  erased_identifiers: ErasedIdentifierTable;
  subscriptions: SubscriptionTable;
  delivery_cursor: DeliveryCursorTable;
  delivery_feed: DeliveryFeedTable;
  deliveries: DeliveryTable;
  audience_exports: AudienceExportTable;
  audience_export_members: AudienceExportMemberTable;
  activation_cursors: ActivationCursorTable;
  ingest_minutes: IngestMinuteTable;
  pipeline_minutes: PipelineMinuteTable;
  pipeline_latency: PipelineLatencyTable;
}

export type Db = Kysely<Tables>;
