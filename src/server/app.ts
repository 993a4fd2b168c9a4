import {
  AudienceInsights,
  AudienceService,
  changeFeedOf,
  MembershipStage,
  registerAudienceInsightRoutes,
  registerAudienceRoutes,
  registryCatalogue,
  ResidentPersons,
  residentEventsFitting,
} from '../audiences/index.js';
import { appendSignal, type EventLog, createSqlEventLog, startRetentionJob } from '../bus/index.js';
import {
  ConsentLapsePropagation,
  DEFAULT_SSE_OPTIONS,
  ExportService,
  NatsPublisher,
  purposeChangePropagation,
  registerExportRoutes,
  registerStreamRoutes,
  withdrawalPropagation,
} from '../activation/index.js';
import { BUILTIN_CONTRACTS, ContractRegistry, readContractFiles, registerSourceRoutes } from '../contracts/index.js';
import { ConsentLogConsumer, ConsentService, profileConsentLookups, registerConsentRoutes } from '../consent/index.js';
import {
  Dispatcher,
  SubscriptionService,
  createDeliveryMetrics,
  deliveriesStore,
  httpWebhookTransport,
  registerSubscriptionRoutes,
} from '../delivery/index.js';
import {
  ConsumerService,
  PolicyService,
  profileReadExit,
  registerConsumerRoutes,
  registerDisclosureRoutes,
  registerPolicyRoutes,
  registryAttributeCatalogue,
} from '../policy/index.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { createUlidGenerator } from '../core/ids.js';
import { createLogger, type Logger } from '../core/logger.js';
import { VERSION } from '../core/package-info.js';
import { ApiKeys, registerApiKeyRoutes } from '../governance/index.js';
import {
  BlockedIdentifiers,
  IdentifierNormaliser,
  IdentityStage,
  registerBlockedIdentifierRoutes,
  registerIdentityRoutes,
} from '../identity/index.js';
import { compileAggregate, DEFAULT_AGGREGATES } from '../profiles/aggregates/index.js';
import { modelsStore } from '../profiles/models.store.js';
import { ProfileScorer } from '../profiles/profile-scores.js';
import { ProfileStage } from '../profiles/profile-stage.js';
import { registerProfileRoutes } from '../profiles/profiles.routes.js';
import { survivorOf } from '../profiles/profile-document.js';
import { DEFAULT_SOURCE_PRIORITY } from '../profiles/profile-state.js';
import { TimelineIndexer } from '../profiles/timeline-index.js';
import { Pipeline, type ProfilesStep } from '../pipeline/index.js';
import { EntityStage, registerEntityRoutes } from '../entities/index.js';
import {
  IngestService,
  IngestThread,
  QuarantineService,
  registerIngestRoutes,
  registerQuarantineRoutes,
  registerSegmentRoutes,
  registerSourceStatsRoutes,
} from '../ingest/index.js';
import { OperationsRecorder, registerOverviewRoutes } from '../operations/index.js';
import { ErasureGuard, PrivacyService, registerPrivacyRoutes } from '../privacy/index.js';
import { migrateToLatest, openConfiguredStorage, READER_CACHE_MIB, storeKeyOf, type Storage } from '../storage/index.js';
import { startBackgroundThread } from './background.thread.js';
import type { ThreadClient } from './threads.js';
import type { HttpServer } from './http.js';
import { createHttpServer } from './http-server.js';
import { createMetrics } from './metrics.js';
import { registerOperationsRoutes } from './operations.routes.js';

