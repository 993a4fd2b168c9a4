import type { OrganisationState } from '../entities/entity-state.js';
import { entitiesStore } from '../entities/entities.store.js';
import type { WorkingProfile } from '../profiles/profile-stage.js';
import { viewOf } from '../profiles/profile-state.js';
import { profilesStore, type StoredProfile } from '../profiles/profiles.store.js';
import type { WindowValues } from '../profiles/aggregates/index.js';
import type { Db } from '../storage/index.js';
import { historyOf, type Activity } from './activity.js';
import type { AudienceInput, ConsentLookup } from './audience-input.js';
import type { FieldCatalogue } from './field-catalogue.js';
import type { FieldValue } from './field-types.js';
import { membershipStore, type CurrentMembership } from './membership.store.js';
import { lazyProfileFields } from './profile-fields.js';
import type { EntityType } from './rule.js';

/*
 * The evaluators' inputs built from what is stored (or, in the pipeline, what the batch holds):
 * a person from their profile, activity, accounts and memberships; an account or organisation
 * from its state and its member persons. One loader serves one batch, scheduler step or request,
 * at one `now`; it reads each thing once.
 */

/** What the loader needs of the profile stage: a stored row as a working profile, and its windows. */
export interface ProfileReading {
  working(row: StoredProfile): WorkingProfile;
  windowOf(profile: WorkingProfile, aggregateId: string, now: Date): WindowValues | undefined;
}

export interface InputSources {
  readonly profiles: ProfileReading;
  readonly catalogue: () => FieldCatalogue;
  readonly defaultTimeZone: string;
  /** Consent per person (issue 7); absent: no consent, so consent conditions are false (deny by default). */
  readonly consent?: (db: Db, profileIds: readonly string[], now: Date) => Promise<ReadonlyMap<string, ConsentLookup>>;
}

interface Person {
  readonly profile: WorkingProfile | undefined;
  readonly accounts: readonly { readonly accountId: string; readonly role: string }[];
  activity: Activity;
}

export class InputLoader {
  readonly #db: Db;
  readonly #sources: InputSources;
  readonly now: Date;
  readonly #persons = new Map<string, Person>();
  readonly #memberships = new Map<string, Map<string, CurrentMembership>>();
  readonly #consent = new Map<string, ConsentLookup>();
  /** Built once per person: memberships are read through the live map, so a cached input stays true. */
  readonly #personInputs = new Map<string, AudienceInput>();
  readonly #accountMembers = new Map<string, string[]>();
  readonly #organisations = new Map<string, OrganisationState | null>();
  readonly #organisationMembers = new Map<string, string[]>();

  /** Activity of event types the stored activity does not hold (a preview read them from the log), by person. */
  readonly #extraActivity: ReadonlyMap<string, Activity> | undefined;
  /** The catalogue as it is when the loader is made (one batch, step or request). */
  readonly #catalogue: FieldCatalogue;

  /** Whether the rules evaluated read consent (reading it costs a query per 500 persons). */
  readonly #readsConsent: boolean;

  constructor(
    db: Db,
    sources: InputSources,
    now: Date,
    options: { readonly extraActivity?: ReadonlyMap<string, Activity>; readonly readsConsent?: boolean } = {},
  ) {
    this.#db = db;
    this.#sources = sources;
    this.now = now;
    this.#extraActivity = options.extraActivity;
    this.#catalogue = sources.catalogue();
    this.#readsConsent = options.readsConsent ?? true;
  }

