import { Type } from '@sinclair/typebox';
import type { EventLog } from '../bus/index.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { identityStore } from '../identity/identity.store.js';
import type { Db } from '../storage/index.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { ProfileStage } from './profile-stage.js';
import { profileDocument, survivorOf } from './profile-document.js';
import { profilesStore } from './profiles.store.js';
import type { TimelineIndexer } from './timeline-index.js';

/**
 * The exit a profile read passes (the policy layer, issue 7): for a consumer's key, the profile as
 * the consumer may see it for the purpose and channel, and what was disclosed; undefined for a key
 * that belongs to no consumer (an operator's), which reads the whole profile.
 */
export type ProfileExit = (
  apiKeyId: string | undefined,
  profileId: string,
  profile: Record<string, unknown>,
  asked: { readonly purpose?: string | undefined; readonly channel?: string | undefined },
) => Promise<{ readonly profile: Record<string, unknown>; readonly disclosure: unknown } | undefined>;

export const registerProfileRoutes = (
  app: HttpServer,
  deps: {
    db: Db;
    eventLog: EventLog;
    profiles: ProfileStage;
    timeline: TimelineIndexer;
    clock: Clock;
    defaultTimeZone: string;
    exit?: ProfileExit;
  },
): void => {
  app.get(
    '/v1/profiles/:id',
    {
      config: { auth: { scope: 'profiles:read' } },
      schema: {
        tags: ['profiles'],
        summary: "A person's unified profile: current state, rolling aggregates, scores, accounts",
        description:
          'A merged-away id answers with the surviving profile (`requestedId` shows what was asked). ' +
          'With `explain=true`, every trait carries its lineage: the source, event and rule that set it. ' +
          "A consumer's key (see /v1/consumers) names the `purpose` and `channel` of the read (either may be left out when " +
          "the consumer has only one) and receives only the attributes the policy releases for them given the subject's " +
          'consent; the answer then carries `disclosure` (released and redacted attributes with the deciding rules, the ' +
          'consent events used, the policy version), and the read is written to the disclosure log.',
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object({
          explain: Type.Optional(Type.Boolean({ default: false })),
          purpose: Type.Optional(Type.String({ maxLength: 64, description: "A consumer's purpose for the read" })),
          channel: Type.Optional(Type.String({ maxLength: 80, description: "A consumer's channel for the read" })),
        }),
        response: {
          200: Type.Object({
            profileId: Type.String(),
            requestedId: Type.String(),
            createdAt: Type.String(),
            updatedAt: Type.Union([Type.String(), Type.Null()]),
            // Absent only for a consumer the policy does not release them to (see `disclosure`).
            timeZone: Type.Optional(Type.String()),
            traits: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            openCases: Type.Optional(Type.Array(Type.Unknown())),
            brokenPromises: Type.Optional(Type.Integer()),
            lastInteraction: Type.Optional(Type.Record(Type.String(), Type.String())),
            activity: Type.Optional(
              Type.Object({
                firstEventAt: Type.Union([Type.String(), Type.Null()]),
                lastEventAt: Type.Union([Type.String(), Type.Null()]),
                events: Type.Integer(),
              }),
            ),
            aggregates: Type.Optional(
              Type.Record(
                Type.String(),
                Type.Object({
                  label: Type.String(),
                  unit: Type.String(),
                  windows: Type.Record(Type.String(), Type.Unknown()),
                  daily: Type.Optional(
                    Type.Array(Type.Object({ d: Type.String(), v: Type.Unknown() }), {
                      description: 'The last 30 local days, oldest first: each day as a window of that day alone',
                    }),
                  ),
                }),
              ),
            ),
            scores: Type.Optional(Type.Union([Type.Unknown(), Type.Null()])),
            accounts: Type.Optional(
              Type.Array(
                Type.Object({
                  accountId: Type.String(),
                  role: Type.String(),
                  firstAt: Type.String(),
                  lastAt: Type.String(),
                  organisation: Type.Union([
                    Type.Object({ organisationId: Type.String(), name: Type.Union([Type.String(), Type.Null()]) }),
                    Type.Null(),
                  ]),
                }),
              ),
            ),
            lineage: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            disclosure: Type.Optional(
              Type.Unknown({ description: "For a consumer's read: what the policy released and redacted, and why" }),
            ),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => {
      const survivor = await survivorOf(deps.db, request.params.id);
      if (!survivor) throw new AppError('NOT_FOUND', `profile '${request.params.id}' not found`);
      const document = await profileDocument(deps.db, deps, survivor, deps.clock.now(), { lineage: request.query.explain === true });
      const profile = { ...document, requestedId: request.params.id };
      const principal = request.principal;
      const exited = await deps.exit?.(principal?.kind === 'api-key' ? principal.keyId : undefined, survivor.id, profile, {
        purpose: request.query.purpose,
        channel: request.query.channel,
      });
      // The projection keeps the envelope and drops what the policy redacts: a subset of the same shape.
      return exited ? ({ ...exited.profile, disclosure: exited.disclosure } as unknown as typeof profile) : profile;
    },
  );

  app.get(
    '/v1/profiles/:id/timeline',
    {
      config: { auth: { scope: 'profiles:read' } },
      schema: {
        tags: ['profiles'],
        summary: "A profile's events, newest first, paged and filterable by type",
        description:
          "Events are found through the profile's identifiers within their validity, so a recycled number shows only this holder's events. " +
          'Page with `before` = the `next` of the previous page.',
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          before: Type.Optional(Type.Integer({ minimum: 1, description: 'Only events logged before this sequence number' })),
          types: Type.Optional(Type.String({ description: 'Comma-separated `source/type` or `type` names' })),
        }),
        response: {
          200: Type.Object({
            profileId: Type.String(),
            events: Type.Array(
              Type.Object({
                seq: Type.Integer(),
                source: Type.String(),
                type: Type.String(),
                eventId: Type.String(),
                occurredAt: Type.String(),
                identifiers: Type.Record(Type.String(), Type.String()),
                properties: Type.Record(Type.String(), Type.Unknown()),
              }),
            ),
            next: Type.Union([Type.Integer(), Type.Null()]),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => {
      const survivor = await survivorOf(deps.db, request.params.id);
      if (!survivor) throw new AppError('NOT_FOUND', `profile '${request.params.id}' not found`);
      const limit = request.query.limit ?? 50;
      const types = request.query.types
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const nodes = await identityStore.nodesOfProfile(deps.db, survivor.id);
      const indexedUpTo = await deps.timeline.checkpoint(deps.db);
      const events = [];
      let before = request.query.before;
      let exhausted = false;
      // Type filters apply after the index; read pages until the page is full or the events run out.
      while (events.length < limit && !exhausted) {
        const seqs = await profilesStore.timelineSeqs(deps.db, nodes, { ...(before ? { before } : {}), limit: limit * 2, indexedUpTo });
        exhausted = seqs.length < limit * 2;
        if (seqs.length === 0) break;
        before = seqs.at(-1);
        for (const e of await deps.eventLog.bySeq(deps.db, seqs)) {
          if (types && !types.includes(e.type) && !types.includes(`${e.sourceId}/${e.type}`)) continue;
          if (events.length < limit) events.push(e);
        }
      }
      return {
        profileId: survivor.id,
        events: events.map((e) => ({
          seq: e.seq,
          source: e.sourceId,
          type: e.type,
          eventId: e.eventId,
          occurredAt: e.occurredAt,
          identifiers: e.payload.identifiers,
          properties: e.payload.properties as Record<string, unknown>,
        })),
        next: events.length === limit ? (events.at(-1)?.seq ?? null) : null,
      };
    },
  );
};
