import { createReadStream } from 'node:fs';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { hasScope } from '../governance/index.js';
import type { ConsumerService } from '../policy/index.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import { CreateExportBody, ExportParams, ExportResponse, LegalBasisReportResponse, ReportQuery } from './exports.schemas.js';
import type { AudienceExport } from './exports.store.js';
import type { ExportService } from './exports.service.js';

const actorOf = (request: FastifyRequest): string => (request.principal?.kind === 'api-key' ? request.principal.keyId : 'unknown');

const present = (record: AudienceExport) => ({
  ...record,
  counts: { ...record.counts, deniedBy: { ...record.counts.deniedBy } },
  released: [...record.released],
  redacted: [...record.redacted],
});

/**
 * A consumer's own key reaches only its own exports; an operator's key (no consumer bound) any.
 * Answers NOT_FOUND rather than FORBIDDEN, so a consumer cannot probe another's export ids.
 */
const checkOwner = async (request: FastifyRequest, consumers: ConsumerService, consumerId: string, what: string): Promise<void> => {
  const principal = request.principal;
  if (!principal || principal.kind !== 'api-key' || hasScope(principal, 'admin')) return;
  const own = await consumers.forApiKey(principal.keyId);
  if (own && own.id !== consumerId) throw new AppError('NOT_FOUND', `${what} not found`);
};

export const registerExportRoutes = (app: HttpServer, deps: { exports: ExportService; consumers: ConsumerService }): void => {
  const { exports, consumers } = deps;

  app.post(
    '/v1/audiences/:id/exports',
    {
      config: { auth: { scope: 'exports:write' } },
      schema: {
        tags: ['activation'],
        summary: 'Export an audience to a consumer: full, or incremental (the diff since its last export), as JSON or CSV',
        description:
          'Held-out members are left out; every other member is decided by the policy on their consent for the purpose and channel at send time. ' +
          "Identifiers are released class by class and hashed the platform's way for an ad partner (Google Customer Match, Meta). " +
          'Writes the file under the data directory, the disclosure log and the records the legal-basis report reads. 201 with the export record.',
        params: ExportParams,
        body: CreateExportBody,
        response: { 201: ExportResponse, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await checkOwner(request, consumers, request.body.consumerId, `consumer '${request.body.consumerId}'`);
      const record = await exports.create(request.params.id, request.body, actorOf(request));
      return reply.code(201).send(present(record));
    },
  );

  app.get(
    '/v1/exports/:id',
    {
      config: { auth: { scope: 'exports:read' } },
      schema: {
        tags: ['activation'],
        summary: 'One export record: audience, consumer, purpose, channel, mode, counts, released and redacted attributes, file checksum',
        params: ExportParams,
        response: { 200: ExportResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const record = await exports.get(request.params.id);
      await checkOwner(request, consumers, record.consumerId, `export '${record.id}'`);
      return present(record);
    },
  );

  app.get(
    '/v1/exports/:id/file',
    {
      config: { auth: { scope: 'exports:read' } },
      schema: {
        tags: ['activation'],
        summary: "The export's file (application/json or text/csv), as written when it was made",
        params: ExportParams,
        response: { 200: Type.String({ description: 'The file: application/json or text/csv' }), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const record = await exports.get(request.params.id);
      await checkOwner(request, consumers, record.consumerId, `export '${record.id}'`);
      reply.header('content-type', record.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="${record.id}.${record.format}"`);
      reply.header('digest', `sha-256=${Buffer.from(record.fileSha256, 'hex').toString('base64')}`);
      // Streamed, not serialised: Fastify sends a stream as it is, whatever the response schema says.
      return reply.send(createReadStream(exports.pathOf(record)) as unknown as string);
    },
  );

  app.get(
    '/v1/reports/legal-basis/:id',
    {
      config: { auth: { scope: 'reports:read' } },
      schema: {
        tags: ['activation'],
        summary:
          'Legal-basis report of an audience export: purpose, legal bases, policy version, each recipient\u2019s consent event and notice',
        description:
          'For every recipient (each member the consumer holds after the export), the consent event and the notice valid at send time, and — ' +
          're-checked from the ledger — the recipients that lacked a valid basis (`lackingValidBasis`, empty for an export) with a statement a regulator can be shown.',
        params: ExportParams,
        querystring: ReportQuery,
        response: { 200: LegalBasisReportResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { after, limit = 1_000 } = request.query;
      return exports.legalBasisReport(request.params.id, { ...(after !== undefined ? { after } : {}), limit });
    },
  );
};
