import type { AttributeClass } from './attribute-classes.js';
import { EXPLICIT_CONSENT, NO_CONSENT, type ConsentEvidence, type ConsentInput } from './consent-evidence.js';
import { DEFAULT_POLICY_TEXT } from './default-policy.js';
import { filterMembersByConsent } from './enforcement.js';
import { PolicyDecider } from './policy-decider.js';
import { compilePolicySet, evaluatePolicy, type PolicyConsumer, type PolicyRequest } from './policy-engine.js';

/*
 * Micro-benchmarks of the policy layer for `npm run bench` (issue 7: a cached decision ≤ 5 µs;
 * filtering a 1M-member export by consent ≤ 2 s). In-process, no I/O, the default policy set.
 */

export interface PolicyBenchResult {
  /** Cached decisions per second over the whole run. */
  readonly opsPerSecond: number;
  /** Per-decision latency of cached decisions, microseconds (each timed on its own, timer included). */
  readonly p50Us: number;
  readonly p99Us: number;
  /** Mean time of an uncached decision (one Cedar evaluation), microseconds. */
  readonly uncachedMeanUs: number;
  readonly decisions: number;
  readonly distinctTuples: number;
}

const consumers: PolicyConsumer[] = [
  {
    id: 'campaigns',
    revision: 1,
    kind: 'campaign',
    partner: null,
    purposes: ['marketing'],
    channels: ['sms', 'email'],
    requiredSignals: [],
  },
  { id: 'care', revision: 1, kind: 'contact_centre', partner: null, purposes: ['service'], channels: ['voice'], requiredSignals: [] },
  {
    id: 'adnet',
    revision: 1,
    kind: 'ad_partner',
    partner: 'adnet',
    purposes: ['third_party_ads'],
    channels: ['ads:adnet'],
    requiredSignals: ['tcf_vendor_consent'],
  },
];
const CLASSES: AttributeClass[] = ['identifier', 'contact', 'pii', 'location', 'traffic', 'billing', 'behavioural', 'derived'];
const LEGITIMATE: ConsentEvidence = { valid: true, explicit: false, legalBasis: 'legitimate_interests', signals: [], eventIds: ['e1'] };
const CONSENTS: ConsentInput[] = [true, false, LEGITIMATE];

const requestsOf = (): PolicyRequest[] =>
  consumers.flatMap((consumer) =>
    CLASSES.flatMap((attributeClass) =>
      CONSENTS.map((consent) => ({
        consumer,
        purpose: consumer.purposes[0] as string,
        channel: consumer.channels[0] as string,
        attributeClass,
        consent,
      })),
    ),
  );

const percentile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** Cached policy decisions: ops/s and per-decision p50/p99 over `decisions` calls (default 1M). */
export const benchPolicyDecisions = (options: { decisions?: number } = {}): PolicyBenchResult => {
  const decisions = options.decisions ?? 1_000_000;
  const requests = requestsOf();
  const decider = new PolicyDecider(compilePolicySet(DEFAULT_POLICY_TEXT, 1));
  // Uncached: Cedar evaluations after a warm-up (the first calls compile the WebAssembly paths).
  const set = decider.policySet;
  for (let i = 0; i < 50; i++) evaluatePolicy(set, requests[i % requests.length] as PolicyRequest);
  const uncachedRuns = 500;
  let started = process.hrtime.bigint();
  for (let i = 0; i < uncachedRuns; i++) evaluatePolicy(set, requests[i % requests.length] as PolicyRequest);
  const uncachedMeanUs = Number(process.hrtime.bigint() - started) / 1000 / uncachedRuns;
  for (const request of requests) decider.decide(request);

  // Throughput: a tight loop over the cached tuples.
  let allowed = 0;
  started = process.hrtime.bigint();
  for (let i = 0; i < decisions; i++) if (decider.decide(requests[i % requests.length] as PolicyRequest).allowed) allowed++;
  const elapsedNs = Number(process.hrtime.bigint() - started);

  // Latency: a sample of decisions timed one by one.
  const samples = new Float64Array(Math.min(decisions, 200_000));
  for (let i = 0; i < samples.length; i++) {
    const request = requests[i % requests.length] as PolicyRequest;
    const t0 = process.hrtime.bigint();
    if (decider.decide(request).allowed) allowed++;
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  samples.sort();
  if (allowed < 0) throw new Error('unreachable'); // keeps the loops from being optimised away
  return {
    opsPerSecond: Math.round(decisions / (elapsedNs / 1e9)),
    p50Us: percentile(samples, 0.5),
    p99Us: percentile(samples, 0.99),
    uncachedMeanUs,
    decisions,
    distinctTuples: requests.length,
  };
};

export interface ConsentFilterBenchResult {
  readonly members: number;
  readonly allowed: number;
  readonly elapsedMs: number;
}

/**
 * Filtering an export of `members` (default 1M) by consent for one consumer. Each member has its
 * own consent evidence object, aligned with the member list, as an export builds it after loading
 * the chunk's consent states in bulk: 70 % explicit consent, 20 % none, 10 % a legitimate interest.
 */
export const benchConsentFilter = (options: { members?: number } = {}): ConsentFilterBenchResult => {
  const n = options.members ?? 1_000_000;
  const members = Array.from({ length: n }, (_, i) => `p${i.toString(36).padStart(8, '0')}`);
  const consents: ConsentInput[] = members.map((_, i): ConsentInput => {
    const kind = i % 10;
    if (kind < 7) return { ...EXPLICIT_CONSENT, eventIds: [`ce-${i}`] };
    if (kind < 9) return NO_CONSENT;
    return { ...LEGITIMATE, eventIds: [`ce-${i}`] };
  });
  const decider = new PolicyDecider(compilePolicySet(DEFAULT_POLICY_TEXT, 1));
  const consumer = consumers[0] as PolicyConsumer;
  const started = process.hrtime.bigint();
  const result = filterMembersByConsent(
    members,
    (_, i) => consents[i] ?? false,
    (c) => decider.decide({ consumer, purpose: 'marketing', channel: 'sms', attributeClass: 'derived', consent: c }),
  );
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { members: n, allowed: result.allowed.length, elapsedMs };
};
