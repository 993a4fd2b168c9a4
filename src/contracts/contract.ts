import { Type, type Static } from '@sinclair/typebox';

/** The modes of a schema registry (decision 0004 tables what each refuses). */
export const CompatibilityMode = Type.Union(
  [Type.Literal('BACKWARD'), Type.Literal('FORWARD'), Type.Literal('FULL'), Type.Literal('NONE')],
  { description: 'How a new schema version must relate to the previous one' },
);
export type CompatibilityMode = Static<typeof CompatibilityMode>;

export const IDENTIFIER_TYPE_NAMES = [
  'msisdn',
  'imsi',
  'iccid',
  'imei',
  'accountId',
  'appUserId',
  'passport',
  'email',
  'deviceId',
] as const;
export const IdentifierTypeName = Type.Union(IDENTIFIER_TYPE_NAMES.map((name) => Type.Literal(name)));
export type IdentifierTypeName = (typeof IDENTIFIER_TYPE_NAMES)[number];

export const ATTRIBUTE_CLASSES = [
  'identifier',
  'contact',
  'pii',
  'special',
  'location',
  'traffic',
  'billing',
  'behavioural',
  'derived',
  'reference',
] as const;
export const AttributeClass = Type.Union(ATTRIBUTE_CLASSES.map((name) => Type.Literal(name)));
export type AttributeClass = (typeof ATTRIBUTE_CLASSES)[number];

/** A dot-separated path inside an event's `properties`, e.g. `servedMSISDN` or `account.id`. */
export const PropertyPath = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$' });

export const SourceDeclaration = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_-]*$' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    owner: Type.String({ minLength: 1, maxLength: 200, description: 'Data steward: who answers for this source' }),
    description: Type.String({ maxLength: 2000, default: '' }),
    freshnessSlaSeconds: Type.Integer({ minimum: 1, description: 'Longest acceptable silence before the source is stale' }),
  },
  { additionalProperties: false },
);
export type SourceDeclaration = Static<typeof SourceDeclaration>;

/** One version of one event type's contract: the schema of `properties` and what its fields mean. */
export const EventTypeContract = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z][a-z0-9_]*$' }),
    description: Type.String({ maxLength: 2000, default: '' }),
    compatibility: Type.Optional(CompatibilityMode),
    requiresIdentifier: Type.Optional(
      Type.Boolean({ description: 'false for reference data keyed by its own id (tariffs, products, organisations)' }),
    ),
    schema: Type.Record(Type.String(), Type.Unknown(), {
      description: 'JSON Schema (draft 2020-12) of the event properties',
    }),
    identifierMappings: Type.Optional(Type.Record(PropertyPath, IdentifierTypeName, { description: 'property path → identifier type' })),
    classifications: Type.Optional(Type.Record(PropertyPath, AttributeClass, { description: 'property path → attribute class' })),
    examples: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'valid example properties' })),
  },
  { additionalProperties: false },
);
export type EventTypeContract = Static<typeof EventTypeContract>;

/** What a contract file in `contracts/` holds, and the shape of the built-in catalogue. */
export const SourceContract = Type.Object(
  {
    source: SourceDeclaration,
    eventTypes: Type.Array(EventTypeContract),
  },
  { additionalProperties: false },
);
export type SourceContract = Static<typeof SourceContract>;
