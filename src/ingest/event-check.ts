import type { AppendRecord, EventPayload, IngestChannel } from '../bus/index.js';
import type { CompiledContract, IdentifierTypeName } from '../contracts/index.js';
import { describeSchemaErrors, undeclaredPaths } from '../contracts/index.js';
import { fnv1a32 } from '../core/hash.js';
import { isIdentifierType, ROUTING_ORDER, type NormaliseResult } from '../identity/index.js';
import type { DriftSignal, Reason } from './reasons.js';

/** What the check needs to know about the world; the service fills it from its caches. */
export interface CheckContext {
  readonly receivedAt: Date;
  /** `receivedAt` in ISO form, formatted once per batch. */
  readonly receivedAtIso: string;
  readonly partitions: number;
  readonly channel: IngestChannel;
  /** The write key's source: events may omit `source`, and may not name another. */
  readonly fixedSourceId?: string;
  readonly pinnedVersion?: number;
  hasSource(id: string): boolean;
  resolveContract(sourceId: string, type: string, version?: number): CompiledContract | undefined;
  normalise(type: IdentifierTypeName, raw: string): NormaliseResult;
  isBlocked(type: IdentifierTypeName, value: string): boolean;
}

/** What is known of an event even when it is refused, so the quarantine can be filtered. */
export interface EventKeys {
  readonly sourceId?: string;
  readonly type?: string;
  readonly eventId?: string;
  readonly schemaVersion?: number;
}

export type CheckResult =
  | { readonly ok: true; readonly record: AppendRecord; readonly warnings: readonly Reason[]; readonly drift: readonly DriftSignal[] }
  | { readonly ok: false; readonly keys: EventKeys; readonly reasons: readonly Reason[]; readonly drift: readonly DriftSignal[] };

const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

const valueAt = (object: Record<string, unknown>, path: readonly string[]): unknown => {
  let node: unknown = object;
  for (const part of path) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
};

/**
 * Checks one incoming event against its envelope rules, its source's contract and the identifier
 * rules, and either builds the log record or lists every reason it is refused. Pure: everything
 * it needs comes in through the context.
 */
export const checkEvent = (raw: unknown, ctx: CheckContext): CheckResult => {
  if (!isObject(raw)) return refuse({}, [{ code: 'INVALID_ENVELOPE', message: 'an event must be a JSON object', path: '/' }]);

  const envelope: Reason[] = [];
  const sourceId = envelopeString(raw, 'source', 64, envelope) ?? ctx.fixedSourceId;
  const type = envelopeString(raw, 'type', 100, envelope);
  const eventId = envelopeString(raw, 'eventId', 200, envelope);
  const keys: EventKeys = { sourceId, type, eventId };
  if (sourceId === undefined && raw.source === undefined) envelope.push(required('source'));
  if (type === undefined && raw.type === undefined) envelope.push(required('type'));
  if (eventId === undefined && raw.eventId === undefined) envelope.push(required('eventId'));
  const occurredAt = readOccurredAt(raw.occurredAt, ctx.receivedAt, envelope);
  const properties = raw.properties ?? {};
  if (!isObject(properties)) envelope.push({ code: 'INVALID_ENVELOPE', message: 'properties must be an object', path: '/properties' });
  const identifiersIn = raw.identifiers ?? {};
  if (!isObject(identifiersIn)) envelope.push({ code: 'INVALID_ENVELOPE', message: 'identifiers must be an object', path: '/identifiers' });
  const context = raw.context as Record<string, unknown> | undefined;
  if (context !== undefined && !isObject(context))
    envelope.push({ code: 'INVALID_ENVELOPE', message: 'context must be an object', path: '/context' });
  if (envelope.length > 0 || !sourceId || !type || !eventId || !occurredAt || !isObject(properties) || !isObject(identifiersIn)) {
    return refuse(keys, envelope);
  }

  if (!ctx.hasSource(sourceId)) {
    return refuse(keys, [{ code: 'UNKNOWN_SOURCE', message: `source '${sourceId}' is not registered`, path: '/source' }]);
  }
  const contract = ctx.resolveContract(sourceId, type, ctx.pinnedVersion);
  if (!contract) {
    const known = ctx.resolveContract(sourceId, type);
    return refuse(keys, [
      known
        ? { code: 'UNKNOWN_SCHEMA_VERSION', message: `${sourceId}/${type} has no version ${ctx.pinnedVersion}`, path: '/type' }
        : { code: 'UNKNOWN_EVENT_TYPE', message: `event type '${type}' is not registered for source '${sourceId}'`, path: '/type' },
    ]);
  }
  const versionedKeys: EventKeys = { ...keys, schemaVersion: contract.version };

  const reasons: Reason[] = [];
  const drift: DriftSignal[] = [];
  if (!contract.validate(properties)) {
    for (const error of describeSchemaErrors(contract.validate.errors)) {
      reasons.push({
        code: 'SCHEMA_VIOLATION',
        message: error.message,
        path: `/properties${error.path === '/' ? '' : error.path}`,
        keyword: error.keyword,
      });
      if (error.keyword === 'additionalProperties') drift.push({ path: error.path, kind: 'undeclared_field' });
      if (error.keyword === 'type') drift.push({ path: error.path, kind: 'type_mismatch' });
    }
  } else if (contract.hasOpenObjects) {
    for (const path of undeclaredPaths(contract.tree, properties)) drift.push({ path, kind: 'undeclared_field' });
  }

  const { identifiers, rawIdentifiers, warnings, problems } = collectIdentifiers(identifiersIn, properties, contract, ctx);
  reasons.push(...problems);
  if (reasons.length === 0 && contract.requiresIdentifier && Object.keys(identifiers).length === 0) {
    reasons.push({
      code: 'NO_IDENTIFIER',
      message: warnings.length > 0 ? 'every identifier of the event was refused' : 'the event carries no identifier',
      path: '/identifiers',
    });
    reasons.push(...warnings);
  }
  if (reasons.length > 0) return refuse(versionedKeys, reasons, drift);

  const payload: EventPayload = {
    identifiers,
    ...(Object.keys(rawIdentifiers).length > 0 ? { rawIdentifiers } : {}),
    properties,
    ...(context !== undefined ? { context } : {}),
    channel: ctx.channel,
  };
  const routingKey = routingKeyOf(identifiers) ?? `${sourceId}/${type}`;
  return {
    ok: true,
    record: {
      partition: fnv1a32(routingKey) % ctx.partitions,
      sourceId,
      eventId,
      type,
      occurredAt,
      receivedAt: ctx.receivedAtIso,
      schemaVersion: contract.version,
      payload,
    },
    warnings,
    drift,
  };
};

