import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Backend, Db } from '../storage/index.js';
import { referencesOf, type AudienceLookup } from './audience-references.js';
import {
  checkAudienceId,
  readSettings,
  sameRule,
  sameSettings,
  type Audience,
  type AudienceDraft,
  type AudienceSettings,
  type AudienceStatus,
  type AudienceVersion,
  type StoredDefinition,
  type SubmissionIssue,
} from './audience-resource.js';
import { audiencesStore, type CurrentAudience, type VersionSummary } from './audiences.store.js';
import type { ValidAudience } from './conditions.js';
import type { FieldCatalogue } from './field-catalogue.js';
import { renderAudience } from './render.js';
import type { EntityType } from './rule.js';
import { checkAudience } from './validate.js';
import type { ValidationIssue } from './validation-issues.js';

/*
 * Audience definitions as a stored, versioned resource. Creating and editing validate the whole
 * submission (settings and rule) against the current catalogue, the other audiences' current
 * definitions (references, cycles) and the retained event horizon, and report every problem at
 * once. A new rule is a new version; versions are append-only. Membership is the pipeline's.
 */

export interface AudienceDetail extends Audience {
  readonly definition: StoredDefinition;
  readonly summary: string;
  readonly versions: readonly VersionSummary[];
}

export interface DraftCheck {
  readonly valid: boolean;
  readonly issues: SubmissionIssue[];
  /** The definition in words, when the rule is valid. */
  readonly summary: string | null;
}

export interface AudienceServiceDeps {
  readonly db: Db;
  readonly backend: Backend;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** The current field and event catalogue (it follows the contract registry). */
  readonly catalogue: () => FieldCatalogue;
  /** TESSERA_EVENT_RETENTION_DAYS: how long raw events are kept; 0 keeps them for ever. */
  readonly eventRetentionDays: number;
  /** The time zone of a daily schedule that names none. */
  readonly defaultTimeZone: string;
}

/** The id a draft is checked under when it has none yet: no slug or ULID can equal it, so nothing refers to it. */
const DRAFT_ID = '(draft)';

export class AudienceService {
  readonly #deps: AudienceServiceDeps;

  constructor(deps: AudienceServiceDeps) {
    this.#deps = deps;
  }

  /** The field and event catalogue rules are validated against now. */
  catalogue(): FieldCatalogue {
    return this.#deps.catalogue();
  }

  /** Days of events an event window may reach back: unbounded when the log keeps everything. */
  get retainedEventDays(): number {
    return this.#deps.eventRetentionDays > 0 ? this.#deps.eventRetentionDays : Number.POSITIVE_INFINITY;
  }

