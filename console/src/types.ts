/** The shapes of the API answers the console reads (the reference is the OpenAPI document at /docs). */

export interface EventRef {
  readonly seq: number;
  readonly sourceId?: string;
  readonly eventId: string;
  readonly type: string;
  readonly at: string;
}

export interface LinkReason {
  readonly rule: string;
  readonly event?: EventRef;
  readonly edge?: readonly [string, string];
}

export interface IdentityNode {
  readonly type: string;
  readonly value: string;
  readonly epoch: number;
  readonly validFrom: string | null;
  readonly validTo: string | null;
  readonly reason: LinkReason | null;
}

export interface LookupAnswer {
  readonly profileId: string;
  readonly node: IdentityNode;
}

export interface AccountRelation {
  readonly accountId: string;
  readonly role: string;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly organisation?: string | null;
}

export interface Lineage {
  readonly source: string;
  readonly priority: number;
  readonly rule: string;
  readonly event: EventRef;
}

export interface Aggregate {
  readonly label: string;
  readonly unit: string;
  readonly windows: Record<string, number | null>;
  /** The last 30 local days, oldest first (absent when the policy withholds them). */
  readonly daily?: readonly { readonly d: string; readonly v: number | string | boolean | null }[];
}

export interface Scores {
  readonly churn: {
    readonly probability: number;
    readonly band: 'low' | 'medium' | 'high';
    readonly reasons: readonly { readonly feature: string; readonly text: string; readonly contribution: number }[];
    readonly model: string;
  };
  readonly lifetimeValue: {
    readonly value: number;
    readonly currency: string;
    readonly monthlyMargin: number;
    readonly expectedLifetimeMonths: number;
  };
  readonly at: string;
}

export interface Profile {
  readonly profileId: string;
  readonly requestedId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly timeZone: string | null;
  readonly traits: Record<string, unknown>;
  readonly openCases: readonly Record<string, unknown>[];
  readonly brokenPromises: number;
  readonly lastInteraction: Record<string, string>;
  readonly activity: { readonly firstEventAt: string | null; readonly lastEventAt: string | null; readonly events: number };
  readonly aggregates: Record<string, Aggregate>;
  readonly scores: Scores | null;
  readonly accounts: readonly AccountRelation[];
  readonly lineage?: Record<string, Lineage>;
}

export interface IdentityAnswer {
  readonly profileId: string;
  readonly mergedInto: string | null;
  readonly createdAt: string;
  readonly identifiers: readonly IdentityNode[];
  readonly accounts: readonly AccountRelation[];
}

export interface TimelineEvent {
  readonly seq: number;
  readonly source: string;
  readonly type: string;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly identifiers: Record<string, string>;
  readonly properties: Record<string, unknown>;
}

export interface TimelineAnswer {
  readonly profileId: string;
  readonly events: readonly TimelineEvent[];
  readonly next: number | null;
}

export type EntityType = 'person' | 'account' | 'organisation';
export type FieldType = 'string' | 'enum' | 'number' | 'boolean' | 'date';

export interface CatalogueField {
  readonly id: string;
  readonly label: string;
  readonly type: FieldType;
  readonly operators: readonly string[];
  readonly values?: readonly string[];
  readonly unit?: string;
  readonly description?: string;
  readonly timeDependent: boolean;
}

export interface FieldGuide {
  readonly fields: Record<EntityType, readonly { readonly domain: string; readonly fields: readonly CatalogueField[] }[]>;
  readonly events: readonly {
    readonly eventType: string;
    readonly description?: string;
    readonly properties: readonly {
      readonly path: string;
      readonly type: FieldType;
      readonly values?: readonly string[];
      readonly operators: readonly string[];
    }[];
  }[];
  readonly consent: { readonly purposes: readonly string[]; readonly channels: readonly string[] };
  readonly combinators: readonly string[];
  readonly memberQuantifiers: readonly string[];
  readonly countOps: readonly string[];
  readonly retainedEventDays: number | null;
}

