import { Type, type TSchema } from '@sinclair/typebox';
import { AUDIENCE_ID_PATTERN, AUDIENCE_MODES, AUDIENCE_STATUSES, MAX_SCHEDULE_MINUTES, MIN_SCHEDULE_MINUTES } from './audience-resource.js';
import { FIELD_DOMAINS } from './field-catalogue.js';
import { FIELD_TYPES } from './field-types.js';
import { ATTRIBUTE_OPERATORS, ENTITY_TYPES } from './rule.js';

/*
 * Request and response schemas of /v1/audiences (separate from the domain types: what the API
 * promises may differ from how the service holds it). The rule itself is `unknown` here: the
 * audience validation reads it and reports every problem with a JSON pointer, far more precisely
 * than a JSON Schema of the recursive rule format could.
 */

const literals = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

export const EntityTypeSchema = literals(ENTITY_TYPES, { description: 'What the audience selects' });
const Mode = literals(AUDIENCE_MODES, {
  description: 'realtime (default): membership follows every event and the passing of time; scheduled: recomputed on the schedule',
});
const Status = literals(AUDIENCE_STATUSES);

export const Schedule = Type.Union(
  [
    Type.Object(
      { everyMinutes: Type.Integer({ description: `Recompute every N minutes (${MIN_SCHEDULE_MINUTES}–${MAX_SCHEDULE_MINUTES})` }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        dailyAt: Type.String({ description: 'Local time HH:MM' }),
        timeZone: Type.Optional(Type.String({ description: 'IANA time zone (default TESSERA_DEFAULT_TIMEZONE)' })),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'When a scheduled audience is recomputed' },
);

const Rule = Type.Unknown({
  description:
    "The rule: a react-querybuilder rule group extended with event, consent, audience and members conditions (docs/audiences.md). Example: { combinator: 'and', rules: [{ field: 'traits.planType', operator: '=', value: 'prepaid' }] }",
});

const draftFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  entity: EntityTypeSchema,
  rule: Rule,
  mode: Type.Optional(Mode),
  schedule: Type.Optional(Type.Union([Schedule, Type.Null()])),
  holdoutPercent: Type.Optional(
    Type.Number({ description: 'Share of members held out of activation, 0–100 with at most two decimals (default 0)' }),
  ),
};

export const CreateAudienceBody = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: AUDIENCE_ID_PATTERN,
        description: 'A slug such as aud-high-churn (lower-case letters, digits, - and _); a ULID is generated when omitted',
      }),
    ),
    ...draftFields,
  },
  { additionalProperties: false },
);

export const UpdateAudienceBody = Type.Object(
  {
    ...draftFields,
    baseVersion: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The version this edit started from; 409 CONFLICT when the audience has moved on' }),
    ),
  },
  { additionalProperties: false },
);

export const ValidateAudienceBody = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 64, description: 'The audience being edited, so that cycles through it are found' })),
    ...draftFields,
    name: Type.Optional(draftFields.name),
  },
  { additionalProperties: false },
);

export const AudienceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const VersionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), version: Type.Integer({ minimum: 1 }) });

export const ListAudiencesQuery = Type.Object({
  status: Type.Union([Status, Type.Literal('all')], { default: 'active' }),
  after: Type.Optional(Type.String({ description: 'The last id of the previous page' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

const Issue = Type.Object({ path: Type.String(), code: Type.String(), message: Type.String() });

export const AudienceResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  entity: EntityTypeSchema,
  status: Status,
  mode: Mode,
  schedule: Type.Union([Schedule, Type.Null()]),
  holdoutPercent: Type.Number(),
  version: Type.Integer({ description: 'The current definition version' }),
  createdAt: Type.String(),
  createdBy: Type.String({ description: 'The API key (id) that created it' }),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});

const Definition = Type.Object({ id: Type.String(), entity: EntityTypeSchema, rule: Type.Unknown() });

const VersionSummary = Type.Object({ version: Type.Integer(), summary: Type.String(), createdAt: Type.String(), createdBy: Type.String() });

export const AudienceDetailResponse = Type.Composite([
  AudienceResponse,
  Type.Object({
    definition: Definition,
    summary: Type.String({ description: 'The current definition in words' }),
    versions: Type.Array(VersionSummary, { description: 'Every version, oldest first' }),
  }),
]);

export const UpdatedAudienceResponse = Type.Composite([
  AudienceDetailResponse,
  Type.Object({ versionCreated: Type.Boolean({ description: 'Whether the rule changed, making a new version' }) }),
]);

export const AudienceListResponse = Type.Object({
  items: Type.Array(Type.Composite([AudienceResponse, Type.Object({ summary: Type.String() })])),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page; null on the last' }),
});

export const AudienceVersionResponse = Type.Object({
  audienceId: Type.String(),
  version: Type.Integer(),
  definition: Definition,
  summary: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
});

export const DraftCheckResponse = Type.Object({
  valid: Type.Boolean(),
  issues: Type.Array(Issue, { description: 'Every problem, each with a JSON pointer into the submitted body' }),
  summary: Type.Union([Type.String(), Type.Null()], { description: 'The rule in words, when it is valid' }),
});

const Operators = Type.Array(literals(ATTRIBUTE_OPERATORS));
const FieldTypeSchema = literals(FIELD_TYPES);

const FieldEntry = Type.Object({
  id: Type.String(),
  label: Type.String(),
  type: FieldTypeSchema,
  description: Type.Optional(Type.String()),
  values: Type.Optional(Type.Array(Type.String())),
  unit: Type.Optional(Type.String()),
  operators: Operators,
  timeDependent: Type.Boolean(),
  whenAbsent: Type.Optional(Type.Number()),
});

const DomainGroups: TSchema = Type.Array(Type.Object({ domain: literals(FIELD_DOMAINS), fields: Type.Array(FieldEntry) }));

export const FieldGuideResponse = Type.Object({
  fields: Type.Object(Object.fromEntries(ENTITY_TYPES.map((entity) => [entity, DomainGroups])), {
    description: 'Per entity type, the fields grouped by domain with their types and operators',
  }),
  events: Type.Array(
    Type.Object({
      eventType: Type.String({ description: 'source/type' }),
      description: Type.String(),
      properties: Type.Array(
        Type.Object({ path: Type.String(), type: FieldTypeSchema, values: Type.Optional(Type.Array(Type.String())), operators: Operators }),
      ),
    }),
  ),
  consent: Type.Object({ purposes: Type.Array(Type.String()), channels: Type.Array(Type.String()) }),
  combinators: Type.Array(Type.String()),
  memberQuantifiers: Type.Array(Type.String()),
  countOps: Type.Array(Type.String()),
  retainedEventDays: Type.Union([Type.Integer(), Type.Null()], {
    description: 'How far back an event window may reach; null when every event is kept',
  }),
});
