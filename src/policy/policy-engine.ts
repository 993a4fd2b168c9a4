import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { AppError, type ErrorDetail } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { CLASS_PURPOSES, type AttributeClass } from './attribute-classes.js';
import { evidenceOf, type ConsentInput } from './consent-evidence.js';
import { adChannelOf, type ConsumerKind } from './consumer.js';
import { CEDAR_SCHEMA, POLICY_NAMESPACE } from './default-policy.js';

/*
 * Policy decisions with Cedar (@cedar-policy/cedar-wasm, the Node build: a WebAssembly module
 * loaded synchronously, no bundler needed). A policy set is Cedar text whose every policy carries
 * an `@id`; compiling it parses, checks the ids and validates it strictly against CEDAR_SCHEMA, so
 * a set that refers to an attribute that does not exist is refused when it is stored, not found
 * wrong at decision time. The compiled set is pre-parsed into the module's cache, and a decision
 * costs one evaluation (~0.1 ms); decision-cache.ts keeps the answers per distinct tuple.
 */

/** What a decision reads of a consumer. */
export interface PolicyConsumer {
  readonly id: string;
  readonly revision: number;
  readonly kind: ConsumerKind;
  readonly partner: string | null;
  readonly purposes: readonly string[];
  readonly channels: readonly string[];
  readonly requiredSignals: readonly string[];
}

export interface PolicyRequest {
  readonly consumer: PolicyConsumer;
  readonly purpose: string;
  readonly channel: string;
  readonly attributeClass: AttributeClass;
  readonly consent: ConsentInput;
}

export interface Decision {
  readonly allowed: boolean;
  /**
   * The policies that decided: the permits that allowed, or the forbids that denied; `default-deny`
   * when nothing permitted; `error:<id>` for a policy that failed to evaluate (which denies).
   */
  readonly rules: readonly string[];
  readonly policyVersion: number;
}

export interface CompiledPolicySet {
  readonly version: number;
  readonly text: string;
  /** The `@id` of every policy, in the order written. */
  readonly policyIds: readonly string[];
  readonly fingerprint: string;
  /** The id the set is pre-parsed under in the Cedar module. */
  readonly cedarId: string;
}

export const DEFAULT_DENY = 'default-deny';

const ACTION = { type: `${POLICY_NAMESPACE}::Action`, id: 'disclose' };
const CONSUMER_TYPE = `${POLICY_NAMESPACE}::Consumer`;
const CLASS_TYPE = `${POLICY_NAMESPACE}::AttributeClass`;
const SCHEMA_ID = 'tessera-policy-schema';
let schemaParsed = false;

const describe = (errors: readonly cedar.DetailedError[], path: string, code: string): ErrorDetail[] =>
  errors.map((e) => ({
    path,
    code,
    message: e.message,
    ...(e.help ? { help: e.help } : {}),
    ...(e.sourceLocations?.[0] ? { offset: e.sourceLocations[0].start, label: e.sourceLocations[0].label } : {}),
  }));

const ensureSchema = (): void => {
  if (schemaParsed) return;
  const answer = cedar.preparseSchema(SCHEMA_ID, CEDAR_SCHEMA);
  if (answer.type === 'failure')
    throw new AppError('INTERNAL', 'the built-in Cedar schema does not parse', describe(answer.errors, '', 'SCHEMA'));
  schemaParsed = true;
};

const ID_ANNOTATION = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * Parses and validates a policy set; every problem is reported at once as VALIDATION_FAILED with
 * details under `/policies`. Pre-parses the valid set into the Cedar module for decisions.
 */