const envelopeString = (raw: Record<string, unknown>, name: string, max: number, reasons: Reason[]): string | undefined => {
  const value = raw[name];
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.length > 0 && value.length <= max) return trimmed;
  }
  if (value !== undefined) {
    reasons.push({
      code: 'INVALID_ENVELOPE',
      message: `${name} must be a non-empty string of at most ${max} characters`,
      path: `/${name}`,
    });
  }
  return undefined;
};

const required = (name: string): Reason => ({ code: 'INVALID_ENVELOPE', message: `${name} is required`, path: `/${name}` });

/** occurredAt in UTC ISO form, or a reason: it needs a time zone and may not be far in the future. */
const readOccurredAt = (value: unknown, receivedAt: Date, reasons: Reason[]): string | undefined => {
  const ms = typeof value === 'string' && ISO_DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    reasons.push({ code: 'INVALID_ENVELOPE', message: 'occurredAt must be an ISO 8601 date-time with a time zone', path: '/occurredAt' });
    return undefined;
  }
  if (ms > receivedAt.getTime() + FUTURE_TOLERANCE_MS) {
    reasons.push({ code: 'INVALID_ENVELOPE', message: 'occurredAt is more than a day in the future', path: '/occurredAt' });
    return undefined;
  }
  return new Date(ms).toISOString();
};

const refuse = (keys: EventKeys, reasons: Reason[], drift: DriftSignal[] = []): CheckResult => ({ ok: false, keys, reasons, drift });

const routingKeyOf = (identifiers: Record<string, string>): string | undefined => {
  for (const type of ROUTING_ORDER) {
    const value = identifiers[type];
    if (value !== undefined) return `${type}:${value}`;
  }
  return undefined;
};

/**
 * Gathers identifiers from the `identifiers` object and from the contract's mapped property paths,
 * normalises them and applies the placeholder and blocked-value rules. A placeholder is dropped
 * with a warning (the rest of the event is good); a blocked or malformed value refuses the event.
 */
const collectIdentifiers = (
  identifiersIn: Record<string, unknown>,
  properties: Record<string, unknown>,
  contract: CompiledContract,
  ctx: CheckContext,
) => {
  const identifiers: Record<string, string> = {};
  const rawIdentifiers: Record<string, string> = {};
  const warnings: Reason[] = [];
  const problems: Reason[] = [];

  const candidates: { type: string; raw: unknown; path: string }[] = Object.entries(identifiersIn).map(([type, raw]) => ({
    type,
    raw,
    path: `/identifiers/${type}`,
  }));
  for (const mapping of contract.mappings) {
    const raw = valueAt(properties, mapping.path);
    if (raw !== undefined && raw !== null) candidates.push({ type: mapping.idType, raw, path: `/properties/${mapping.path.join('/')}` });
  }

  for (const { type, raw, path } of candidates) {
    // The same value given twice (in `identifiers` and in a mapped field) is checked once.
    if (typeof raw === 'string' && rawIdentifiers[type] === raw) continue;
    if (typeof raw === 'string' && identifiers[type] === raw) continue;
    if (!isIdentifierType(type)) {
      problems.push({ code: 'UNKNOWN_IDENTIFIER_TYPE', message: `'${type}' is not an identifier type`, path });
      continue;
    }
    if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isSafeInteger(raw))) {
      problems.push({ code: 'INVALID_IDENTIFIER', message: `${type} must be a string`, path });
      continue;
    }
    const text = String(raw);
    const result = ctx.normalise(type, text);
    if (!result.ok) {
      (result.code === 'PLACEHOLDER_IDENTIFIER' ? warnings : problems).push({ code: result.code, message: result.message, path });
      continue;
    }
    if (ctx.isBlocked(type, result.value)) {
      problems.push({ code: 'BLOCKED_IDENTIFIER', message: `${type} ${result.value} is on the blocked list`, path });
      continue;
    }
    const existing = identifiers[type];
    if (existing !== undefined && existing !== result.value) {
      problems.push({
        code: 'IDENTIFIER_CONFLICT',
        message: `${type} is given twice with different values (${existing}, ${result.value})`,
        path,
      });
      continue;
    }
    identifiers[type] = result.value;
    if (result.value !== text) rawIdentifiers[type] = text;
  }
  return { identifiers, rawIdentifiers, warnings, problems };
};
