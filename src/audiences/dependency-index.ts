import { AppError } from '../core/errors.js';
import type { ValidAudience } from './conditions.js';
import { dependenciesOf, type AudienceDependencies, type DependencySet } from './dependencies.js';
import { findField, type FieldCatalogue } from './field-catalogue.js';
import type { EntityType } from './rule.js';

/*
 * Which audiences to re-evaluate when an entity's inputs change, so the pipeline evaluates only
 * those. An arriving event affects the audiences with an event condition on its type and those
 * reading a field the event feeds (the catalogue's `fedBy`); a membership change affects the
 * audiences that use that audience, transitively. Answers come in evaluation order: an audience
 * after the audiences it uses.
 */

export interface InputChange {
  /** Events that arrived for the entity: `source/type`. */
  readonly eventTypes?: Iterable<string>;
  /** Fields that changed otherwise (a merge, a rescore, a wake-up). */
  readonly fields?: Iterable<string>;
  readonly consentPurposes?: Iterable<string>;
  /** Audiences whose membership of the entity changed. */
  readonly audiences?: Iterable<string>;
}

interface Entry {
  readonly audience: ValidAudience;
  readonly dependencies: AudienceDependencies;
}

/** Does an event of `eventType` feed a field declared as fed by `pattern`? */
export const feeds = (pattern: string, eventType: string): boolean => {
  if (pattern === '*' || pattern === eventType) return true;
  const [source, type] = eventType.split('/');
  return pattern === `${source}/*` || (!pattern.includes('/') && pattern === type);
};

/** Distinct changes whose answers are kept; past it, the index starts again. */
const REMEMBERED_CHANGES = 4096;

/** A change as a key: each kind's members sorted, so that the same change in another order is the same key. */
const changeKey = (change: InputChange): string =>
  [change.eventTypes, change.fields, change.consentPurposes, change.audiences]
    .map((items) => (items === undefined ? '' : [...items].sort().join('\t')))
    .join('\n');

export class DependencyIndex {
  readonly #catalogue: FieldCatalogue;
  readonly #entries: ReadonlyMap<string, Entry>;
  /** Audience → the audiences that use it directly. */
  readonly #users = new Map<string, Set<string>>();
  /** Every audience, each after those it uses. */
  readonly order: readonly string[];
  /** Answers by change (`#remembered`). */
  readonly #answers = new Map<string, readonly string[]>();

  constructor(audiences: readonly ValidAudience[], catalogue: FieldCatalogue) {
    this.#catalogue = catalogue;
    this.#entries = new Map(audiences.map((a) => [a.id, { audience: a, dependencies: dependenciesOf(a) }]));
    for (const { audience, dependencies } of this.#entries.values()) {
      for (const used of [...dependencies.own.audiences, ...(dependencies.members?.audiences ?? [])]) {
        if (!this.#users.has(used)) this.#users.set(used, new Set());
        this.#users.get(used)?.add(audience.id);
      }
    }
    this.order = this.#topologicalOrder();
  }

  dependencies(audienceId: string): AudienceDependencies | undefined {
    return this.#entries.get(audienceId)?.dependencies;
  }

  /** Audiences of `entity` to re-evaluate after a change of one entity's own inputs. */
  affected(entity: EntityType, change: InputChange): readonly string[] {
    return this.#remembered(`${entity}\n${changeKey(change)}`, () =>
      this.#closure(this.#direct(change, entity, entity, (d) => d.own)).filter((id) => this.#entityOf(id) === entity),
    );
  }

  /**
   * Account or organisation audiences to re-evaluate, for the accounts and organisations a
   * person belongs to, after a change of that person's inputs (their members groups read them).
   * `change.audiences` are the person's changed memberships.
   */
  affectedThroughMembers(change: InputChange): readonly string[] {
    return this.#remembered(`members\n${changeKey(change)}`, () => {
      const direct = [
        ...this.#direct(change, 'account', 'person', (d) => d.members),
        ...this.#direct(change, 'organisation', 'person', (d) => d.members),
      ];
      return this.#closure(direct).filter((id) => this.#entityOf(id) !== 'person');
    });
  }

  /**
   * The answer for a change already seen. Nearly every entity of a batch brings one of a few
   * changes (a data-session record and the rescored fields), and finding the audiences scans
   * every audience's dependencies: measured, about half of what real-time evaluation itself cost. The index
   * is rebuilt whenever the audiences change, so an answer stays true for its lifetime.
   */
  #remembered(key: string, find: () => string[]): readonly string[] {
    let answer = this.#answers.get(key);
    if (answer === undefined) {
      if (this.#answers.size >= REMEMBERED_CHANGES) this.#answers.clear();
      this.#answers.set(key, (answer = Object.freeze(find())));
    }
    return answer;
  }

  /** Everything that uses an audience, directly or not (re-evaluate them all when its definition changes). */
  dependents(audienceId: string): string[] {
    return this.#closure([...(this.#users.get(audienceId) ?? [])]);
  }

  /** Audiences that passing time alone can change (the scheduler's concern). */
  timeDriven(): string[] {
    return this.order.filter((id) => this.#entries.get(id)?.dependencies.timeDriven);
  }

  #entityOf(id: string): EntityType | undefined {
    return this.#entries.get(id)?.audience.entity;
  }

  /** Audiences of `entity` whose dependencies at one level (fields of `fieldEntity`) meet the change. */
  #direct(
    change: InputChange,
    entity: EntityType,
    fieldEntity: EntityType,
    level: (d: AudienceDependencies) => DependencySet | null,
  ): string[] {
    const eventTypes = [...(change.eventTypes ?? [])];
    const fields = new Set(change.fields ?? []);
    const purposes = new Set(change.consentPurposes ?? []);
    const audiences = new Set(change.audiences ?? []);
    const out: string[] = [];
    for (const { audience, dependencies } of this.#entries.values()) {
      if (audience.entity !== entity) continue;
      const set = level(dependencies);
      if (set === null) continue;
      const readsField = (id: string) => {
        if (fields.has(id)) return true;
        const fedBy = findField(this.#catalogue, fieldEntity, id)?.fedBy ?? [];
        return eventTypes.some((e) => fedBy.some((pattern) => feeds(pattern, e)));
      };
      if (
        [...set.fields].some(readsField) ||
        eventTypes.some((e) => set.eventTypes.has(e)) ||
        [...set.consentPurposes].some((p) => purposes.has(p)) ||
        [...set.audiences].some((a) => audiences.has(a))
      )
        out.push(audience.id);
    }
    return out;
  }

  /** The audiences with everything that uses them, transitively, in evaluation order. */
  #closure(start: readonly string[]): string[] {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const user of this.#users.get(id) ?? []) stack.push(user);
    }
    return this.order.filter((id) => seen.has(id));
  }

  #topologicalOrder(): string[] {
    const order: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string, chain: readonly string[]) => {
      const s = state.get(id);
      if (s === 'done') return;
      if (s === 'visiting') throw new AppError('INTERNAL', `audiences use each other in a cycle: ${[...chain, id].join(' → ')}`);
      state.set(id, 'visiting');
      const deps = this.#entries.get(id)?.dependencies;
      for (const used of [...(deps?.own.audiences ?? []), ...(deps?.members?.audiences ?? [])])
        if (this.#entries.has(used)) visit(used, [...chain, id]);
      state.set(id, 'done');
      order.push(id);
    };
    for (const id of [...this.#entries.keys()].sort()) visit(id, []);
    return order;
  }
}
