import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../storage/index.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { ConsentDecision } from './consent-state.js';
import {
  DefinedPurposeResponse,
  NoticeBody,
  NoticeListQuery,
  NoticeListResponse,
  PublishedNoticeResponse,
  PurposeBody,
  PurposeListResponse,
  ProfileConsentResponse,
  PurposeParams,
  RecordConsentsBody,
  RecordConsentsResponse,
  SubjectConsentResponse,
  SubjectParams,
  SubjectQuery,
} from './consent.schemas.js';
import type { ConsentService } from './consent.service.js';
import { personConsent } from './profile-consent.js';

/** Who made a change: the API key's id (write keys never reach these routes). */
const actorOf = (request: FastifyRequest): string => (request.principal?.kind === 'api-key' ? request.principal.keyId : 'unknown');

/** A decision with its decisive event reduced to what a reader needs; the full event is in the history. */
const presentDecision = (decision: ConsentDecision) => ({
  purpose: decision.purpose,
  channel: decision.channel,
  at: decision.at,
  status: decision.status,
  valid: decision.valid,
  reason: decision.reason,
  eventId: decision.event?.eventId ?? null,
  seq: decision.event?.seq ?? null,
  legalBasis: decision.event?.legalBasis ?? null,
  validFrom: decision.event?.validFrom ?? null,
  expiresAt: decision.event?.expiresAt ?? null,
});

export const registerConsentRoutes = (
  app: HttpServer,
  deps: {
    readonly consent: ConsentService;
    readonly db: Db;
    readonly clock: Clock;
    /** The surviving profile of an id (merges chain), from the profiles domain. */
    readonly survivorOf: (db: Db, id: string) => Promise<{ readonly id: string } | undefined>;
  },
): void => {
  const { consent } = deps;
  const read = { auth: { scope: 'consent:read' } } as const;
  const write = { auth: { scope: 'consent:write' } } as const;

  app.post(
    '/v1/consents',
    {
      config: write,
      schema: {
        tags: ['consent'],
        summary: 'Record consent decisions (grant, deny, withdraw, expire), appended to each subject’s hash chain',
        description:
          'All or nothing: 400 VALIDATION_FAILED lists every problem with the JSON pointer of its field (an unregistered purpose, a legal basis the purpose does not allow, an unknown notice…). ' +
          'Idempotent by `eventId`: the same decision again answers `duplicate`; another decision under a used id is 409 CONFLICT.',
        body: RecordConsentsBody,
        response: { 200: RecordConsentsResponse, ...errors(400, 401, 403, 409, 413) },
      },
    },
    async (request) => ({ results: await consent.record(request.body.events, actorOf(request)) }),
  );

  app.get(
    '/v1/consents/:subject',
    {
      config: read,
      schema: {
        tags: ['consent'],
        summary: 'A subject’s consent now or at a past time (`asOf`), its whole history and whether its hash chain holds',
        description:
          'The subject is profile:<id> or <identifier type>:<value> (URL-encode the value: msisdn:%2B79161234567). A purpose and channel with no record are denied; ' +
          'give `purpose` and `channel` for the decision about one of them.',
        params: SubjectParams,
        querystring: SubjectQuery,
        response: { 200: SubjectConsentResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { asOf, purpose, channel } = request.query;
      const answer = await consent.subjectConsent(request.params.subject, {
        ...(asOf !== undefined ? { asOf } : {}),
        ...(purpose !== undefined ? { purpose } : {}),
        ...(channel !== undefined ? { channel } : {}),
      });
      return {
        subject: answer.subject,
        asOf: answer.asOf,
        consents: answer.consents.map(presentDecision),
        ...(answer.decision ? { decision: presentDecision(answer.decision) } : {}),
        history: answer.history,
        chain: answer.chain,
      };
    },
  );

  app.get(
    '/v1/profiles/:id/consents',
    {
      config: read,
      schema: {
        tags: ['consent'],
        summary: 'A person’s consent now, over every subject it is known under (the profile and its current identifiers)',
        params: Type.Object({ id: Type.String() }),
        response: { 200: ProfileConsentResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const survivor = await deps.survivorOf(deps.db, request.params.id);
      if (!survivor) throw new AppError('NOT_FOUND', `profile '${request.params.id}' not found`);
      const now = deps.clock.now();
      const answer = await personConsent(deps.db, consent, survivor.id, now);
      return {
        profileId: survivor.id,
        asOf: now.toISOString(),
        subjects: [...answer.subjects],
        consents: answer.consents.map((d) => ({ ...presentDecision(d), subject: d.event?.subject ?? null })),
      };
    },
  );

  app.post(
    '/v1/purposes',
    {
      config: write,
      schema: {
        tags: ['consent'],
        summary: 'Register a purpose, or its next version when it changes',
        description: 'The same submission as the current version answers 200 with `created: false`; a new purpose or a change answers 201.',
        body: PurposeBody,
        response: { 200: DefinedPurposeResponse, 201: DefinedPurposeResponse, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { purpose, created } = await consent.definePurpose(request.body, actorOf(request));
      void reply.status(created ? 201 : 200);
      return { ...purpose, legalBases: [...purpose.legalBases], created };
    },
  );

  app.get(
    '/v1/purposes',
    {
      config: read,
      schema: {
        tags: ['consent'],
        summary: 'Registered purposes, each at its current version',
        response: { 200: PurposeListResponse, ...errors(401, 403) },
      },
    },
    async () => ({ items: (await consent.purposes()).map((p) => ({ ...p, legalBases: [...p.legalBases] })) }),
  );

  app.get(
    '/v1/purposes/:code',
    {
      config: read,
      schema: {
        tags: ['consent'],
        summary: 'Every version of one purpose, oldest first',
        params: PurposeParams,
        response: { 200: PurposeListResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      items: (await consent.purposeVersions(request.params.code)).map((p) => ({ ...p, legalBases: [...p.legalBases] })),
    }),
  );

  app.post(
    '/v1/notices',
    {
      config: write,
      schema: {
        tags: ['consent'],
        summary: 'Publish a version of a privacy notice (its text is kept as a SHA-256 hash)',
        description:
          'Give `text` (hashed here) or `textHash`. The same version with the same text answers 200 with `created: false`; with another text, 409 CONFLICT.',
        body: NoticeBody,
        response: { 200: PublishedNoticeResponse, 201: PublishedNoticeResponse, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { notice, created } = await consent.publishNotice(request.body, actorOf(request));
      void reply.status(created ? 201 : 200);
      return { ...notice, purposes: [...notice.purposes], created };
    },
  );

  app.get(
    '/v1/notices',
    {
      config: read,
      schema: {
        tags: ['consent'],
        summary: 'Published notices and their versions (filter by `id`)',
        querystring: NoticeListQuery,
        response: { 200: NoticeListResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => ({ items: (await consent.notices(request.query.id)).map((n) => ({ ...n, purposes: [...n.purposes] })) }),
  );
};
