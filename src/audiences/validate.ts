import { AppError } from '../core/errors.js';
import { findCycle, referencesOf, type AudienceLookup } from './audience-references.js';
import type { GroupCondition, ValidAudience } from './conditions.js';
import type { FieldCatalogue } from './field-catalogue.js';
import { RuleReader } from './read-rule.js';
import { ENTITY_TYPES, type EntityType } from './rule.js';
import type { IssueCode, ValidationIssue } from './validation-issues.js';

/*
 * Validation before save: the whole definition is read, every problem is collected (not just the
 * first), and each points at its place in the submitted JSON. `validateAudience` throws the
 * project's VALIDATION_FAILED error with the problems as details; `checkAudience` answers them.
 */

export interface ValidationContext {
  readonly catalogue: FieldCatalogue;
  /** Other audiences' saved definitions (membership conditions, cycles). */
  readonly audiences: AudienceLookup;
  /** Days of events the event store keeps: no event window may reach further back. */
  readonly retainedEventDays: number;
  /** Epoch ms: a fixed event window must start inside the retained horizon now. */
  readonly now: number;
  readonly maxDepth?: number;
  readonly maxConditions?: number;
}

export type CheckResult =
  { readonly ok: true; readonly audience: ValidAudience } | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

const DEFAULT_MAX_DEPTH = 8;
const DEFAULT_MAX_CONDITIONS = 100;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads `{ id, entity, rule }`: the rule as JSON, as submitted. */
export const checkAudience = (definition: unknown, context: ValidationContext): CheckResult => {
  const issues: ValidationIssue[] = [];
  const report = (path: string, code: IssueCode, message: string) => issues.push({ path, code, message });
  if (!isObject(definition)) {
    report('', 'BAD_SHAPE', 'expected { id, entity, rule }');
    return { ok: false, issues };
  }
  const { id, entity, rule } = definition;
  if (typeof id !== 'string' || id === '') report('/id', 'BAD_VALUE', 'id is required');
  if (!ENTITY_TYPES.includes(entity as never)) report('/entity', 'BAD_VALUE', `entity must be one of ${ENTITY_TYPES.join(', ')}`);
  if (issues.length > 0) return { ok: false, issues };

  const reader = new RuleReader(
    {
      catalogue: context.catalogue,
      audiences: context.audiences,
      retainedEventDays: context.retainedEventDays,
      now: context.now,
      audienceId: id as string,
      maxDepth: context.maxDepth ?? DEFAULT_MAX_DEPTH,
      maxConditions: context.maxConditions ?? DEFAULT_MAX_CONDITIONS,
    },
    report,
  );
  const root = reader.group(rule, '/rule', entity as EntityType, 1);
  if (root?.kind === 'members')
    report('/rule/members', 'BAD_SHAPE', 'the top group is the audience itself; put the members group inside it');

  for (const ref of referencesOf(rule, '/rule')) {
    const cycle = findCycle(id as string, [ref], context.audiences);
    if (cycle) report(`${ref.path}/audienceId`, 'AUDIENCE_CYCLE', `audiences would use each other in a cycle: ${cycle.join(' → ')}`);
  }
  if (issues.length > 0 || !root) return { ok: false, issues };
  return { ok: true, audience: { id: id as string, entity: entity as EntityType, root: root as GroupCondition } };
};

/** The valid audience, or AppError VALIDATION_FAILED listing every problem (path, code, message). */
export const validateAudience = (definition: unknown, context: ValidationContext): ValidAudience => {
  const checked = checkAudience(definition, context);
  if (checked.ok) return checked.audience;
  const [first] = checked.issues;
  const more = checked.issues.length > 1 ? ` (and ${checked.issues.length - 1} more)` : '';
  throw new AppError('VALIDATION_FAILED', `the audience definition is not valid: ${first?.path} ${first?.message}${more}`, checked.issues);
};
