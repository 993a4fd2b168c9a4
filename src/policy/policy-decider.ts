import { consentKey } from './consent-evidence.js';
import { evaluatePolicy, type CompiledPolicySet, type Decision, type PolicyRequest } from './policy-engine.js';

/*
 * Decisions cached per distinct tuple (consumer and its revision, purpose, channel, attribute
 * class, kind of consent). A decision depends on nothing else, so the cache is exact; it is
 * emptied when another policy version comes into use, and bounded so a flood of distinct tuples
 * cannot grow it without limit. A cached decision is a string key and one Map lookup.
 */

const SEP = '\u001f';

export class PolicyDecider {
  #set: CompiledPolicySet;
  readonly #cache = new Map<string, Decision>();
  readonly #maxEntries: number;
  #hits = 0;
  #misses = 0;

  constructor(set: CompiledPolicySet, options: { maxEntries?: number } = {}) {
    this.#set = set;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  get policySet(): CompiledPolicySet {
    return this.#set;
  }

  /** Puts another policy version in use; every cached decision goes. */
  use(set: CompiledPolicySet): void {
    this.#set = set;
    this.#cache.clear();
  }

  decide(request: PolicyRequest): Decision {
    const { consumer } = request;
    const key =
      consumer.id +
      SEP +
      consumer.revision +
      SEP +
      request.purpose +
      SEP +
      request.channel +
      SEP +
      request.attributeClass +
      SEP +
      consentKey(request.consent);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#hits++;
      return cached;
    }
    this.#misses++;
    const decision = evaluatePolicy(this.#set, request);
    if (this.#cache.size >= this.#maxEntries) this.#cache.clear();
    this.#cache.set(key, decision);
    return decision;
  }

  stats(): { readonly entries: number; readonly hits: number; readonly misses: number } {
    return { entries: this.#cache.size, hits: this.#hits, misses: this.#misses };
  }
}
