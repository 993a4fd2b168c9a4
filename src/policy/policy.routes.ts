import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { Consumer } from './consumer.js';
import type { ConsumerService } from './consumers.service.js';
import type { DisclosureRecord } from './enforcement.js';
import {
  AttributeCatalogueResponse,
  ConsumerListResponse,
  ConsumerParams,
  ConsumerResponse,
  CreateConsumerBody,
  CreatedConsumerResponse,
  CreatePolicyBody,
  DecisionBody,
  DecisionResponse,
  DisclosureListResponse,
  ListConsumersQuery,
  ListDisclosuresQuery,
  PolicyListResponse,
  PolicyVersionParams,
  PolicyVersionResponse,
  UpdateConsumerBody,
} from './policy.schemas.js';
import { policyIdsOf } from './policy-engine.js';
import type { PolicyService } from './policy.service.js';

/** Who made a change: the API key's id (write keys never reach these routes). */
const actorOf = (request: FastifyRequest): string => (request.principal?.kind === 'api-key' ? request.principal.keyId : 'unknown');

const present = (c: Consumer) => ({
  ...c,
  purposes: [...c.purposes],
  channels: [...c.channels],
  requiredSignals: [...c.requiredSignals],
});
const presentDisclosure = (d: DisclosureRecord) => ({
  ...d,
  released: [...d.released],
  redacted: [...d.redacted],
  consentEvents: [...d.consentEvents],
});

