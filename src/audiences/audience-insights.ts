import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { survivorOf } from '../profiles/profile-document.js';
import type { Db } from '../storage/index.js';
import { breakdownAudience, overlapOf, sampleMembers, type Breakdown, type ConditionBreakdown, type Overlap } from './audience-analysis.js';
import { covers, recordOccurrence, trackedEventsOf, type Activity } from './activity.js';
import { readActivityFromLog } from './activity-log.js';
import { InputLoader, type InputSources } from './audience-inputs.js';
import type { Audience } from './audience-resource.js';
import type { AudienceService } from './audiences.service.js';
import { compileScan, scanAudience } from './bulk-evaluate.js';
import { columnsFromInputs, type ColumnNeeds } from './columns-from-inputs.js';
import type { ValidAudience } from './conditions.js';
import { dependenciesOf, type DependencySet } from './dependencies.js';
import { compileAudience } from './evaluate.js';
import type { Evaluation } from './explanation.js';
import { isHeldOut } from './holdout.js';
import { ENTITY_TABLES, membershipStore, type MemberRow } from './membership.store.js';
import { eventNeedsOf } from './resident-events.js';
import type { ResidentFigures, ResidentNeeds, ResidentPersons, ResidentView } from './resident-persons.js';
import type { EntityType } from './rule.js';
import { renderCondition } from './render.js';
import { AND, countOnes, invert, OR, SET } from './scan-kernels.js';

/*
 * Reading audiences: exact previews of a draft, overlap, the breakdown by condition, the members
 * and the explanation of one entity. Counts are exact and nothing is sampled. Person rules are
 * scanned over what is kept in memory (`ResidentPersons`: fields, counted events, consent and
 * memberships, brought up to date with the store before each answer). Accounts and organisations
 * — and person rules whose events would not fit in memory — are read from the store a chunk at a
 * time, turned into columns of only what the rules read, and scanned by the same bulk evaluator
 * (the incremental evaluator's twin; a property test keeps them in agreement). Both ways give the
 * same answer (test/audience-resident.int.test.ts).
 */

const CHUNK = 5000;

export interface PreviewResult {
  readonly entity: EntityType;
  readonly count: number;
  readonly total: number;
  readonly sample: readonly string[];
  readonly asOf: string;
  readonly tookMs: number;
}

export interface Explanation {
  readonly audienceId: string;
  readonly version: number;
  readonly entity: EntityType;
  readonly memberId: string;
  readonly requestedId: string;
  readonly member: boolean;
  readonly heldOut: boolean;
  /** The stored membership: when the entity entered and under which version (null: not a member). */
  readonly membership: { readonly enteredAt: string; readonly version: number } | null;
  readonly evaluation: Evaluation;
  readonly asOf: string;
}

const union = (a: DependencySet, b: DependencySet): DependencySet => ({
  fields: new Set([...a.fields, ...b.fields]),
  eventTypes: new Set([...a.eventTypes, ...b.eventTypes]),
  consents: new Set([...a.consents, ...b.consents]),
  consentPurposes: new Set([...a.consentPurposes, ...b.consentPurposes]),
  audiences: new Set([...a.audiences, ...b.audiences]),
});

const needsOf = (audiences: readonly ValidAudience[]): ColumnNeeds => {
  const deps = audiences.map((a) => dependenciesOf(a));
  const own = deps.map((d) => d.own).reduce(union);
  const members = deps.flatMap((d) => (d.members ? [d.members] : []));
  return { own, members: members.length === 0 ? null : members.reduce(union) };
};

export class AudienceInsights {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #sources: InputSources;
  readonly #audiences: AudienceService;
  readonly #resident: ResidentPersons | undefined;

  /** Without `resident`, every answer reads the store (what `rowScan` does). */
  constructor(deps: { db: Db; clock: Clock; sources: InputSources; audiences: AudienceService; resident?: ResidentPersons }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#sources = deps.sources;
    this.#audiences = deps.audiences;
    this.#resident = deps.resident;
  }