export interface Schedule {
  readonly everyMinutes?: number;
  readonly dailyAt?: string;
  readonly timeZone?: string;
}

export interface AudienceSummary {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly entity: EntityType;
  readonly status: string;
  readonly mode: 'realtime' | 'scheduled';
  readonly schedule: Schedule | null;
  readonly holdoutPercent: number;
  readonly version: number;
  readonly updatedAt: string;
  readonly summary: string;
}

export interface AudienceDetail extends AudienceSummary {
  readonly definition: { readonly id: string; readonly entity: EntityType; readonly rule: TesseraGroup };
  readonly versions: readonly {
    readonly version: number;
    readonly summary: string;
    readonly createdAt: string;
    readonly createdBy: string;
  }[];
}

export interface Issue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

export interface PreviewAnswer {
  readonly entity: EntityType;
  readonly count: number;
  readonly total: number;
  readonly sample: readonly string[];
  readonly asOf: string;
  readonly tookMs: number;
}

export interface ValidateAnswer {
  readonly valid: boolean;
  readonly issues: readonly Issue[];
  readonly summary: string | null;
}

export interface Breakdown {
  readonly audienceId: string;
  readonly version: number;
  readonly total: number;
  readonly count: number;
  readonly conditions: readonly { readonly path: string; readonly text: string; readonly alone: number; readonly cumulative: number }[];
}

export interface Overlap {
  readonly a: number;
  readonly b: number;
  readonly both: number;
  readonly onlyA: number;
  readonly onlyB: number;
  readonly either: number;
}

export interface ConditionResult {
  readonly path: string;
  readonly kind: string;
  readonly text: string;
  readonly result: boolean;
  readonly evidence?: Record<string, unknown>;
  readonly children?: readonly ConditionResult[];
}

export interface ExplainAnswer {
  readonly audienceId: string;
  readonly version: number;
  readonly member: boolean;
  readonly heldOut: boolean;
  readonly membership: { readonly version: number; readonly enteredAt: string } | null;
  readonly evaluation: { readonly member: boolean; readonly conditions: ConditionResult; readonly failing: ConditionResult | null };
}

/** Tessera's rule format (docs/audiences.md): react-querybuilder's, with reserved fields. */
export interface TesseraGroup {
  readonly combinator: string;
  readonly not?: boolean;
  readonly members?: string;
  readonly disabled?: boolean;
  readonly rules: readonly (TesseraGroup | TesseraRule)[];
}