export const registerConsumerRoutes = (app: HttpServer, deps: { consumers: ConsumerService }): void => {
  const { consumers } = deps;
  const read = { auth: { scope: 'consumers:read' } } as const;
  const write = { auth: { scope: 'consumers:write' } } as const;

  app.post(
    '/v1/consumers',
    {
      config: write,
      schema: {
        tags: ['policy'],
        summary: 'Register a consumer (channel) with its purposes, channels and required signals; its API key is shown once',
        description:
          'An ad_partner names its `partner` and has the one channel `ads:<partner>`. 400 VALIDATION_FAILED lists every problem; 409 when the id is taken.',
        body: CreateConsumerBody,
        response: { 201: CreatedConsumerResponse, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { consumer, key } = await consumers.create(request.body, actorOf(request));
      void reply.status(201).header('location', `/v1/consumers/${encodeURIComponent(consumer.id)}`);
      return { ...present(consumer), apiKey: key };
    },
  );

  app.get(
    '/v1/consumers',
    {
      config: read,
      schema: {
        tags: ['policy'],
        summary: 'Consumers by id; page with `after`',
        querystring: ListConsumersQuery,
        response: { 200: ConsumerListResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { status = 'active', after, limit = 100 } = request.query;
      const items = await consumers.list({ ...(status === 'all' ? {} : { status }), ...(after !== undefined ? { after } : {}), limit });
      return { items: items.map(present), next: items.length === limit ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/v1/consumers/:id',
    {
      config: read,
      schema: {
        tags: ['policy'],
        summary: 'One consumer',
        params: ConsumerParams,
        response: { 200: ConsumerResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => present(await consumers.get(request.params.id)),
  );

  app.put(
    '/v1/consumers/:id',
    {
      config: write,
      schema: {
        tags: ['policy'],
        summary: 'Replace a consumer’s purposes, channels, signals and description (its API key stays)',
        description: 'Raises the revision, so no decision cached for the old registration is used again. 409 for a deleted consumer.',
        params: ConsumerParams,
        body: UpdateConsumerBody,
        response: { 200: ConsumerResponse, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => present(await consumers.update(request.params.id, request.body, actorOf(request))),
  );

  app.delete(
    '/v1/consumers/:id',
    {
      config: write,
      schema: {
        tags: ['policy'],
        summary: 'Delete a consumer: its API key is revoked, policy denies it everything, the record stays for the disclosure log',
        params: ConsumerParams,
        response: { 200: ConsumerResponse, ...errors(401, 403, 404) },
      },
    },
    async (request) => present(await consumers.delete(request.params.id, actorOf(request))),
  );
};

export const registerPolicyRoutes = (app: HttpServer, deps: { policy: PolicyService; consumers: ConsumerService }): void => {
  const { policy, consumers } = deps;
  const read = { auth: { scope: 'policies:read' } } as const;
  const write = { auth: { scope: 'policies:write' } } as const;

  const versionResponse = async (version: number) => {
    await policy.refresh();
    const stored = await policy.getVersion(version);
    const current = policy.current;
    const policyIds = current.version === version ? [...current.policyIds] : [...policyIdsOf(stored.policies)];
    return { ...stored, policyIds, inForce: current.version === version };
  };

  app.post(
    '/v1/policies',
    {
      config: write,
      schema: {
        tags: ['policy'],
        summary: 'Store a new policy version (Cedar) and put it in force; cached decisions are dropped',
        description:
          'Every policy needs an `@id`. The set is validated strictly against the Tessera Cedar schema (docs/policy.md); 400 VALIDATION_FAILED lists every problem.',
        body: CreatePolicyBody,
        response: { 201: PolicyVersionResponse, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const stored = await policy.createVersion(request.body.policies, request.body.description ?? '', actorOf(request));
      void reply.status(201).header('location', `/v1/policies/${stored.version}`);
      return { ...stored, policyIds: [...policy.current.policyIds], inForce: true };
    },
  );

  app.get(
    '/v1/policies',
    {
      config: read,
      schema: {
        tags: ['policy'],
        summary: 'Policy versions, newest first, and the one in force',
        response: { 200: PolicyListResponse, ...errors(401, 403) },
      },
    },
    async () => {
      await policy.refresh();
      return { current: policy.current.version, items: await policy.listVersions() };
    },
  );

  app.get(
    '/v1/policies/attributes',
    {
      config: read,
      schema: {
        tags: ['policy'],
        summary: 'The attribute catalogue: every profile attribute and classified event property with its class and purposes',
        response: { 200: AttributeCatalogueResponse, ...errors(401, 403) },
      },
    },
    async () => ({
      items: policy.catalogue().attributes.map((a) => ({ ...a, purposes: [...a.purposes], derivedFrom: [...a.derivedFrom] })),
    }),
  );

  app.post(
    '/v1/policies/decisions',
    {
      config: read,
      schema: {
        tags: ['policy'],
        summary:
          'Ask the policy in force: may this consumer receive this class of attributes for this purpose and channel, given the consent?',
        body: DecisionBody,
        response: { 200: DecisionResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await policy.refresh();
      const { consumerId, purpose, channel, attributeClass, consent } = request.body;
      const consumer = await consumers.get(consumerId);
      const evidence =
        typeof consent === 'boolean'
          ? consent
          : {
              valid: consent.valid,
              explicit: consent.explicit,
              legalBasis: consent.legalBasis ?? null,
              signals: consent.signals ?? [],
              eventIds: consent.eventIds ?? [],
            };
      const decision = policy.decide(consumer, { purpose, channel }, attributeClass, evidence);
      return { ...decision, rules: [...decision.rules], decision: decision.allowed ? ('allow' as const) : ('deny' as const) };
    },
  );

  app.get(
    '/v1/policies/:version',
    {
      config: read,
      schema: {
        tags: ['policy'],
        summary: 'One stored policy version with its Cedar text (versions never change)',
        params: PolicyVersionParams,
        response: { 200: PolicyVersionResponse, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => versionResponse(request.params.version),
  );
};

export const registerDisclosureRoutes = (app: HttpServer, deps: { policy: PolicyService }): void => {
  app.get(
    '/v1/disclosures',
    {
      config: { auth: { scope: 'disclosures:read' } },
      schema: {
        tags: ['policy'],
        summary: 'The disclosure log of a subject, of a consumer, or of both; oldest first, page with `after`',
        description:
          'Each record: subject, consumer, exit, purpose, channel, attributes released and redacted, consent events used, policy version.',
        querystring: ListDisclosuresQuery,
        response: { 200: DisclosureListResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { subject, consumer, after, limit = 100 } = request.query;
      if (subject === undefined && consumer === undefined)
        throw new AppError('BAD_REQUEST', 'name a subject, a consumer or both', [
          { path: '/querystring', code: 'FILTER_REQUIRED', message: 'give ?subject=… and/or ?consumer=…' },
        ]);
      const items = await deps.policy.listDisclosures({
        ...(subject !== undefined ? { subject } : {}),
        ...(consumer !== undefined ? { consumerId: consumer } : {}),
        ...(after !== undefined ? { after } : {}),
        limit,
      });
      return { items: items.map(presentDisclosure), next: items.length === limit ? (items.at(-1)?.id ?? null) : null };
    },
  );
};