export interface Tessera {
  readonly config: Config;
  readonly http: HttpServer;
  readonly storage: Storage;
  readonly log: Logger;
  readonly eventLog: EventLog;
  readonly services: {
    readonly registry: ContractRegistry;
    readonly ingest: IngestService;
    readonly quarantine: QuarantineService;
    readonly apiKeys: ApiKeys;
    readonly blocked: BlockedIdentifiers;
    readonly identity: IdentityStage;
    readonly profiles: ProfileStage;
    readonly scorer: ProfileScorer;
    readonly timeline: TimelineIndexer;
    readonly pipeline: Pipeline;
    readonly audiences: AudienceService;
    readonly memberships: MembershipStage;
    /** Previews, overlap, breakdown (and the person columns they keep in memory). */
    readonly insights: AudienceInsights;
  };
  /** Data-subject requests (issue 7.8): access and erasure; the guard keeps erased persons out of the pipeline. */
  readonly privacy: { readonly service: PrivacyService; readonly guard: ErasureGuard };
  /** Policy (issue 7): consumers, the policy in force with its decisions, enforcement helpers and the disclosure log. */
  readonly policy: { readonly service: PolicyService; readonly consumers: ConsumerService };
  /** The consent ledger (issue 7): purposes, notices, hash-chained consent events; the CRM log consumer. */
  readonly consent: { readonly service: ConsentService; readonly crmConsumer: ConsentLogConsumer };
  /** Activation (issue 8, src/activation/): audience exports; the NATS publisher when TESSERA_NATS_URL is set. */
  readonly activation: { readonly exports: ExportService; readonly nats: NatsPublisher | undefined };
  /** Subscriptions and webhook delivery (issue 8): the subscriptions resource and the outbox dispatcher. */
  readonly delivery: { readonly subscriptions: SubscriptionService; readonly dispatcher: Dispatcher };
  /** Starts the background work of the embedded runtime: the pipeline and event retention. */
  startBackground(): void;
  /** The admin key generated on this start because none existed; print it once. */
  readonly generatedAdminKey: string | undefined;
  close(): Promise<void>;
}

export interface Overrides {
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Tests pass a storage of their own (a fresh PostgreSQL schema, a temporary SQLite file). */
  readonly storage?: Storage;
  /**
   * `tessera start`: ingestion and the background work run in worker threads and the HTTP thread
   * only reads (decision 0009). `onFailure` is told when a thread dies; the process should stop.
   */
  readonly threads?: { readonly onFailure: (err: Error) => void };
  /** False in a worker thread of a process whose main thread has migrated the store already. */
  readonly migrate?: boolean;
  /** False for a copy of the app that never listens (the background thread): the HTTP routes are left out. */
  readonly routes?: boolean;
}

export { openConfiguredStorage };