  /** The same insights answered by reading every row from the store (the resident columns' reference). */
  rowScan(): AudienceInsights {
    return new AudienceInsights({ db: this.#db, clock: this.#clock, sources: this.#sources, audiences: this.#audiences });
  }

  /** What the resident person columns hold (undefined when the insights read the store every time). */
  residentFigures(): ResidentFigures | undefined {
    return this.#resident?.figures();
  }

  /** What person rules read of every person, to be answered from memory (undefined: read the store). */
  #residentFor(
    entity: EntityType,
    audiences: readonly ValidAudience[],
    now: Date,
  ): { resident: ResidentPersons; needs: ResidentNeeds } | undefined {
    if (this.#resident === undefined || entity !== 'person') return undefined;
    const { own, members } = needsOf(audiences);
    if (members !== null) return undefined;
    const needs: ResidentNeeds = {
      fields: own.fields,
      // As the row scan reads them (`#untrackedActivity`): from when and with which properties, at this `now`.
      events: eventNeedsOf(audiences, now.getTime()),
      consents: own.consents,
      audiences: own.audiences,
    };
    return { resident: this.#resident, needs };
  }

  /** The exact count and a sample of a draft rule, as of now, without saving it. */
  async preview(draft: { readonly entity: EntityType; readonly rule: unknown }, sampleSize: number): Promise<PreviewResult> {
    const started = performance.now();
    const valid = await this.#audiences.validDraft(draft);
    const now = this.#clock.now();
    const resident = this.#residentFor(valid.entity, [valid], now);
    const part = await resident?.resident.read(resident.needs, now, (view) => {
      const mask = presentMask(scanAudience(valid, view.store, now.getTime()), view);
      return { count: countOnes(mask), total: view.total, sample: residentSample(mask, view, sampleSize) };
    });
    if (part !== undefined)
      return { entity: valid.entity, ...part, asOf: now.toISOString(), tookMs: Math.round(performance.now() - started) };
    let count = 0;
    let total = 0;
    const sample: string[] = [];
    await this.#scan(valid.entity, [valid], now, (ids, [mask]) => {
      total += ids.length;
      for (const one of mask as Uint8Array) count += one;
      if (sample.length < sampleSize) sample.push(...sampleMembers(mask as Uint8Array, ids, sampleSize - sample.length));
    });
    return { entity: valid.entity, count, total, sample, asOf: now.toISOString(), tookMs: Math.round(performance.now() - started) };
  }

  /** How many entities each top-level condition keeps alone and in turn, for a stored audience. */
  async breakdown(
    audienceId: string,
  ): Promise<Breakdown & { readonly audienceId: string; readonly version: number; readonly asOf: string }> {
    const { audience, valid } = await this.#audiences.validCurrent(audienceId);
    const now = this.#clock.now();
    const resident = this.#residentFor(valid.entity, [valid], now);
    const part = await resident?.resident.read(resident.needs, now, (view) => residentBreakdown(valid, view, now.getTime()));
    if (part !== undefined) return { audienceId, version: audience.version, ...part, asOf: now.toISOString() };
    let total = 0;
    let count = 0;
    let conditions: ConditionBreakdown[] = [];
    await this.#scanStores(valid.entity, [valid], now, (store) => {
      const part = breakdownAudience(valid, store, now.getTime());
      total += part.total;
      count += part.count;
      conditions =
        conditions.length === 0
          ? [...part.conditions]
          : conditions.map((c, i) => ({
              ...c,
              alone: c.alone + (part.conditions[i]?.alone ?? 0),
              cumulative: c.cumulative + (part.conditions[i]?.cumulative ?? 0),
            }));
    });
    return { audienceId, version: audience.version, total, count, conditions, asOf: now.toISOString() };
  }

  /** How two stored audiences of one entity type overlap, counted now. */
  async overlap(a: string, b: string): Promise<Overlap & { readonly a_id: string; readonly b_id: string; readonly asOf: string }> {
    const [first, second] = [await this.#audiences.validCurrent(a), await this.#audiences.validCurrent(b)];
    if (first.audience.entity !== second.audience.entity)
      throw new AppError(
        'VALIDATION_FAILED',
        `audiences '${a}' (${first.audience.entity}) and '${b}' (${second.audience.entity}) are of different entity types`,
      );
    const now = this.#clock.now();
    const resident = this.#residentFor(first.audience.entity, [first.valid, second.valid], now);
    const part = await resident?.resident.read(resident.needs, now, (view) =>
      overlapOf(
        presentMask(scanAudience(first.valid, view.store, now.getTime()), view),
        presentMask(scanAudience(second.valid, view.store, now.getTime()), view),
      ),
    );
    if (part !== undefined) return { ...part, a_id: a, b_id: b, asOf: now.toISOString() };
    const sum = { a: 0, b: 0, both: 0, onlyA: 0, onlyB: 0, either: 0 };
    await this.#scan(first.audience.entity, [first.valid, second.valid], now, (_, [x, y]) => {
      const part = overlapOf(x as Uint8Array, y as Uint8Array);
      for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += part[key];
    });
    return { ...sum, a_id: a, b_id: b, asOf: now.toISOString() };
  }

  /** Each condition's result with its evidence for one entity; for a non-member, the first failing condition. */
  async explain(audienceId: string, entityId: string): Promise<Explanation> {
    const { audience, valid, names } = await this.#audiences.validCurrent(audienceId);
    const now = this.#clock.now();
    const memberId = audience.entity === 'person' ? ((await survivorOf(this.#db, entityId))?.id ?? entityId) : entityId;
    if (!(await this.#exists(audience.entity, memberId))) throw new AppError('NOT_FOUND', `${audience.entity} '${entityId}' not found`);
    const loader = new InputLoader(this.#db, this.#sources, now);
    await this.#load(loader, audience.entity, [memberId]);
    const evaluation = compileAudience(valid, { audienceName: (id) => names.get(id) }).evaluate(
      loader.input(audience.entity, memberId),
      now.getTime(),
    );
    const stored = loader.membershipsOf(memberId).get(audienceId);
    return {
      audienceId,
      version: audience.version,
      entity: audience.entity,
      memberId,
      requestedId: entityId,
      member: evaluation.member,
      heldOut: isHeldOut(memberId, audienceId, audience.holdoutPercent),
      membership: stored ? { enteredAt: stored.enteredAt, version: stored.version } : null,
      evaluation,
      asOf: now.toISOString(),
    };
  }

  /** A page of the stored members, with counts. */
  async members(
    audienceId: string,
    options: { after?: string; limit: number; heldOut?: boolean },
  ): Promise<{ audience: Audience; members: readonly MemberRow[]; next: string | null; counts: { members: number; heldOut: number } }> {
    const audience = await this.#audiences.get(audienceId);
    const page = await membershipStore.members(this.#db, audienceId, options);
    return { audience, ...page, counts: await membershipStore.counts(this.#db, audienceId) };
  }

  /** Scans every entity of the type, a chunk at a time; `visit` gets each chunk's ids and one mask per audience. */
  async #scan(
    entity: EntityType,
    audiences: readonly ValidAudience[],
    now: Date,
    visit: (ids: readonly string[], masks: readonly Uint8Array[]) => void,
  ): Promise<void> {
    await this.#scanStores(entity, audiences, now, (store) =>
      visit(
        store.ids,
        audiences.map((a) => scanAudience(a, store, now.getTime())),
      ),
    );
  }

  async #scanStores(
    entity: EntityType,
    audiences: readonly ValidAudience[],
    now: Date,
    visit: (store: ReturnType<typeof columnsFromInputs>) => void,
  ): Promise<void> {
    const needs = needsOf(audiences);
    const catalogue = this.#sources.catalogue();
    const extraActivity = await this.#untrackedActivity(audiences, now);
    const { table, key } = ENTITY_TABLES[entity];
    let after: string | null = null;
    for (;;) {
      let query = this.#db.selectFrom(table).select(sql<string>`${sql.ref(key)}`.as('id'));
      if (after !== null) query = query.where(sql.ref(key), '>', after);
      const ids = (await query.orderBy(sql.ref(key)).limit(CHUNK).execute()).map((r) => r.id);
      if (ids.length === 0) return;
      const loader = new InputLoader(this.#db, this.#sources, now, {
        extraActivity,
        readsConsent: needs.own.consents.size > 0 || (needs.members?.consents.size ?? 0) > 0,
      });
      await this.#load(loader, entity, ids);
      visit(
        columnsFromInputs(
          ids.map((id) => loader.input(entity, id)),
          entity,
          needs,
          catalogue,
        ),
      );
      if (ids.length < CHUNK) return;
      after = ids.at(-1) as string;
    }
  }

  /**
   * Activity of the event types the rules count that the stored activity does not hold as far
   * back (no active audience counts them yet), read from the log for this scan.
   */
  async #untrackedActivity(audiences: readonly ValidAudience[], now: Date): Promise<Map<string, Activity>> {
    const held = await membershipStore.trackedEvents(this.#db);
    const out = new Map<string, Activity>();
    for (const [type, need] of trackedEventsOf(audiences, now.getTime())) {
      if (covers(held.get(type), need)) continue;
      await readActivityFromLog(this.#db, type, need, (chunk) => {
        for (const [profileId, occurrences] of chunk) {
          let activity = out.get(profileId);
          if (!activity) out.set(profileId, (activity = {}));
          for (const occurrence of occurrences) recordOccurrence(activity, type, occurrence);
        }
      });
    }
    return out;
  }

  async #load(loader: InputLoader, entity: EntityType, ids: readonly string[]): Promise<void> {
    if (entity === 'person') await loader.loadPersons(ids);
    else if (entity === 'account') await loader.loadAccounts(ids);
    else await loader.loadOrganisations(ids);
  }

  async #exists(entity: EntityType, id: string): Promise<boolean> {
    const { table, key } = ENTITY_TABLES[entity];
    const row = await this.#db
      .selectFrom(table)
      .select(sql<string>`${sql.ref(key)}`.as('id'))
      .where(sql.ref(key), '=', id)
      .executeTakeFirst();
    return row !== undefined;
  }
}

/** Clears the rows of profiles deleted since they were read (in place). */
const presentMask = (mask: Uint8Array, view: ResidentView): Uint8Array => {
  const { present } = view;
  for (let i = 0; i < mask.length; i++) mask[i] = (mask[i] as number) & (present[i] as number);
  return mask;
};

/**
 * The first `limit` member ids in id order, as the row scan gives them: the rows built in id order
 * first, merged with the few rows added since (compared as the store's ids are ordered, by code unit).
 */
const residentSample = (mask: Uint8Array, view: ResidentView, limit: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < view.sorted && out.length < limit; i++) if (mask[i] === 1) out.push(view.idOf(i));
  // Rows added since the build: each kept only while it is among the `limit` smallest.
  for (let i = view.sorted; i < mask.length && limit > 0; i++) {
    if (mask[i] !== 1) continue;
    const id = view.idOf(i);
    if (out.length === limit && !(id < (out[limit - 1] as string))) continue;
    let at = out.length;
    while (at > 0 && id < (out[at - 1] as string)) at--;
    out.splice(at, 0, id);
    if (out.length > limit) out.pop();
  }
  return out;
};

/** `breakdownAudience` (audience-analysis.ts) over resident columns: deleted rows counted nowhere. */
const residentBreakdown = (audience: ValidAudience, view: ResidentView, now: number): Breakdown => {
  const { root } = audience;
  const { store } = view;
  const running = new Uint8Array(store.size);
  const alone = new Uint8Array(store.size);
  const mode = root.combinator === 'and' ? AND : OR;
  const conditions = root.children.map((child, i): ConditionBreakdown => {
    const scan = compileScan(child);
    scan(store, now, alone, SET);
    scan(store, now, running, i === 0 ? SET : mode);
    return {
      path: child.path,
      text: renderCondition(child, audience.entity),
      alone: countOnes(presentMask(alone, view)),
      cumulative: countOnes(presentMask(running, view)),
    };
  });
  if (root.not) invert(running);
  return { total: view.total, count: countOnes(presentMask(running, view)), conditions };
};
