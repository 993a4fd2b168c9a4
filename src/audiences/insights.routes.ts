import { Type } from '@sinclair/typebox';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { AudienceInsights } from './audience-insights.js';
import { AudienceParams, EntityTypeSchema } from './audiences.schemas.js';

/*
 * Reading audiences (issue 6): preview of a draft, overlap, breakdown, members and explain. Thin:
 * the work is AudienceInsights'.
 */

const Evaluation = Type.Object(
  {
    member: Type.Boolean(),
    nextChangeAt: Type.Union([Type.Number(), Type.Null()], { description: 'When passing time alone can next change it (epoch ms)' }),
    conditions: Type.Unknown({ description: 'Every condition with its result, its text and its evidence (values, event ids, counts)' }),
    failing: Type.Unknown({ description: 'For a non-member, the first condition that failed; else null' }),
  },
  { additionalProperties: true },
);

const Member = Type.Object({
  memberId: Type.String(),
  version: Type.Integer({ description: 'The definition version the membership is held under' }),
  enteredAt: Type.String(),
  heldOut: Type.Boolean({ description: 'In the holdout: excluded from activation, reported' }),
  nextChangeAt: Type.Union([Type.String(), Type.Null()]),
});

export const registerAudienceInsightRoutes = (app: HttpServer, deps: { insights: AudienceInsights }): void => {
  const { insights } = deps;
  const read = { auth: { scope: 'audiences:read' } } as const;

  app.post(
    '/v1/audiences/preview',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary: 'Exact count and a sample of a draft rule, without saving it',
        description:
          'Every entity of the type is evaluated (nothing is sampled); the count equals what the audience would materialise now, ' +
          'including every batch the pipeline has committed. Person rules on profile fields are scanned over columns kept in memory ' +
          'and caught up with the store before each answer; other rules read the store. An invalid rule answers 400 with every problem.',
        body: Type.Object(
          {
            entity: EntityTypeSchema,
            rule: Type.Unknown({ description: 'The rule (react-querybuilder rule-group JSON, see docs/audiences.md)' }),
            sampleSize: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 20 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            entity: EntityTypeSchema,
            count: Type.Integer(),
            total: Type.Integer({ description: 'Entities of the type evaluated' }),
            sample: Type.Array(Type.String()),
            asOf: Type.String(),
            tookMs: Type.Integer(),
          }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const preview = await insights.preview(request.body, request.body.sampleSize ?? 20);
      return { ...preview, sample: [...preview.sample] };
    },
  );

  app.get(
    '/v1/audiences/overlap',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary: 'How two audiences of the same entity type overlap, counted now',
        querystring: Type.Object({ a: Type.String({ minLength: 1, maxLength: 64 }), b: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: Type.Object({
            a_id: Type.String(),
            b_id: Type.String(),
            a: Type.Integer(),
            b: Type.Integer(),
            both: Type.Integer(),
            onlyA: Type.Integer(),
            onlyB: Type.Integer(),
            either: Type.Integer(),
            asOf: Type.String(),
          }),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request) => insights.overlap(request.query.a, request.query.b),
  );

  app.get(
    '/v1/audiences/:id/breakdown',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary: 'How many entities each top-level condition keeps, alone and in turn',
        params: AudienceParams,
        response: {
          200: Type.Object({
            audienceId: Type.String(),
            version: Type.Integer(),
            total: Type.Integer(),
            count: Type.Integer(),
            conditions: Type.Array(
              Type.Object({ path: Type.String(), text: Type.String(), alone: Type.Integer(), cumulative: Type.Integer() }),
            ),
            asOf: Type.String(),
          }),
          ...errors(401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const breakdown = await insights.breakdown(request.params.id);
      return { ...breakdown, conditions: [...breakdown.conditions] };
    },
  );

  app.get(
    '/v1/audiences/:id/members',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary: 'The materialised members, in id order, with the version and time each entered and the holdout flag',
        params: AudienceParams,
        querystring: Type.Object({
          after: Type.Optional(Type.String({ description: 'The last member id of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          heldOut: Type.Optional(Type.Boolean({ description: 'Only held-out members (true) or only activated ones (false)' })),
        }),
        response: {
          200: Type.Object({
            audienceId: Type.String(),
            version: Type.Integer(),
            entity: EntityTypeSchema,
            counts: Type.Object({ members: Type.Integer(), heldOut: Type.Integer() }),
            members: Type.Array(Member),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => {
      const { audience, members, next, counts } = await insights.members(request.params.id, {
        limit: request.query.limit ?? 100,
        ...(request.query.after !== undefined ? { after: request.query.after } : {}),
        ...(request.query.heldOut !== undefined ? { heldOut: request.query.heldOut } : {}),
      });
      return {
        audienceId: audience.id,
        version: audience.version,
        entity: audience.entity,
        counts,
        members: members.map((m) => ({
          memberId: m.memberId,
          version: m.version,
          enteredAt: m.enteredAt,
          heldOut: m.heldOut,
          nextChangeAt: m.nextChangeAt,
        })),
        next,
      };
    },
  );

  app.get(
    '/v1/audiences/:id/explain/:entityId',
    {
      config: read,
      schema: {
        tags: ['audiences'],
        summary: "Why an entity is or is not a member: each condition's result with its evidence",
        description:
          'Evaluated now on the current definition. For a non-member, `evaluation.failing` is the first condition that failed. ' +
          'A merged-away profile id answers for its surviving profile (`requestedId` shows what was asked).',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), entityId: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: {
          200: Type.Object({
            audienceId: Type.String(),
            version: Type.Integer(),
            entity: EntityTypeSchema,
            memberId: Type.String(),
            requestedId: Type.String(),
            member: Type.Boolean(),
            heldOut: Type.Boolean(),
            membership: Type.Union([Type.Object({ enteredAt: Type.String(), version: Type.Integer() }), Type.Null()]),
            evaluation: Evaluation,
            asOf: Type.String(),
          }),
          ...errors(401, 403, 404, 409),
        },
      },
    },
    async (request) => insights.explain(request.params.id, request.params.entityId),
  );
};
