import type { LoggedEvent } from '../bus/index.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../storage/index.js';
import { entitiesStore } from './entities.store.js';
import {
  blankAccount,
  blankOrganisation,
  foldAccountEvent,
  foldOrganisationEvent,
  linkAccountToOrganisation,
  type AccountState,
  type EntityEvent,
  type OrganisationState,
} from './entity-state.js';

const ORGANISATION_EVENT = 'reference/organisation';

const entityEventOf = (event: LoggedEvent): EntityEvent => ({
  key: `${event.sourceId}/${event.type}`,
  accountId: event.payload.identifiers.accountId,
  properties: event.payload.properties,
  ref: { sourceId: event.sourceId, eventId: event.eventId, seq: event.seq, at: event.occurredAt },
});

/**
 * The pipeline step after the profile stage: every event that names an account folds into the
 * account, every organisation reference record into the organisation and links the accounts it
 * lists. Loads the touched rows in bulk, folds in log order (pure), writes them back in the
 * batch's transaction.
 */
export class EntityStage {
  readonly #clock: Clock;

  constructor(deps: { clock: Clock }) {
    this.#clock = deps.clock;
  }

  async process(trx: Db, events: readonly LoggedEvent[]): Promise<void> {
    const relevant = events.map(entityEventOf).filter((e) => e.accountId !== undefined || e.key === ORGANISATION_EVENT);
    if (relevant.length === 0) return;
    const organisationIdOf = (e: EntityEvent): string | undefined => (typeof e.properties.inn === 'string' ? e.properties.inn : undefined);
    const listedAccounts = (e: EntityEvent): string[] =>
      Array.isArray(e.properties.accountIds) ? e.properties.accountIds.filter((a): a is string => typeof a === 'string') : [];
    const accountIds = new Set<string>();
    const organisationIds = new Set<string>();
    for (const e of relevant) {
      if (e.accountId !== undefined) accountIds.add(e.accountId);
      if (e.key !== ORGANISATION_EVENT) continue;
      const id = organisationIdOf(e);
      if (id) organisationIds.add(id);
      for (const a of listedAccounts(e)) accountIds.add(a);
    }
    const accounts = await entitiesStore.accounts(trx, [...accountIds]);
    const organisations = await entitiesStore.organisations(trx, [...organisationIds]);
    const changedAccounts = new Map<string, AccountState>();
    const changedOrganisations = new Map<string, OrganisationState>();
    const account = (id: string, at: string): AccountState => changedAccounts.get(id) ?? accounts.get(id) ?? blankAccount(id, at);
    for (const e of relevant) {
      if (e.accountId !== undefined) changedAccounts.set(e.accountId, foldAccountEvent(account(e.accountId, e.ref.at), e));
      const organisationId = e.key === ORGANISATION_EVENT ? organisationIdOf(e) : undefined;
      if (!organisationId) continue;
      const current =
        changedOrganisations.get(organisationId) ?? organisations.get(organisationId) ?? blankOrganisation(organisationId, e.ref.at);
      changedOrganisations.set(organisationId, foldOrganisationEvent(current, e));
      for (const a of listedAccounts(e)) changedAccounts.set(a, linkAccountToOrganisation(account(a, e.ref.at), organisationId, e.ref));
    }
    const now = this.#clock.now().toISOString();
    await entitiesStore.writeAccounts(trx, [...changedAccounts.values()], now);
    await entitiesStore.writeOrganisations(trx, [...changedOrganisations.values()], now);
  }

  reset(trx: Db): Promise<void> {
    return entitiesStore.reset(trx);
  }
}
