import type { LoggedEvent } from '../bus/index.js';
import type { ActiveAudience, ActiveAudiences } from './active-audiences.js';
import type { InputLoader } from './audience-inputs.js';
import { nextConsentChange } from './consent-wakeups.js';
import { isHeldOut } from './holdout.js';
import type { CurrentMembership, MemberRow } from './membership.store.js';
import { messageId, type PendingWrites } from './membership-writes.js';
import type { EntityType } from './rule.js';

/*
 * One entity evaluated on a list of audiences, and what changed recorded: member rows, the
 * `audience.entered` / `audience.exited` outbox messages with the version and the explanation,
 * and the entity's wake-up (the earliest moment passing time alone can change a membership:
 * an event window, a relative date, a consent that expires). Every membership step — a batch, a
 * wake-up, a consent change, a materialisation chunk — evaluates through these functions.
 */

export type MembershipReason = 'event' | 'time' | 'definition' | 'schedule' | 'consent' | 'merged';

/** What decided an evaluation: the reason, a key naming the decision (for outbox ids), and the event when one did. */
export interface Cause {
  readonly reason: MembershipReason;
  readonly decidedBy: string;
  /** The entity's last event in the batch (log sequence): consumers can trace the change to it. */
  readonly eventSeq?: number | undefined;
}

/** What one step evaluates with: the active audiences, its loader, what it will write, a counter of evaluations. */
export interface EvaluationStep {
  readonly set: ActiveAudiences;
  readonly loader: InputLoader;
  readonly writes: PendingWrites;
  count(evaluations: number): void;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const message = (
  writes: PendingWrites,
  type: 'audience.entered' | 'audience.exited',
  row: CurrentMembership,
  entity: EntityType,
  cause: Cause,
  evaluation: unknown,
  now: string,
): void => {
  const data = {
    audienceId: row.audienceId,
    version: row.version,
    entity,
    memberId: row.memberId,
    heldOut: row.heldOut,
    reason: cause.reason,
    ...(cause.eventSeq !== undefined ? { eventSeq: cause.eventSeq } : {}),
    at: now,
    enteredAt: row.enteredAt,
    explanation: evaluation,
  };
  writes.messages.push({
    id: messageId(type, row.audienceId, row.version, row.memberId, cause.decidedBy),
    type,
    subject: row.memberId,
    data: JSON.stringify(data),
    created_at: now,
  });
};

/**
 * Evaluates the audiences on one entity and records what changed. `complete` says the list is
 * every audience of the entity's type, so the wake-up found is exact; otherwise it may only
 * bring the stored one earlier. `cause` may differ per audience (a wake-up tells a consent that
 * expired from an event leaving a window).
 */
export const evaluateEntity = (
  step: EvaluationStep,
  entity: EntityType,
  id: string,
  audiences: readonly ActiveAudience[],
  cause: Cause | ((active: ActiveAudience) => Cause),
  complete: boolean,
): void => {
  if (audiences.length === 0) return;
  const { loader, writes, set } = step;
  const causeOf = typeof cause === 'function' ? cause : () => cause;
  const nowMs = loader.now.getTime();
  const nowText = loader.now.toISOString();
  const memberships = loader.membershipsOf(id);
  let wake: number | null = null;
  const input = loader.input(entity, id);
  step.count(audiences.length);
  for (const active of audiences) {
    const { audience, compiled } = active;
    const result = compiled.membership(input, nowMs);
    if (result.nextChangeAt !== null && (wake === null || result.nextChangeAt < wake)) wake = result.nextChangeAt;
    const before = memberships.get(audience.id);
    if (result.member && before === undefined) {
      const evaluation = compiled.evaluate(input, nowMs);
      const row: MemberRow = {
        audienceId: audience.id,
        memberId: id,
        version: audience.version,
        enteredAt: nowText,
        explanation: JSON.stringify(evaluation),
        heldOut: isHeldOut(id, audience.id, audience.holdoutPercent),
        nextChangeAt: iso(result.nextChangeAt),
      };
      memberships.set(audience.id, row);
      writes.upserts.push(row);
      message(writes, 'audience.entered', row, entity, causeOf(active), evaluation, nowText);
    } else if (!result.member && before !== undefined) {
      const evaluation = compiled.evaluate(input, nowMs);
      memberships.delete(audience.id);
      let removed = writes.removals.get(audience.id);
      if (!removed) writes.removals.set(audience.id, (removed = []));
      removed.push(id);
      message(writes, 'audience.exited', { ...before, version: audience.version }, entity, causeOf(active), evaluation, nowText);
    } else if (before !== undefined) {
      const heldOut = isHeldOut(id, audience.id, audience.holdoutPercent);
      // Only a new version or holdout share rewrites the row: the next change moves with almost every event, and
      // the entity's wake-up (audience_wakeups), not this column, is what the scheduler reads.
      if (before.version !== audience.version || before.heldOut !== heldOut) {
        // Still a member: the row is written again with the evaluation that keeps it one.
        const explanation = JSON.stringify(compiled.evaluate(input, nowMs));
        const row: MemberRow = { ...before, version: audience.version, explanation, heldOut, nextChangeAt: iso(result.nextChangeAt) };
        memberships.set(audience.id, row);
        writes.upserts.push(row);
      }
    }
  }
  // The evaluator answers consent as it is now; a consent the audiences read that changes with
  // time alone (a grant's expiry) is a wake-up too.
  if (set.readsConsent) {
    const consentAt = nextConsentChange(
      input,
      audiences.map((a) => set.index.dependencies(a.audience.id)),
    );
    if (consentAt !== null && (wake === null || consentAt < wake)) wake = consentAt;
  }
  (complete ? writes.exact : writes.earlier)[entity].set(id, iso(wake));
};

/** Account and organisation audiences above the persons (their accounts', their organisations'), and those the batch's events name. */
export const evaluateEntitiesAbove = async (
  step: EvaluationStep,
  persons: readonly string[],
  cause: Cause,
  events: readonly LoggedEvent[] = [],
): Promise<void> => {
  const { set, loader } = step;
  if (set.ofEntity.account.length === 0 && set.ofEntity.organisation.length === 0) return;
  const accounts = new Set(loader.accountsOfPersons(persons));
  for (const e of events) {
    const accountId = e.payload.identifiers.accountId;
    if (typeof accountId === 'string') accounts.add(accountId);
    if (`${e.sourceId}/${e.type}` === 'reference/organisation' && Array.isArray(e.payload.properties.accountIds))
      for (const a of e.payload.properties.accountIds) if (typeof a === 'string') accounts.add(a);
  }
  const organisations = new Set(await loader.organisationsOfAccounts([...accounts]));
  for (const e of events)
    if (`${e.sourceId}/${e.type}` === 'reference/organisation' && typeof e.payload.properties.inn === 'string')
      organisations.add(e.payload.properties.inn);
  if (set.ofEntity.account.length > 0) {
    await loader.loadAccounts(accounts);
    for (const id of accounts) evaluateEntity(step, 'account', id, set.ofEntity.account, cause, true);
  }
  if (set.ofEntity.organisation.length > 0) {
    await loader.loadOrganisations(organisations);
    for (const id of organisations) evaluateEntity(step, 'organisation', id, set.ofEntity.organisation, cause, true);
  }
};