/** Keeps the embedded store's write-ahead log bounded (see `Storage.maintain`): a look every few seconds. */
const startStorageMaintenance = (storage: Storage, log: Logger, everyMs = 5000): (() => void) => {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const started = Date.now();
    storage
      .maintain()
      .then((done) => {
        if (done) log.info({ ms: Date.now() - started }, 'write-ahead log checkpointed and truncated');
      })
      .catch((err: unknown) => log.warn({ err }, 'write-ahead log checkpoint failed; retried later'))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * The composition root: the one place services are created and wired. Migrates the store,
 * declares the built-in and file contracts, makes sure an admin key exists, and builds the HTTP
 * server with every domain's routes.
 */
export const createTessera = async (config: Config, overrides: Overrides = {}): Promise<Tessera> => {
  const log = overrides.log ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const ids = createUlidGenerator();
  // With threads, this (the HTTP) thread only reads; the background thread's connection keeps the larger cache.
  const storage = overrides.storage ?? openConfiguredStorage(config, overrides.threads ? { cacheMiB: READER_CACHE_MIB } : {});
  const { db } = storage;
  let ingestThread: IngestThread | undefined;
  try {
    if (overrides.migrate !== false) await migrateToLatest(storage);

    const registry = new ContractRegistry({ db, clock });
    await registry.load();
    for (const contract of BUILTIN_CONTRACTS) await registry.declareContract(contract, 'builtin');
    for (const { file, contract } of readContractFiles(config.contractsDir)) {
      const outcomes = await registry.declareContract(contract, 'file');
      const created = outcomes.filter((o) => o.created);
      if (created.length > 0) log.info({ file, versions: created }, 'contract file declared new versions');
    }

    const normaliser = new IdentifierNormaliser(config.defaultRegion);
    const blocked = new BlockedIdentifiers({ db, clock, normaliser });
    await blocked.load();
    const apiKeys = new ApiKeys({ db, clock, ids });
    const generatedAdminKey = await apiKeys.ensureAdmin(config.adminKey);

    const metrics = createMetrics();
    const eventLog = createSqlEventLog(storage.backend, clock);
    // Appends wake the pipeline at once, whichever thread of this process made them.
    const appended = appendSignal(storeKeyOf(config));
    const ingest = new IngestService({
      db,
      eventLog,
      registry,
      blocked,
      normaliser,
      clock,
      ids,
      metrics: metrics.ingest,
      partitions: config.partitions,
      onAppended: appended.notify,
    });
    const quarantine = new QuarantineService({ db, ingest, clock });
    ingestThread = overrides.threads ? await IngestThread.start(config, metrics.ingest, overrides.threads.onFailure) : undefined;
    const ingestor = ingestThread ?? ingest;
    if (ingestThread) {
      const thread = ingestThread;
      metrics.addThread('ingest', () => thread.heap());
      registry.onReload(() => thread.reload());
      blocked.onReload(() => thread.reload());
    }
    const identity = new IdentityStage({
      clock,
      ids,
      blocked,
      rules: {
        componentCap: config.identity.componentCap,
        autoBlockPersons: config.identity.autoBlockPersons,
        types: config.identity.types,
      },
    });
    const timeline = new TimelineIndexer({ clock });
    const scorer = new ProfileScorer({ marginShare: 0.4, annualDiscountRate: 0.1, currency: 'RUB' });
    scorer.use(await modelsStore.active(db, 'churn'));
    const profiles = new ProfileStage({
      clock,
      ids,
      scorer,
      options: {
        aggregates: DEFAULT_AGGREGATES.map((definition) => compileAggregate(definition)),
        defaultTimeZone: config.defaultTimeZone,
        lateHorizonDays: config.lateEventHorizonDays,
        sourcePriority: DEFAULT_SOURCE_PRIORITY,
        cacheBytes: config.profileCacheMb * 2 ** 20,
      },
    });
    const audiences = new AudienceService({
      db,
      backend: storage.backend,
      clock,
      ids,
      catalogue: registryCatalogue(registry, { aggregates: DEFAULT_AGGREGATES }),
      eventRetentionDays: config.eventRetentionDays,
      defaultTimeZone: config.defaultTimeZone,
    });
    const entities = new EntityStage({ clock });
    const consent = new ConsentService({
      db,
      backend: storage.backend,
      clock,
      region: config.defaultRegion,
      // A withdrawal or a deny becomes a remove operation for every consumer that received the person, in the same
      // transaction; so does a purpose's new version for the grants it ends.
      onRecorded: withdrawalPropagation({ clock }),
      onPurposeChanged: purposeChangePropagation({ clock }),
    });
    await consent.declareBuiltinPurposes();
    // A grant's expiry becomes a remove operation when its time comes: the scheduler's step (below).
    const consentLapses = new ConsentLapsePropagation({ clock, consent });
    // CRM consent_changed events reach the consent ledger through a log consumer of its own (src/consent/).
    const consentLog = new ConsentLogConsumer({ db, eventLog, consent, log, jurisdiction: config.defaultRegion });
    // Audience inputs: profiles, the field catalogue, and each person's consent from the ledger (deny by default).
    const audienceInputs = {
      profiles,
      catalogue: () => audiences.catalogue(),
      defaultTimeZone: config.defaultTimeZone,
      consent: profileConsentLookups(consent),
    };
    const memberships = new MembershipStage({ clock, log, sources: audienceInputs, retainedEventDays: config.eventRetentionDays });
    // Previews scan person columns kept in this thread, built on first use and caught up with the store before each answer.
    const resident = new ResidentPersons({
      db,
      feed: changeFeedOf(storage.backend),
      residentFeed: changeFeedOf(storage.backend, 'resident'),
      sources: audienceInputs,
      maxEvents: residentEventsFitting(config.previewEventsMb),
    });
    const insights = new AudienceInsights({ db, clock, sources: audienceInputs, audiences, resident });
    // Policy (issue 7): consumers, versioned Cedar policy sets (version 1 the default), the disclosure log (src/policy/).
    const consumers = new ConsumerService({ db, clock, ids, apiKeys });
    const policy = new PolicyService({
      db,
      clock,
      ids,
      catalogue: registryAttributeCatalogue(registry, { aggregates: DEFAULT_AGGREGATES }),
    });
    await policy.init();
    // Activation (src/activation/): audience exports with their legal-basis report; NATS JetStream publishing when configured.
    const exportService = new ExportService({
      db,
      clock,
      ids,
      consent,
      policy,
      consumers,
      audiences,
      dataDir: config.dataDir,
      region: config.defaultRegion,
    });
    const natsPublisher = config.natsUrl !== undefined ? new NatsPublisher({ db, clock, log, url: config.natsUrl }) : undefined;
    // Delivery (issue 8, src/delivery/): subscriptions, the outbox fan-out, signed webhooks; the policy decides every message.
    const subscriptions = new SubscriptionService({ db, clock, ids, consumers, allowPrivateTargets: config.delivery.allowPrivateTargets });
    const dispatcher = new Dispatcher({
      db,
      clock,
      ids,
      log,
      policy,
      consumers,
      consent,
      transport: httpWebhookTransport({
        allowPrivate: config.delivery.allowPrivateTargets,
        userAgent: `Tessera-Webhooks/${VERSION}`,
        maxSockets: config.delivery.concurrency,
        depth: config.delivery.pipelining,
      }),
      metrics: createDeliveryMetrics(
        metrics.registry,
        () => deliveriesStore.backlog(db),
        () => clock.now(),
      ),
      options: config.delivery,
    });
    // Erasure (src/privacy/): every pipeline transaction shares the erasure lock and drops erased persons' events.
    const erasureGuard = new ErasureGuard({
      backend: storage.backend,
      forgetCaches: () => {
        identity.forgetCache();
        afterIdentity.forgetCache();
      },
    });
    const privacy = new PrivacyService({
      db,
      backend: storage.backend,
      clock,
      ids,
      region: config.defaultRegion,
      defaultTimeZone: config.defaultTimeZone,
      consent,
      policy,
      profiles,
    });
    // After identity: the person's profile, the accounts and organisations the events name, then audience membership.
    const afterIdentity: ProfilesStep = {
      process: async (trx, events, resolved) => {
        const written = await profiles.process(trx, events, resolved);
        await entities.process(trx, events);
        await memberships.process(trx, events, resolved, written.working, written.created);
      },
      // Time moves aggregate windows first, then memberships (wake-ups, and new definitions a chunk at a time).
      advance: async (trx) => {
        await erasureGuard.share(trx);
        const advanced = await profiles.advanceProfiles(trx);
        await memberships.reevaluate(trx, advanced);
        return advanced.size + (await memberships.advance(trx)) + (await consentLapses.step(trx));
      },
      forgetCache: () => {
        profiles.forgetCache();
        memberships.forget();
      },
      reset: async (trx) => {
        await entities.reset(trx);
        await memberships.reset(trx);
      },
    };
    // Operations (src/operations/): each pipeline batch records its latencies for the console's overview.
    const operations = new OperationsRecorder({ clock });
    const pipeline = new Pipeline({
      db,
      eventLog: erasureGuard.wrap(eventLog),
      identity,
      profiles: afterIdentity,
      timeline,
      clock,
      log,
      batchSize: config.pipelineBatchEvents,
      batchMs: config.pipelineBatchMs,
      onBatch: operations.pipelineBatch,
      // A committed batch may have written outbox rows: the dispatcher fans them out at once, not at its next poll.
      onCommitted: () => dispatcher.wake(),
    });

    const http = await createHttpServer({
      log,
      maxBodyBytes: config.maxBodyBytes,
      version: VERSION,
      metrics,
      apiKeys,
      writeKeys: registry,
      ingest: ingestor,
    });
    // The background thread of `tessera start` serves nothing: its copy of the app has no routes.
    if (overrides.routes !== false) {
      registerOperationsRoutes(http, { storage, metrics, clock, version: VERSION, startedAt: clock.now() });
      registerOverviewRoutes(http, { db, clock });
      registerIngestRoutes(http, { ingest: ingestor, eventLog, db, config });
      registerSegmentRoutes(http, { ingest: ingestor, clock, config });
      registerQuarantineRoutes(http, { quarantine });
      registerSourceRoutes(http, { registry, db, clock });
      registerSourceStatsRoutes(http, { db, clock });
      registerBlockedIdentifierRoutes(http, { blocked });
      registerIdentityRoutes(http, { db, identity, clock, region: config.defaultRegion });
      registerProfileRoutes(http, {
        db,
        eventLog,
        profiles,
        timeline,
        clock,
        defaultTimeZone: config.defaultTimeZone,
        // A consumer's read passes the policy and is logged as a disclosure (issue 7).
        exit: profileReadExit({ db, clock, policy, consumers, consent }),
      });
      registerEntityRoutes(http, { db, clock });
      registerAudienceRoutes(http, { audiences });
      registerConsentRoutes(http, { consent, db, clock, survivorOf });
      registerConsumerRoutes(http, { consumers });
      registerPolicyRoutes(http, { policy, consumers });
      registerDisclosureRoutes(http, { policy });
      registerSubscriptionRoutes(http, { subscriptions });
      registerPrivacyRoutes(http, { privacy });
      registerAudienceInsightRoutes(http, { insights });
      registerApiKeyRoutes(http, { apiKeys });
      registerStreamRoutes(http, { db, consent, policy, consumers, clock, log, options: DEFAULT_SSE_OPTIONS });
      registerExportRoutes(http, { exports: exportService, consumers });
    }
    await http.ready();
    let stopRetention: () => void = () => undefined;
    let stopMaintenance: () => void = () => undefined;
    let background: Promise<ThreadClient> | undefined;

    return {
      config,
      http,
      storage,
      log,
      eventLog,
      services: {
        registry,
        ingest,
        quarantine,
        apiKeys,
        blocked,
        identity,
        profiles,
        scorer,
        timeline,
        pipeline,
        audiences,
        memberships,
        insights,
      },
      policy: { service: policy, consumers },
      consent: { service: consent, crmConsumer: consentLog },
      activation: { exports: exportService, nats: natsPublisher },
      delivery: { subscriptions, dispatcher },
      privacy: { service: privacy, guard: erasureGuard },
      generatedAdminKey,
      startBackground: () => {
        if (overrides.threads) {
          background = startBackgroundThread(config, overrides.threads.onFailure);
          background.catch(overrides.threads.onFailure);
          const started = background;
          metrics.addThread('background', async () => (await started).heap());
          return;
        }
        pipeline.start(config.pipelinePollMs);
        appended.listen(() => pipeline.wake());
        consentLog.start();
        natsPublisher?.start();
        dispatcher.start();
        if (config.eventRetentionDays > 0)
          stopRetention = startRetentionJob({ eventLog, db, clock, log, retentionDays: config.eventRetentionDays });
        stopMaintenance = startStorageMaintenance(storage, log);
      },
      close: async () => {
        stopMaintenance();
        stopRetention();
        await pipeline.stop();
        await consentLog.stop();
        await natsPublisher?.stop();
        await dispatcher.stop();
        await http.close();
        await (await background?.catch(() => undefined))?.close();
        await ingestThread?.close();
        appended.close();
        await storage.close();
      },
    };
  } catch (err) {
    await ingestThread?.close();
    await storage.close();
    throw err;
  }
};