export const compilePolicySet = (text: string, version: number): CompiledPolicySet => {
  ensureSchema();
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure')
    throw new AppError('VALIDATION_FAILED', 'the policy set does not parse', describe(parts.errors, '/policies', 'PARSE'));
  if (parts.policy_templates.length > 0)
    throw new AppError('VALIDATION_FAILED', 'policy templates are not supported', [
      {
        path: '/policies',
        code: 'TEMPLATE',
        message: 'write static policies; templates with ?principal or ?resource slots are not linked',
      },
    ]);
  if (parts.policies.length === 0)
    throw new AppError('VALIDATION_FAILED', 'the policy set is empty', [
      { path: '/policies', code: 'EMPTY', message: 'a policy set needs at least one permit (an empty set denies everything)' },
    ]);
  const issues: ErrorDetail[] = [];
  const staticPolicies: Record<string, string> = {};
  parts.policies.forEach((policy, index) => {
    const json = cedar.policyToJson(policy);
    if (json.type === 'failure') {
      issues.push(...describe(json.errors, `/policies/${index}`, 'PARSE'));
      return;
    }
    const id = json.json.annotations?.id;
    if (typeof id !== 'string' || !ID_ANNOTATION.test(id))
      issues.push({
        path: `/policies/${index}`,
        code: 'MISSING_ID',
        message: `policy ${index + 1} needs an @id("…") annotation of letters, digits, _ . : -`,
      });
    else if (id === DEFAULT_DENY || id.startsWith('error:'))
      issues.push({ path: `/policies/${index}`, code: 'RESERVED_ID', message: `@id("${id}") is reserved` });
    else if (staticPolicies[id] !== undefined)
      issues.push({ path: `/policies/${index}`, code: 'DUPLICATE_ID', message: `@id("${id}") is used by two policies` });
    else staticPolicies[id] = policy;
  });
  if (issues.length > 0) throw new AppError('VALIDATION_FAILED', 'the policy set is not valid', issues);

  const validation = cedar.validate({ schema: CEDAR_SCHEMA, policies: { staticPolicies }, validationSettings: { mode: 'strict' } });
  if (validation.type === 'failure')
    throw new AppError(
      'VALIDATION_FAILED',
      'the policy set could not be validated',
      describe(validation.errors, '/policies', 'VALIDATION'),
    );
  if (validation.validationErrors.length > 0)
    throw new AppError(
      'VALIDATION_FAILED',
      'the policy set does not type-check against the Tessera schema',
      validation.validationErrors.map((e) => ({ path: `/policies/${e.policyId}`, code: 'TYPE', message: e.error.message })),
    );
  const fingerprint = sha256Hex(text);
  const cedarId = `v${version}-${fingerprint.slice(0, 16)}`;
  const preparsed = cedar.preparsePolicySet(cedarId, { staticPolicies });
  if (preparsed.type === 'failure')
    throw new AppError('VALIDATION_FAILED', 'the policy set does not parse', describe(preparsed.errors, '/policies', 'PARSE'));
  return { version, text, policyIds: Object.keys(staticPolicies), fingerprint, cedarId };
};

/** One uncached decision: Cedar evaluates the whole set. Evaluation errors deny (fail closed). */
export const evaluatePolicy = (set: CompiledPolicySet, request: PolicyRequest): Decision => {
  const { consumer } = request;
  const consent = evidenceOf(request.consent);
  const principal = { type: CONSUMER_TYPE, id: consumer.id };
  const resource = { type: CLASS_TYPE, id: request.attributeClass };
  const answer = cedar.statefulIsAuthorized({
    principal,
    action: ACTION,
    resource,
    context: {
      purpose: request.purpose,
      channel: request.channel,
      consent: { valid: consent.valid, explicit: consent.explicit, legalBasis: consent.legalBasis ?? '', signals: [...consent.signals] },
    },
    preparsedPolicySetId: set.cedarId,
    entities: [
      {
        uid: principal,
        attrs: {
          kind: consumer.kind,
          purposes: [...consumer.purposes],
          channels: [...consumer.channels],
          requiredSignals: [...consumer.requiredSignals],
          adChannel: consumer.partner === null ? '' : adChannelOf(consumer.partner),
        },
        parents: [],
      },
      { uid: resource, attrs: { purposes: [...CLASS_PURPOSES[request.attributeClass]] }, parents: [] },
    ],
  });
  if (answer.type === 'failure')
    return { allowed: false, rules: answer.errors.map((e) => `error:${e.message}`), policyVersion: set.version };
  const { decision, diagnostics } = answer.response;
  if (diagnostics.errors.length > 0)
    // A forbid that fails to evaluate is skipped by Cedar; here it denies instead.
    return { allowed: false, rules: diagnostics.errors.map((e) => `error:${e.policyId}`), policyVersion: set.version };
  const rules = [...diagnostics.reason].sort();
  if (decision === 'allow') return { allowed: true, rules, policyVersion: set.version };
  return { allowed: false, rules: rules.length > 0 ? rules : [DEFAULT_DENY], policyVersion: set.version };
};

/** The `@id`s of a stored (hence valid) policy set, in the order written. */
export const policyIdsOf = (text: string): string[] => {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') return [];
  return parts.policies.flatMap((policy) => {
    const json = cedar.policyToJson(policy);
    const id = json.type === 'success' ? json.json.annotations?.id : undefined;
    return typeof id === 'string' ? [id] : [];
  });
};

/** The Cedar version in use, for the policy versions' records. */
export const cedarVersion = (): string => cedar.getCedarVersion();