  /** Validates and renders a draft without saving it (the console's builder, as the user types). */
  async check(draft: Partial<AudienceDraft> & Pick<AudienceDraft, 'entity' | 'rule'> & { readonly id?: string }): Promise<DraftCheck> {
    const current = await audiencesStore.currentDefinitions(this.#deps.db);
    const { issues, valid } = this.#validate({ id: draft.id ?? DRAFT_ID, entity: draft.entity, rule: draft.rule }, current);
    const settings = readSettings({ ...draft, name: draft.name ?? '' }, this.#deps.defaultTimeZone);
    const all = [...issues, ...settings.issues];
    return { valid: all.length === 0, issues: all, summary: valid ? this.#render(valid, current) : null };
  }

  async create(draft: AudienceDraft & { readonly id?: string }, actor: string): Promise<AudienceDetail> {
    if (draft.id !== undefined) {
      const problem = checkAudienceId(draft.id);
      if (problem) throw new AppError('VALIDATION_FAILED', `the audience id is not valid: ${problem.message}`, [problem]);
    }
    const id = draft.id ?? this.#deps.ids.next();
    const at = this.#now();
    await this.#deps.db.transaction().execute(async (trx) => {
      await audiencesStore.lockDefinitions(trx, this.#deps.backend);
      const current = await audiencesStore.currentDefinitions(trx);
      const { definition, settings, summary } = this.#accept(id, draft, current);
      const audience: Audience = {
        id,
        entity: draft.entity,
        status: 'active',
        version: 1,
        ...settings,
        createdAt: at,
        createdBy: actor,
        updatedAt: at,
        updatedBy: actor,
      };
      if (!(await audiencesStore.insertAudience(trx, audience))) throw new AppError('CONFLICT', `audience '${id}' already exists`);
      await audiencesStore.insertVersion(trx, { audienceId: id, version: 1, definition, summary, createdAt: at, createdBy: actor });
    });
    return this.get(id);
  }

  /**
   * Replaces an audience's rule and settings. A different rule (react-querybuilder's `id` and
   * `path` keys aside) is stored as the next version; equal rules leave the version as it is, and
   * only the settings change. `baseVersion`, when given, must be the current version (an editor
   * working on an older one gets CONFLICT instead of overwriting someone else's edit).
   */
  async update(
    id: string,
    draft: AudienceDraft & { readonly baseVersion?: number },
    actor: string,
  ): Promise<{ readonly audience: AudienceDetail; readonly versionCreated: boolean }> {
    const at = this.#now();
    const versionCreated = await this.#deps.db.transaction().execute(async (trx) => {
      await audiencesStore.lockDefinitions(trx, this.#deps.backend);
      const stored = await this.#require(trx, id);
      if (stored.status === 'archived') throw new AppError('CONFLICT', `audience '${id}' is archived; create a new audience instead`);
      if (draft.entity !== stored.entity)
        throw new AppError('CONFLICT', `audience '${id}' selects ${stored.entity} entities; an audience cannot change its entity type`, [
          { path: '/entity', code: 'ENTITY_CHANGED', message: `the audience selects ${stored.entity} entities` },
        ]);
      if (draft.baseVersion !== undefined && draft.baseVersion !== stored.version)
        throw new AppError(
          'CONFLICT',
          `audience '${id}' is at version ${stored.version}, not ${draft.baseVersion}: reload and edit again`,
          [
            {
              path: '/baseVersion',
              code: 'STALE_VERSION',
              message: `the current version is ${stored.version}`,
              currentVersion: stored.version,
            },
          ],
        );
      const current = await audiencesStore.currentDefinitions(trx);
      const { definition, settings, summary } = this.#accept(id, draft, current);
      const previous = current.find((c) => c.audience.id === id);
      const newRule = !previous || !sameRule(previous.definition.rule, definition.rule);
      if (!newRule && sameSettings(settingsOf(stored), settings)) return false;
      const toVersion = newRule ? stored.version + 1 : stored.version;
      const moved = await audiencesStore.updateAudience(trx, { id, settings, fromVersion: stored.version, toVersion, at, by: actor });
      // Unreachable while the lock holds; kept so a change of locking cannot lose an edit silently.
      if (!moved) throw new AppError('CONFLICT', `audience '${id}' was changed by another request: reload and edit again`);
      if (newRule)
        await audiencesStore.insertVersion(trx, {
          audienceId: id,
          version: toVersion,
          definition,
          summary,
          createdAt: at,
          createdBy: actor,
        });
      return newRule;
    });
    return { audience: await this.get(id), versionCreated };
  }

  /**
   * Archives an audience: it keeps its versions and stays readable, but is no longer evaluated
   * and no new rule may use it. Refused (CONFLICT) while an active audience uses it. Archiving an
   * archived audience changes nothing.
   */
  async archive(id: string, actor: string): Promise<Audience> {
    await this.#deps.db.transaction().execute(async (trx) => {
      await audiencesStore.lockDefinitions(trx, this.#deps.backend);
      const stored = await this.#require(trx, id);
      if (stored.status === 'archived') return;
      const users = (await audiencesStore.currentDefinitions(trx)).filter(
        (c) => c.audience.id !== id && referencesOf(c.definition.rule).some((ref) => ref.audienceId === id),
      );
      if (users.length > 0)
        throw new AppError(
          'CONFLICT',
          `audience '${id}' is used by ${users.map((u) => `'${u.audience.id}'`).join(', ')}; change those first`,
          users.map((u) => ({
            code: 'AUDIENCE_IN_USE',
            message: `used by '${u.audience.id}' (${u.audience.name})`,
            audienceId: u.audience.id,
          })),
        );
      await audiencesStore.archive(trx, id, this.#now(), actor);
    });
    return this.#require(this.#deps.db, id);
  }

  async get(id: string): Promise<AudienceDetail> {
    const audience = await this.#require(this.#deps.db, id);
    const [version, versions] = await Promise.all([
      audiencesStore.getVersion(this.#deps.db, id, audience.version),
      audiencesStore.listVersions(this.#deps.db, id),
    ]);
    if (!version) throw new AppError('INTERNAL', `audience '${id}' has no version ${audience.version}`);
    return { ...audience, definition: version.definition, summary: version.summary, versions };
  }

  async getVersion(id: string, version: number): Promise<AudienceVersion> {
    await this.#require(this.#deps.db, id);
    const found = await audiencesStore.getVersion(this.#deps.db, id, version);
    if (!found) throw new AppError('NOT_FOUND', `audience '${id}' has no version ${version}`);
    return found;
  }

  list(filter: { readonly status?: AudienceStatus; readonly after?: string; readonly limit: number }) {
    return audiencesStore.list(this.#deps.db, filter);
  }

  /** A draft rule validated against the current catalogue and audiences, or VALIDATION_FAILED with every problem. */
  async validDraft(draft: { readonly entity: EntityType; readonly rule: unknown; readonly id?: string }): Promise<ValidAudience> {
    const current = await audiencesStore.currentDefinitions(this.#deps.db);
    const { issues, valid } = this.#validate(
      { id: draft.id ?? DRAFT_ID, entity: draft.entity, rule: draft.rule as StoredDefinition['rule'] },
      current,
    );
    if (valid) return valid;
    const [first] = issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new AppError('VALIDATION_FAILED', `the rule is not valid: ${first?.path} ${first?.message}${more}`, [...issues]);
  }

  /** An active audience with its current definition validated (NOT_FOUND when unknown or archived). */
  async validCurrent(
    id: string,
  ): Promise<{ readonly audience: Audience; readonly valid: ValidAudience; readonly names: ReadonlyMap<string, string> }> {
    const current = await audiencesStore.currentDefinitions(this.#deps.db);
    const found = current.find((c) => c.audience.id === id);
    if (!found) {
      await this.#require(this.#deps.db, id);
      throw new AppError('CONFLICT', `audience '${id}' is archived: it has no members to analyse`);
    }
    const { issues, valid } = this.#validate(found.definition, current);
    if (!valid)
      throw new AppError('CONFLICT', `audience '${id}' no longer validates: ${issues[0]?.path} ${issues[0]?.message}`, [...issues]);
    return { audience: found.audience, valid, names: new Map(current.map((c) => [c.audience.id, c.audience.name])) };
  }

  /** Every active audience with its current definition (for the pipeline's audience stage). */
  currentDefinitions(): Promise<CurrentAudience[]> {
    return audiencesStore.currentDefinitions(this.#deps.db);
  }

  async #require(db: Db, id: string): Promise<Audience> {
    const audience = await audiencesStore.get(db, id);
    if (!audience) throw new AppError('NOT_FOUND', `audience '${id}' not found`);
    return audience;
  }

  /** The definition, settings and summary to store, or VALIDATION_FAILED with every problem (rule and settings). */
  #accept(
    id: string,
    draft: AudienceDraft,
    current: readonly CurrentAudience[],
  ): { definition: StoredDefinition; settings: AudienceSettings; summary: string } {
    const definition: StoredDefinition = { id, entity: draft.entity, rule: draft.rule };
    const { issues, valid } = this.#validate(definition, current);
    const settings = readSettings(draft, this.#deps.defaultTimeZone);
    const all = [...issues, ...settings.issues];
    if (!valid || all.length > 0) {
      const [first] = all;
      const more = all.length > 1 ? ` (and ${all.length - 1} more)` : '';
      throw new AppError('VALIDATION_FAILED', `the audience is not valid: ${first?.path} ${first?.message}${more}`, all);
    }
    return { definition, settings: settings.settings, summary: this.#render(valid, current) };
  }

  #validate(
    definition: StoredDefinition,
    current: readonly CurrentAudience[],
  ): { issues: readonly ValidationIssue[]; valid?: ValidAudience } {
    const byId = new Map(current.map((c) => [c.audience.id, c]));
    // Other audiences as they are now; archived ones are absent, so a new rule cannot use them.
    const lookup: AudienceLookup = (audienceId) => {
      const found = byId.get(audienceId);
      return found ? { entity: found.audience.entity, rule: found.definition.rule } : undefined;
    };
    const checked = checkAudience(definition, {
      catalogue: this.#deps.catalogue(),
      audiences: lookup,
      retainedEventDays: this.retainedEventDays,
      now: this.#deps.clock.now().getTime(),
    });
    return checked.ok ? { issues: [], valid: checked.audience } : { issues: checked.issues };
  }

  #render(valid: ValidAudience, current: readonly CurrentAudience[]): string {
    const names = new Map(current.map((c) => [c.audience.id, c.audience.name]));
    return renderAudience(valid, { audienceName: (audienceId) => names.get(audienceId) });
  }

  #now(): string {
    return this.#deps.clock.now().toISOString();
  }
}

const settingsOf = (audience: Audience): AudienceSettings => ({
  name: audience.name,
  description: audience.description,
  mode: audience.mode,
  schedule: audience.schedule,
  holdoutPercent: audience.holdoutPercent,
});