export interface TesseraRule {
  readonly field: string;
  readonly operator: string;
  readonly value?: unknown;
  readonly disabled?: boolean;
  readonly [key: string]: unknown;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

/* Consent (GET /v1/purposes, /v1/notices, /v1/consents/{subject}) and policy consumers. */

export interface Purpose {
  readonly code: string;
  readonly version: number;
  readonly name: string;
  readonly description: string;
  readonly legalBases: readonly string[];
  readonly tcfPurposeId: number | null;
  readonly advertising: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface Notice {
  readonly id: string;
  readonly version: string;
  readonly language: string;
  readonly title: string;
  readonly textHash: string;
  readonly url: string | null;
  readonly purposes: readonly string[];
  readonly publishedAt: string;
  readonly createdBy: string;
}

export interface Consumer {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly description: string;
  readonly partner: string | null;
  readonly purposes: readonly string[];
  readonly channels: readonly string[];
  readonly requiredSignals: readonly string[];
  readonly apiKeyId: string | null;
  readonly status: 'active' | 'deleted';
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ConsentEvent {
  readonly eventId: string;
  readonly subject: string;
  readonly seq: number;
  readonly purpose: string;
  readonly purposeVersion: number;
  readonly channel: string;
  readonly action: 'grant' | 'deny' | 'withdraw' | 'expire';
  readonly legalBasis: string;
  readonly jurisdiction: string;
  readonly validFrom: string;
  readonly expiresAt: string | null;
  readonly source: { readonly collectionPoint: string; readonly channel: string | null; readonly agent: string | null };
  readonly proof: { readonly noticeId: string | null; readonly noticeVersion: string | null; readonly evidenceRef: string | null };
  readonly tcfString: string | null;
  readonly tcfVendorId: number | null;
  readonly recordedAt: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ConsentDecision {
  readonly purpose: string;
  readonly channel: string;
  readonly at: string;
  readonly status: 'granted' | 'denied' | 'withdrawn' | 'expired' | 'none';
  readonly valid: boolean;
  readonly reason: string;
  readonly eventId: string | null;
  readonly seq: number | null;
  readonly legalBasis: string | null;
  readonly validFrom: string | null;
  readonly expiresAt: string | null;
}

export interface SubjectConsent {
  readonly subject: string;
  readonly asOf: string;
  readonly consents: readonly ConsentDecision[];
  readonly history: readonly ConsentEvent[];
  readonly chain: {
    readonly valid: boolean;
    readonly length: number;
    readonly head?: string;
    readonly brokenAt?: number;
    readonly reason?: string;
    readonly message?: string;
  };
}

export interface LegalBasisReport {
  readonly kind: string;
  readonly id: string;
  readonly audienceId: string;
  readonly audienceVersion: number;
  readonly consumer: { readonly id: string; readonly name: string; readonly kind: string };
  readonly purpose: string;
  readonly channel: string;
  readonly sentAt: string;
  readonly policyVersion: number;
  readonly legalBases: Record<string, number>;
  readonly recipientCount: number;
  readonly removedCount: number;
  readonly excluded: { readonly heldOut: number; readonly denied: number; readonly deniedBy: Record<string, number> };
  readonly recipients: readonly {
    readonly profileId: string;
    readonly op: 'add' | 'keep';
    readonly consentEvent: {
      readonly eventId: string;
      readonly subject: string;
      readonly action: string;
      readonly legalBasis: string;
      readonly jurisdiction: string;
      readonly validFrom: string;
      readonly expiresAt: string | null;
      readonly recordedAt: string;
      readonly hash: string;
      readonly evidenceRef: string | null;
      readonly noticeId: string | null;
      readonly noticeVersion: string | null;
    } | null;
    readonly notice: {
      readonly id: string;
      readonly version: string;
      readonly language: string;
      readonly title: string;
      readonly url: string | null;
    } | null;
    readonly consentEvents: readonly string[];
  }[];
  readonly lackingValidBasis: readonly { readonly profileId: string; readonly reason: string }[];
  readonly allRecipientsHadValidBasis: boolean;
  readonly statement: string;
  readonly next: string | null;
}

/* Subscriptions and deliveries (GET /v1/subscriptions, /v1/subscriptions/{id}/deliveries). */

export interface Subscription {
  readonly id: string;
  readonly consumerId: string;
  readonly description: string;
  readonly eventTypes: readonly string[];
  readonly filters: { readonly audienceIds?: readonly string[] };
  readonly transport: string;
  readonly url: string | null;
  readonly purpose: string;
  readonly channel: string;
  readonly secrets: readonly { readonly createdAt: string; readonly expiresAt: string | null }[];
  readonly status: 'active' | 'disabled' | 'deleted';
  readonly statusReason: string | null;
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'suppressed';

export interface Delivery {
  readonly id: string;
  readonly subscriptionId: string;
  readonly messageId: string;
  readonly seq: number;
  readonly type: string;
  readonly subject: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One record of the disclosure log (GET /v1/disclosures). */
export interface Disclosure {
  readonly id: string;
  readonly at: string;
  readonly subject: string;
  readonly consumerId: string;
  readonly exit: 'profile_read' | 'audience_export' | 'delivery' | 'campaign_send';
  readonly purpose: string;
  readonly channel: string;
  readonly released: readonly string[];
  readonly redacted: readonly string[];
  readonly consentEvents: readonly string[];
  readonly policyVersion: number;
  readonly reference: string | null;
}
