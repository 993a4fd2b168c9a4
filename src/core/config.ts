import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getCountries, type CountryCode } from 'libphonenumber-js/max';
import {
  DEFAULT_IDENTIFIER_REGISTRY,
  overrideIdentifierRegistry,
  withIdentifierPolicy,
  type IdentifierRegistry,
} from '../identity/index.js';

/**
 * Configuration is parsed once at start-up from the environment and an optional JSON file holding
 * the same keys, validated, frozen and passed in. Nothing else reads process.env.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly adminKey: string | undefined;
  readonly pgUrl: string | undefined;
  /** Also publish outbox messages to NATS JetStream (src/activation/nats-publisher.ts). */
  readonly natsUrl: string | undefined;
  readonly defaultRegion: CountryCode;
  readonly logLevel: LogLevel;
  readonly contractsDir: string;
  readonly maxBatchEvents: number;
  readonly pipelineBatchEvents: number;
  readonly pipelineBatchMs: number;
  /** SQLite: pages the write-ahead log may hold before a commit checkpoints it. */
  readonly sqliteWalAutocheckpoint: number;
  /** How long a caught-up pipeline waits before looking at the log again, unless an append wakes it. */
  readonly pipelinePollMs: number;
  readonly profileCacheMb: number;
  /** Memory (MiB) for the events the API thread keeps for previews with event conditions. */
  readonly previewEventsMb: number;
  /** How far (per cent) a thread's V8 heap grows past what its last full collection kept; 0: as V8 decides. */
  readonly heapGrowthPercent: number;
  readonly lateEventHorizonDays: number;
  readonly defaultTimeZone: string;
  readonly maxBodyBytes: number;
  readonly partitions: number;
  readonly eventRetentionDays: number;
  readonly identity: {
    readonly componentCap: number;
    readonly autoBlockPersons: number;
    /** Per identifier type: class, priority, limit, TTL (defaults, then TESSERA_IDENTITY_TYPES, then TESSERA_IDENTITY_EMAILS_PER_YEAR). */
    readonly types: IdentifierRegistry;
  };
  /** Subscriptions and webhook delivery (src/delivery, docs/delivery.md). */
  readonly delivery: {
    /** Webhook targets in loopback, private, link-local and other non-public ranges are refused unless this is true. */
    readonly allowPrivateTargets: boolean;
    readonly timeoutMs: number;
    /** Requests in flight to one endpoint at most. */
    readonly concurrency: number;
    readonly pipelining: number;
    /** How far behind its cursor the fan-out re-reads the outbox, for rows committed late. */
    readonly overlapSeconds: number;
    readonly pollMs: number;
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Source = Readonly<Record<string, unknown>>;

/** Every key Tessera reads, with its meaning; the runbook and `tessera start --help` list them. */
export const CONFIG_KEYS = {
  TESSERA_PORT: 'HTTP port (default 8080; 0 picks a free port)',
  TESSERA_HOST: 'interface to listen on (default 0.0.0.0)',
  TESSERA_DATA_DIR: 'directory of the embedded SQLite database (default ./data)',
  TESSERA_ADMIN_KEY: 'bootstrap admin API key, at least 16 characters (generated and printed once if unset)',
  TESSERA_PG_URL: 'postgres:// URL: use PostgreSQL instead of the embedded SQLite file',
  TESSERA_NATS_URL:
    'nats:// URL (or several, comma-separated): also publish outbox messages as CloudEvents to JetStream subjects tessera.<type> (stream TESSERA)',
  TESSERA_DEFAULT_REGION: 'ISO 3166 country for phone numbers written without a country code (default RU)',
  TESSERA_LOG_LEVEL: `log level: ${LOG_LEVELS.join(', ')} (default info)`,
  TESSERA_CONTRACTS_DIR: 'directory of contract files loaded at start (default ./contracts)',
  TESSERA_MAX_BATCH_EVENTS: 'most events in one ingest request (default 1000)',
  TESSERA_DEFAULT_TIMEZONE: 'IANA time zone of profiles whose home region gives none (default Europe/Moscow)',
  TESSERA_LATE_EVENT_HORIZON_DAYS: 'events older than this many days no longer change aggregates (default 7)',
  TESSERA_PIPELINE_BATCH_EVENTS: 'most events the pipeline takes from the log in one transaction (default 4000)',
  TESSERA_SQLITE_WAL_AUTOCHECKPOINT:
    "embedded store: pages the write-ahead log may hold before a commit checkpoints it (default 1000, SQLite's own)",
  TESSERA_PIPELINE_BATCH_MS:
    'about how long one pipeline transaction may hold the write lock; longer batches are followed by smaller ones (default 250, 0 for no limit)',
  TESSERA_PIPELINE_POLL_MS:
    'how often a caught-up pipeline looks at the event log, in ms (default 50); appends made in this process wake it at once',
  TESSERA_PROFILE_CACHE_MB:
    'memory (MiB) for the profiles the pipeline keeps between batches, least recently used out first; 0 turns the cache off (default 128)',
  TESSERA_PREVIEW_EVENTS_MB:
    'memory (MiB) for the events the API thread keeps to count event conditions of previews; an event type that would not fit is counted from the store (default 512)',
  TESSERA_HEAP_GROWTH_PERCENT:
    'how far (per cent) a V8 heap of `tessera start` may grow past what its last full garbage collection kept before it collects again; 0 leaves it to V8, which lets a large heap grow up to four times (default 20)',
  TESSERA_MAX_BODY_BYTES: 'largest request body in bytes (default 5242880)',
  TESSERA_PARTITIONS: 'event-log partitions (default 16; fixed once events exist)',
  TESSERA_EVENT_RETENTION_DAYS: 'days raw events are kept in the log; 0 keeps them for ever (default 0)',
  TESSERA_IDENTITY_COMPONENT_CAP: 'most identifiers one person may gather; a merge past it is refused with an alert (default 50)',
  TESSERA_IDENTITY_AUTO_BLOCK_PERSONS: 'a contact value seen on more persons than this stops being a merge key (default 3)',
  TESSERA_IDENTITY_EMAILS_PER_YEAR:
    'emails one person may gather in a year; more are demoted, not merged (default 5; sets the email limit)',
  TESSERA_IDENTITY_TYPES:
    'JSON object overriding the identifier type registry, e.g. {"deviceId":{"class":"contact","ttlDays":90}}; per type any of class, priority, limit {max, windowDays} or null, ttlDays or null (see docs/runbook.md)',
  TESSERA_WEBHOOK_ALLOW_PRIVATE:
    'true lets webhook subscriptions target loopback, private, link-local and other non-public addresses (default false; tests and local receivers only)',
  TESSERA_WEBHOOK_TIMEOUT_MS: 'time a webhook endpoint has to answer one delivery, in ms (default 10000)',
  TESSERA_WEBHOOK_CONCURRENCY: 'webhook requests in flight to one endpoint at most (default 8)',
  TESSERA_WEBHOOK_PIPELINING:
    'webhook requests sent on one connection before its answers come back (HTTP/1.1 pipelining, default 8; 1 for receivers that mishandle it)',
  TESSERA_DELIVERY_OVERLAP_SECONDS:
    'how far behind its cursor the delivery fan-out re-reads the outbox for rows committed late (default 30; must exceed the longest pipeline transaction)',
  TESSERA_DELIVERY_POLL_MS: 'how often the dispatcher looks for new outbox rows and due deliveries when idle, in ms (default 25)',
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;

const COUNTRIES = new Set<string>(getCountries());

export const parseConfig = (env: Source, file: Source = {}): Config => {
  const problems: string[] = [];
  const raw = (key: ConfigKey): string | undefined => {
    const value = env[key] ?? file[key];
    if (value === undefined || value === null || value === '') return undefined;
    return String(value).trim();
  };
  const int = (key: ConfigKey, fallback: number, min: number, max: number): number => {
    const value = raw(key);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${key}: expected an integer from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return n;
  };

  const port = int('TESSERA_PORT', 8080, 0, 65535);
  const maxBatchEvents = int('TESSERA_MAX_BATCH_EVENTS', 1000, 1, 100_000);
  const pipelineBatchEvents = int('TESSERA_PIPELINE_BATCH_EVENTS', 4000, 1, 100_000);
  const pipelineBatchMs = int('TESSERA_PIPELINE_BATCH_MS', 250, 0, 60_000);
  const sqliteWalAutocheckpoint = int('TESSERA_SQLITE_WAL_AUTOCHECKPOINT', 1000, 100, 1_000_000);
  const pipelinePollMs = int('TESSERA_PIPELINE_POLL_MS', 50, 1, 600_000);
  const profileCacheMb = int('TESSERA_PROFILE_CACHE_MB', 128, 0, 1_048_576);
  const previewEventsMb = int('TESSERA_PREVIEW_EVENTS_MB', 512, 0, 1_048_576);
  const heapGrowthPercent = int('TESSERA_HEAP_GROWTH_PERCENT', 20, 0, 1000);
  const lateEventHorizonDays = int('TESSERA_LATE_EVENT_HORIZON_DAYS', 7, 0, 90);
  const defaultTimeZone = raw('TESSERA_DEFAULT_TIMEZONE') ?? 'Europe/Moscow';
  if (!isTimeZone(defaultTimeZone)) problems.push(`TESSERA_DEFAULT_TIMEZONE: "${defaultTimeZone}" is not an IANA time zone`);
  const maxBodyBytes = int('TESSERA_MAX_BODY_BYTES', 5 * 1024 * 1024, 1024, 1024 * 1024 * 1024);
  const partitions = int('TESSERA_PARTITIONS', 16, 1, 4096);
  const eventRetentionDays = int('TESSERA_EVENT_RETENTION_DAYS', 0, 0, 36_500);
  const identity = {
    componentCap: int('TESSERA_IDENTITY_COMPONENT_CAP', 50, 2, 100_000),
    autoBlockPersons: int('TESSERA_IDENTITY_AUTO_BLOCK_PERSONS', 3, 1, 100_000),
    types: identifierRegistry(env, file, problems),
  };
  if (raw('TESSERA_IDENTITY_EMAILS_PER_YEAR') !== undefined) {
    // The older, narrower key wins over the registry's email limit: it says exactly one thing.
    const emailsPerYear = int('TESSERA_IDENTITY_EMAILS_PER_YEAR', 5, 1, 100_000);
    identity.types = withIdentifierPolicy(identity.types, 'email', { limit: { max: emailsPerYear, windowDays: 365 } });
  }

  const allowPrivate = (raw('TESSERA_WEBHOOK_ALLOW_PRIVATE') ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(allowPrivate))
    problems.push(`TESSERA_WEBHOOK_ALLOW_PRIVATE: expected true or false, got "${allowPrivate}"`);
  const delivery = Object.freeze({
    allowPrivateTargets: allowPrivate === 'true',
    timeoutMs: int('TESSERA_WEBHOOK_TIMEOUT_MS', 10_000, 100, 300_000),
    concurrency: int('TESSERA_WEBHOOK_CONCURRENCY', 8, 1, 1_000),
    pipelining: int('TESSERA_WEBHOOK_PIPELINING', 8, 1, 64),
    overlapSeconds: int('TESSERA_DELIVERY_OVERLAP_SECONDS', 30, 1, 86_400),
    pollMs: int('TESSERA_DELIVERY_POLL_MS', 25, 1, 60_000),
  });

  const adminKey = raw('TESSERA_ADMIN_KEY');
  if (adminKey !== undefined && adminKey.length < 16) {
    problems.push('TESSERA_ADMIN_KEY: must be at least 16 characters');
  }

  const pgUrl = raw('TESSERA_PG_URL');
  if (pgUrl !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(pgUrl)) {
    problems.push('TESSERA_PG_URL: expected a postgres:// or postgresql:// URL');
  }

  const natsUrl = raw('TESSERA_NATS_URL');
  if (natsUrl !== undefined && !natsUrl.split(',').every((u) => /^(nats|tls):\/\/[^\s,]+$/.test(u.trim())))
    problems.push('TESSERA_NATS_URL: expected nats:// or tls:// URLs, comma-separated');

  const region = (raw('TESSERA_DEFAULT_REGION') ?? 'RU').toUpperCase();
  if (!COUNTRIES.has(region)) {
    problems.push(`TESSERA_DEFAULT_REGION: "${region}" is not an ISO 3166 country with a phone numbering plan`);
  }

  const logLevel = raw('TESSERA_LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`TESSERA_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port,
    host: raw('TESSERA_HOST') ?? '0.0.0.0',
    dataDir: resolve(raw('TESSERA_DATA_DIR') ?? './data'),
    adminKey,
    pgUrl,
    natsUrl,
    defaultRegion: region as CountryCode,
    logLevel: logLevel as LogLevel,
    contractsDir: resolve(raw('TESSERA_CONTRACTS_DIR') ?? './contracts'),
    maxBatchEvents,
    pipelineBatchEvents,
    pipelineBatchMs,
    sqliteWalAutocheckpoint,
    pipelinePollMs,
    profileCacheMb,
    previewEventsMb,
    heapGrowthPercent,
    lateEventHorizonDays,
    defaultTimeZone,
    maxBodyBytes,
    partitions,
    eventRetentionDays,
    identity: Object.freeze(identity),
    delivery,
  });
};

/**
 * TESSERA_IDENTITY_TYPES: JSON text in the environment, or in the config file either JSON text or
 * the object itself. Every problem is reported with its path, e.g.
 * `TESSERA_IDENTITY_TYPES.email.limit.max: expected an integer from 1 to 100000, got 0`.
 */
const identifierRegistry = (env: Source, file: Source, problems: string[]): IdentifierRegistry => {
  const key: ConfigKey = 'TESSERA_IDENTITY_TYPES';
  const value = env[key] ?? file[key];
  if (value === undefined || value === null || value === '') return DEFAULT_IDENTIFIER_REGISTRY;
  let overrides: unknown = value;
  if (typeof value === 'string') {
    try {
      overrides = JSON.parse(value);
    } catch (err) {
      problems.push(`${key}: not valid JSON (${(err as Error).message})`);
      return DEFAULT_IDENTIFIER_REGISTRY;
    }
  }
  const result = overrideIdentifierRegistry(DEFAULT_IDENTIFIER_REGISTRY, overrides);
  for (const { path, message } of result.problems) problems.push(`${key}${path ? `.${path}` : ''}: ${message}`);
  return result.registry;
};

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** Reads the optional JSON config file; its keys are the same as the environment's. */
export const readConfigFile = (path: string): Source => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`config file ${path}: cannot be read (${(err as Error).message})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`config file ${path}: not valid JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`config file ${path}: expected a JSON object of TESSERA_* keys`]);
  }
  const unknown = Object.keys(parsed).filter((key) => !(key in CONFIG_KEYS));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((key) => `config file ${path}: unknown key ${key}`));
  }
  return parsed as Source;
};