  /**
   * Loads persons not held yet. `held` are working profiles the caller has (the batch's), and
   * `activities` their activity as the caller updated it.
   */
  async loadPersons(
    ids: Iterable<string>,
    held: { readonly profiles?: ReadonlyMap<string, WorkingProfile>; readonly activities?: ReadonlyMap<string, Activity> } = {},
  ): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => !this.#persons.has(id));
    if (wanted.length === 0) return;
    const fromStore = wanted.filter((id) => !held.profiles?.has(id));
    const rows = fromStore.length > 0 ? await profilesStore.read(this.#db, fromStore) : new Map<string, StoredProfile>();
    const needActivity = wanted.filter((id) => !held.activities?.has(id));
    const activities = needActivity.length > 0 ? await membershipStore.activities(this.#db, needActivity) : new Map<string, Activity>();
    const accounts = await this.#accountsOf(wanted);
    await this.#loadMemberships(wanted);
    if (this.#sources.consent && this.#readsConsent)
      for (const [id, lookup] of await this.#sources.consent(this.#db, wanted, this.now)) this.#consent.set(id, lookup);
    for (const id of wanted) {
      const row = rows.get(id);
      this.#persons.set(id, {
        profile: held.profiles?.get(id) ?? (row ? this.#sources.profiles.working(row) : undefined),
        accounts: accounts.get(id) ?? [],
        activity: { ...(held.activities?.get(id) ?? activities.get(id)), ...this.#extraActivity?.get(id) },
      });
    }
  }

  /** Loads accounts' member persons (and the persons). */
  async loadAccounts(accountIds: Iterable<string>): Promise<void> {
    const wanted = [...new Set(accountIds)].filter((id) => !this.#accountMembers.has(id));
    if (wanted.length === 0) return;
    for (let i = 0; i < wanted.length; i += 500) {
      const part = wanted.slice(i, i + 500);
      const rows = await this.#db
        .selectFrom('profile_accounts')
        .select(['account_id', 'profile_id'])
        .where('account_id', 'in', part)
        .execute();
      for (const id of part) this.#accountMembers.set(id, []);
      for (const r of rows) this.#accountMembers.get(r.account_id)?.push(r.profile_id);
    }
    await this.#loadMemberships(wanted);
    await this.loadPersons(wanted.flatMap((id) => this.#accountMembers.get(id) ?? []));
  }

  /** Loads organisations, their accounts' member persons (and the persons). */
  async loadOrganisations(organisationIds: Iterable<string>): Promise<void> {
    const wanted = [...new Set(organisationIds)].filter((id) => !this.#organisations.has(id));
    if (wanted.length === 0) return;
    const states = await entitiesStore.organisations(this.#db, wanted);
    for (let i = 0; i < wanted.length; i += 500) {
      const part = wanted.slice(i, i + 500);
      const rows = await this.#db
        .selectFrom('account_state as a')
        .innerJoin('profile_accounts as p', 'p.account_id', 'a.account_id')
        .select(['a.organisation_id', 'p.profile_id'])
        .where('a.organisation_id', 'in', part)
        .execute();
      for (const id of part) this.#organisationMembers.set(id, []);
      for (const r of rows) if (r.organisation_id !== null) this.#organisationMembers.get(r.organisation_id)?.push(r.profile_id);
    }
    for (const id of wanted) this.#organisations.set(id, states.get(id) ?? null);
    await this.#loadMemberships(wanted);
    await this.loadPersons(wanted.flatMap((id) => [...new Set(this.#organisationMembers.get(id) ?? [])]));
  }

  /** The accounts (and their organisations) of loaded persons. */
  accountsOfPersons(profileIds: Iterable<string>): string[] {
    const out = new Set<string>();
    for (const id of profileIds) for (const a of this.#persons.get(id)?.accounts ?? []) out.add(a.accountId);
    return [...out];
  }

  async organisationsOfAccounts(accountIds: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    for (let i = 0; i < accountIds.length; i += 500) {
      const rows = await this.#db
        .selectFrom('account_state')
        .select('organisation_id')
        .where('account_id', 'in', accountIds.slice(i, i + 500))
        .where('organisation_id', 'is not', null)
        .execute();
      for (const r of rows) if (r.organisation_id !== null) out.add(r.organisation_id);
    }
    return [...out];
  }

  /** Whether the person has a profile row (a merged-away or unknown id has none). */
  hasProfile(profileId: string): boolean {
    return this.#persons.get(profileId)?.profile !== undefined;
  }

  /** The entity's current memberships by audience (loaded entities), which the caller updates as it evaluates. */
  membershipsOf(entityId: string): Map<string, CurrentMembership> {
    let of = this.#memberships.get(entityId);
    if (!of) this.#memberships.set(entityId, (of = new Map()));
    return of;
  }

  /** Loads the memberships of entities whose inputs are not needed (merged-away profiles). */
  async loadMemberships(entityIds: readonly string[]): Promise<void> {
    await this.#loadMemberships(entityIds);
  }

  input(entity: EntityType, id: string): AudienceInput {
    if (entity === 'person') return this.#personInput(id);
    const memberIds = entity === 'account' ? (this.#accountMembers.get(id) ?? []) : [...new Set(this.#organisationMembers.get(id) ?? [])];
    const fields: Record<string, FieldValue> = { 'members.count': memberIds.length };
    if (entity === 'account') fields['identity.accountId'] = id;
    else {
      fields['identity.organisationId'] = id;
      const state = this.#organisations.get(id);
      for (const [name, value] of Object.entries(state?.firmographics ?? {})) if (value !== null) fields[`firmographics.${name}`] = value;
    }
    const memberships = this.membershipsOf(id);
    return {
      id,
      fields,
      memberships: (audienceId) => memberships.has(audienceId),
      members: memberIds.map((m) => this.#personInput(m)),
    };
  }

  #personInput(id: string): AudienceInput {
    let input = this.#personInputs.get(id);
    if (!input) this.#personInputs.set(id, (input = this.#buildPersonInput(id)));
    return input;
  }

  #buildPersonInput(id: string): AudienceInput {
    const person = this.#persons.get(id);
    const profile = person?.profile;
    const sources = this.#sources;
    const now = this.now;
    let view: ReturnType<typeof viewOf> | undefined;
    const windows = new Map<string, WindowValues | undefined>();
    const fields = profile
      ? lazyProfileFields(
          {
            profileId: id,
            get view() {
              return (view ??= viewOf(profile.state, now, sources.defaultTimeZone));
            },
            // Each aggregate's windows are read when a rule first asks for one of them.
            windows: new Proxy({} as Record<string, WindowValues>, {
              get: (_, aggregateId) => {
                if (typeof aggregateId !== 'string') return undefined;
                if (!windows.has(aggregateId)) windows.set(aggregateId, sources.profiles.windowOf(profile, aggregateId, now));
                return windows.get(aggregateId);
              },
            }),
            scores: profile.scores,
            accounts: person.accounts,
          },
          this.#catalogue,
        )
      : { 'identity.profileId': id };
    const memberships = this.membershipsOf(id);
    const consent = this.#consent.get(id);
    return {
      id,
      fields,
      events: historyOf(person?.activity ?? {}),
      ...(consent ? { consent } : {}),
      memberships: (audienceId) => memberships.has(audienceId),
    };
  }

  async #accountsOf(profileIds: readonly string[]): Promise<Map<string, { accountId: string; role: string }[]>> {
    const out = new Map<string, { accountId: string; role: string }[]>();
    for (let i = 0; i < profileIds.length; i += 500) {
      const rows = await this.#db
        .selectFrom('profile_accounts')
        .select(['profile_id', 'account_id', 'role'])
        .where('profile_id', 'in', profileIds.slice(i, i + 500))
        .orderBy('account_id')
        .execute();
      for (const r of rows) {
        let list = out.get(r.profile_id);
        if (!list) out.set(r.profile_id, (list = []));
        list.push({ accountId: r.account_id, role: r.role });
      }
    }
    return out;
  }

  async #loadMemberships(entityIds: readonly string[]): Promise<void> {
    const missing = entityIds.filter((id) => !this.#memberships.has(id));
    if (missing.length === 0) return;
    const stored = await membershipStore.membershipsOf(this.#db, missing);
    for (const id of missing) this.#memberships.set(id, stored.get(id) ?? new Map());
  }
}
