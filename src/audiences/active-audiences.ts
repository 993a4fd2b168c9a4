import { trackedEventsOf, type TrackedEvent } from './activity.js';
import type { AudienceLookup } from './audience-references.js';
import type { Audience } from './audience-resource.js';
import type { CurrentAudience } from './audiences.store.js';
import type { ValidAudience } from './conditions.js';
import { DependencyIndex } from './dependency-index.js';
import { compileAudience, type CompiledAudience } from './evaluate.js';
import type { FieldCatalogue } from './field-catalogue.js';
import type { EntityType } from './rule.js';
import { checkAudience } from './validate.js';
import type { ValidationIssue } from './validation-issues.js';

/*
 * The active audiences as the membership stage runs them: each current definition validated
 * against today's catalogue and compiled once, the dependency index over them, and what their
 * event conditions need kept of each person's activity. Rebuilt whenever a definition changes.
 */

export interface ActiveAudience {
  readonly audience: Audience;
  readonly valid: ValidAudience;
  readonly compiled: CompiledAudience;
}

export interface ActiveAudiences {
  /** In evaluation order: an audience after every audience it uses. */
  readonly list: readonly ActiveAudience[];
  readonly byId: ReadonlyMap<string, ActiveAudience>;
  readonly index: DependencyIndex;
  /**
   * Real-time audiences of each entity type, in evaluation order: those events and wake-ups
   * re-evaluate. Scheduled audiences change only when recomputed on their schedule.
   */
  readonly ofEntity: Readonly<Record<EntityType, readonly ActiveAudience[]>>;
  /** Stored definitions that no longer validate (a contract or aggregate they read was removed): not evaluated. */
  readonly invalid: readonly { readonly audienceId: string; readonly issues: readonly ValidationIssue[] }[];
  /** Whether a consent condition appears in any audience (persons' consent is then read). */
  readonly readsConsent: boolean;
  /** What event conditions need kept of each person's activity, as of `now`. */
  tracked(now: number): Map<string, TrackedEvent>;
}

export const activeAudiences = (
  current: readonly CurrentAudience[],
  context: { readonly catalogue: FieldCatalogue; readonly retainedEventDays: number; readonly now: number },
): ActiveAudiences => {
  const byStoredId = new Map(current.map((c) => [c.audience.id, c]));
  const lookup: AudienceLookup = (id) => {
    const found = byStoredId.get(id);
    return found ? { entity: found.audience.entity, rule: found.definition.rule } : undefined;
  };
  const valid: { audience: Audience; valid: ValidAudience }[] = [];
  const invalid: { audienceId: string; issues: readonly ValidationIssue[] }[] = [];
  for (const c of current) {
    const checked = checkAudience(c.definition, {
      catalogue: context.catalogue,
      audiences: lookup,
      retainedEventDays: context.retainedEventDays,
      now: context.now,
    });
    if (checked.ok) valid.push({ audience: c.audience, valid: checked.audience });
    else invalid.push({ audienceId: c.audience.id, issues: checked.issues });
  }
  // An audience that uses an invalid one cannot be evaluated either.
  const evaluable = new Set(valid.map((v) => v.audience.id));
  const index = new DependencyIndex(
    valid.filter((v) => evaluable.has(v.audience.id)).map((v) => v.valid),
    context.catalogue,
  );
  const names = new Map(current.map((c) => [c.audience.id, c.audience.name]));
  const entries = new Map(
    valid.map((v) => [
      v.audience.id,
      { ...v, compiled: compileAudience(v.valid, { audienceName: (id: string) => names.get(id) }) } satisfies ActiveAudience,
    ]),
  );
  const list = index.order.flatMap((id) => entries.get(id) ?? []);
  return {
    list,
    byId: new Map(list.map((a) => [a.audience.id, a])),
    index,
    ofEntity: {
      person: list.filter((a) => a.audience.entity === 'person' && a.audience.mode === 'realtime'),
      account: list.filter((a) => a.audience.entity === 'account' && a.audience.mode === 'realtime'),
      organisation: list.filter((a) => a.audience.entity === 'organisation' && a.audience.mode === 'realtime'),
    },
    invalid,
    readsConsent: list.some((a) => {
      const d = index.dependencies(a.audience.id);
      return (d?.own.consentPurposes.size ?? 0) > 0 || (d?.members?.consentPurposes.size ?? 0) > 0;
    }),
    tracked: (now) =>
      trackedEventsOf(
        list.map((a) => a.valid),
        now,
      ),
  };
};

/** What identifies the set of definitions: an audience's id, version, settings' time and status. */
export const definitionsStamp = (rows: readonly { id: string; current_version: number; updated_at: string }[]): string =>
  rows.map((r) => `${r.id}@${r.current_version}@${r.updated_at}`).join('|');
