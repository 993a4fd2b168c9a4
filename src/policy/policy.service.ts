import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Db } from '../storage/index.js';
import type { AttributeCatalogue } from './attribute-catalogue.js';
import type { AttributeClass } from './attribute-classes.js';
import type { ConsentInput } from './consent-evidence.js';
import type { Consumer } from './consumer.js';
import { DEFAULT_POLICY_TEXT } from './default-policy.js';
import { disclosuresStore, type DisclosureFilter } from './disclosures.store.js';
import {
  buildDisclosureRecord,
  filterMembersByConsent,
  projectProfile,
  type DisclosureInput,
  type DisclosureRecord,
  type MemberFilter,
  type Projection,
} from './enforcement.js';
import { policiesStore, type PolicyVersion } from './policies.store.js';
import { PolicyDecider } from './policy-decider.js';
import { compilePolicySet, type CompiledPolicySet, type Decision } from './policy-engine.js';

/*
 * The policy layer's service: the policy version in force (version 1 is the default set, stored
 * on first start), decisions for a consumer, the enforcement helpers bound to it, and the
 * disclosure log. `decide` is synchronous and cached; `refresh` picks up a version another process
 * stored.
 */

export const CONSUMER_NOT_ACTIVE = 'consumer-not-active';

export interface DecisionContext {
  readonly purpose: string;
  readonly channel: string;
}

export class PolicyService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #catalogue: () => AttributeCatalogue;
  #decider: PolicyDecider | undefined;

  constructor(deps: { db: Db; clock: Clock; ids: IdGenerator; catalogue: () => AttributeCatalogue }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#ids = deps.ids;
    this.#catalogue = deps.catalogue;
  }

  /** Stores the default set as version 1 when no version exists, and puts the latest in force. */
  async init(): Promise<void> {
    if (!(await policiesStore.latest(this.#db))) {
      const compiled = compilePolicySet(DEFAULT_POLICY_TEXT, 1);
      await policiesStore.insert(this.#db, {
        version: 1,
        policies: DEFAULT_POLICY_TEXT,
        description: 'Tessera default policy set',
        fingerprint: compiled.fingerprint,
        createdAt: this.#clock.now().toISOString(),
        createdBy: 'system',
      });
    }
    await this.refresh();
  }

  /** Puts the latest stored version in force if it is newer than the one in use (another process stored it). */
  async refresh(): Promise<void> {
    const latest = await policiesStore.latest(this.#db);
    if (!latest) throw new AppError('UNAVAILABLE', 'no policy version is stored');
    if (this.#decider && this.#decider.policySet.version >= latest.version) return;
    const compiled = compilePolicySet(latest.policies, latest.version);
    if (this.#decider) this.#decider.use(compiled);
    else this.#decider = new PolicyDecider(compiled);
  }

  get current(): CompiledPolicySet {
    return this.#requireDecider().policySet;
  }

  catalogue(): AttributeCatalogue {
    return this.#catalogue();
  }

  /** Validates and stores the next version and puts it in force (the decision cache empties). */
  async createVersion(policies: string, description: string, actor: string): Promise<PolicyVersion> {
    const latest = await policiesStore.latest(this.#db);
    const version = (latest?.version ?? 0) + 1;
    const compiled = compilePolicySet(policies, version);
    const stored: PolicyVersion = {
      version,
      policies,
      description,
      fingerprint: compiled.fingerprint,
      createdAt: this.#clock.now().toISOString(),
      createdBy: actor,
    };
    if (!(await policiesStore.insert(this.#db, stored)))
      throw new AppError('CONFLICT', `policy version ${version} was stored meanwhile: reload and submit again`);
    this.#requireDecider().use(compiled);
    return stored;
  }

  async listVersions(): Promise<Omit<PolicyVersion, 'policies'>[]> {
    return policiesStore.list(this.#db);
  }

  async getVersion(version: number): Promise<PolicyVersion> {
    const stored = await policiesStore.get(this.#db, version);
    if (!stored) throw new AppError('NOT_FOUND', `policy version ${version} not found`);
    return stored;
  }

  /** One decision for a consumer (cached per distinct tuple). A deleted consumer is denied everything. */
  decide(consumer: Consumer, context: DecisionContext, attributeClass: AttributeClass, consent: ConsentInput): Decision {
    const decider = this.#requireDecider();
    if (consumer.status !== 'active') return { allowed: false, rules: [CONSUMER_NOT_ACTIVE], policyVersion: decider.policySet.version };
    return decider.decide({ consumer, purpose: context.purpose, channel: context.channel, attributeClass, consent });
  }

  /** The profile JSON as the consumer may see it for the purpose and channel. */
  projectProfile(
    consumer: Consumer,
    context: DecisionContext,
    profile: Readonly<Record<string, unknown>>,
    consent: ConsentInput,
  ): Projection {
    return projectProfile(profile, {
      catalogue: this.#catalogue(),
      purpose: context.purpose,
      decide: (cls) => this.decide(consumer, context, cls, consent),
    });
  }

  /**
   * The members the consumer may receive for the purpose and channel. Membership of a list is
   * derived data about each member; `attributeClass` says otherwise for a list that discloses more.
   */
  filterMembers(
    consumer: Consumer,
    context: DecisionContext,
    members: readonly string[],
    consentOf: (member: string, index: number) => ConsentInput,
    attributeClass: AttributeClass = 'derived',
  ): MemberFilter {
    return filterMembersByConsent(members, consentOf, (consent) => this.decide(consumer, context, attributeClass, consent));
  }

  /** Appends disclosure records (ids and time given here) in the caller's transaction or its own. */
  async recordDisclosures(inputs: readonly Omit<DisclosureInput, 'id' | 'at'>[], db: Db = this.#db): Promise<DisclosureRecord[]> {
    const at = this.#clock.now().toISOString();
    const records = inputs.map((input) => buildDisclosureRecord({ ...input, id: this.#ids.next(), at }));
    await disclosuresStore.append(db, records);
    return records;
  }

  async listDisclosures(filter: DisclosureFilter): Promise<DisclosureRecord[]> {
    return disclosuresStore.list(this.#db, filter);
  }

  stats(): { readonly entries: number; readonly hits: number; readonly misses: number } {
    return this.#requireDecider().stats();
  }

  #requireDecider(): PolicyDecider {
    if (!this.#decider) throw new AppError('UNAVAILABLE', 'the policy service has not been initialised');
    return this.#decider;
  }
}
