import { systemClock, type Clock } from '../core/clock.js';
import type { ConsentState } from '../consent/index.js';
import type { Logger } from '../core/logger.js';
import { ledgerConsent, type Consumer, type ConsumerService, type PolicyService } from '../policy/index.js';
import type { Db } from '../storage/index.js';
import { deliveriesStore, type DeliveryUpdate, type PendingRow } from './deliveries.store.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import {
  isRemoveOperation,
  MESSAGE_CLASS,
  projectMessage,
  removeOperationNames,
  toCloudEvent,
  type OutboxMessage,
} from '../outbox/index.js';
import { OutboxFanOut } from './fan-out.js';
import { attemptOutcome } from './retry-schedule.js';
import { signingSecrets, type Subscription } from './subscription.js';
import { subscriptionsStore } from './subscriptions.store.js';
import type { WebhookTransport } from './webhook-transport.js';
import { webhookHeaders } from './webhook-signature.js';

/*
 * The dispatcher: the fan-out, then for every active subscription a round of its own — the due
 * head of each subject's queue (so one message per subject per endpoint is in flight, in order),
 * decided by the policy at send time, signed and sent with at most `concurrency` requests in
 * flight, and every result written in one transaction. Each subscription's rounds run
 * independently: a slow or dead endpoint holds up only its own queue. The delivery state is in
 * the database and is written only after the attempt, so a crash at any point re-sends what
 * was in flight under the same webhook-id (at-least-once); nothing is lost.
 */

/** What a subject's consent needs: the profile and its current identifiers (ConsentService.statesOf). */
export interface ConsentSource {
  statesOf(persons: ReadonlyMap<string, readonly string[]>, db: Db): Promise<Map<string, ConsentState>>;
}

export interface DispatcherOptions {
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly overlapSeconds: number;
  /** Pending deliveries read per subscription per round at most, in order: the subjects whose heads it can see. */
  readonly window?: number;
  /** Heads sent per round at most (default 32 × concurrency, at most 1,000). */
  readonly roundSize?: number;
}

export interface DispatcherDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** The `webhook-timestamp` is the real time of sending: receivers compare it with theirs. */
  readonly wallClock?: Clock;
  readonly ids: { next(): string };
  readonly log: Logger;
  readonly policy: PolicyService;
  readonly consumers: Pick<ConsumerService, 'get'>;
  readonly consent: ConsentSource;
  readonly transport: WebhookTransport;
  readonly metrics?: DeliveryMetrics;
  readonly options: DispatcherOptions;
  /** Jitter source in [0, 1); tests fix it. */
  readonly random?: () => number;
}

export interface RoundStats {
  readonly attempted: number;
  readonly delivered: number;
  readonly suppressed: number;
}

const IDLE_RECHECK_MS = 1_000;
const MAX_OVERLAPPING_ROUNDS = 2;
/**
 * Heads sent per round at most (by default 32 per request in flight): each round costs a few
 * queries and one transaction whatever its size, so a backlog goes in large rounds. A round
 * commits when its last request ends; a subject's next message waits for that commit.
 */
const MAX_ROUND = 1_000;
/** Messages a round decides and signs before it gives the event loop a turn. */
const YIELD_EVERY = 250;
/** Messages the fan-out took that are kept for the rounds (a few rounds' worth for a few endpoints). */
const RECENT_MESSAGES = 20_000;

const isWebhook = (s: Subscription): boolean => s.status === 'active' && s.transport === 'webhook';

/** At most `limit` requests in flight to one endpoint, shared by the rounds that overlap. */
class Limiter {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.#limit = limit;
  }
  async run<R>(work: () => Promise<R>): Promise<R> {
    if (this.#active >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    try {
      return await work();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}

/**
 * What one subscription's overlapping rounds share: the request limit, the subjects a round has
 * in flight (no other round touches them), and when each subject's results were last committed,
 * so a round whose read began before that commit does not act on the stale row.
 */
interface Lane {
  readonly limiter: Limiter;
  readonly inFlight: Set<string>;
  readonly committedAt: Map<string, number>;
  commits: number;
  rounds: number;
}

export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #fanOut: OutboxFanOut;
  readonly #rounds = new Map<string, Set<Promise<RoundStats>>>();
  readonly #lanes = new Map<string, Lane>();
  /**
   * Subscriptions whose last round found nothing due: skipped until their next retry is due,
   * new deliveries are fanned out to them, or a second has passed (a replay made elsewhere).
   */
  readonly #idle = new Map<string, { until: number; wallUntil: number }>();
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;
  #ticking = false;
  /**
   * The messages the fan-out last took, parsed: a round finds its messages here rather than
   * reading the outbox again. Outbox rows never change (their ids are hashes of their content).
   */
  readonly #recent = new Map<string, OutboxMessage>();
  /** A wake came while a tick ran: tick again at once after it. */
  #wakeAgain = false;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#fanOut = new OutboxFanOut({ db: deps.db, clock: deps.clock, ids: deps.ids, overlapMs: deps.options.overlapSeconds * 1000 });
  }

  /** Fans out what the outbox holds (tests, the bench). */
  async fanOut(): Promise<number> {
    const subscriptions = await subscriptionsStore.live(this.#deps.db);
    let total = 0;
    for (let step = await this.#fanOut.step(subscriptions, true); step.taken > 0; step = await this.#fanOut.step(subscriptions, true)) {
      total += step.taken;
      this.#remember(step.messages);
    }
    return total;
  }

  /** The fan-out, then one round of every active subscription, awaited (tests, the bench). */
  async runOnce(): Promise<RoundStats> {
    await this.fanOut();
    const subscriptions = await subscriptionsStore.live(this.#deps.db);
    const stats = await Promise.all(subscriptions.filter(isWebhook).map((s) => this.#round(s)));
    return stats.reduce(
      (a, b) => ({ attempted: a.attempted + b.attempted, delivered: a.delivered + b.delivered, suppressed: a.suppressed + b.suppressed }),
      {
        attempted: 0,
        delivered: 0,
        suppressed: 0,
      },
    );
  }

  /** Rounds until nothing due is left (the clock does not move: retries wait for it). */
  async drain(maxRounds = 1_000): Promise<RoundStats> {
    const total = { attempted: 0, delivered: 0, suppressed: 0 };
    for (let i = 0; i < maxRounds; i++) {
      const round = await this.runOnce();
      if (round.attempted + round.suppressed === 0) break;
      total.attempted += round.attempted;
      total.delivered += round.delivered;
      total.suppressed += round.suppressed;
    }
    return total;
  }

  /**
   * In the background: fans out, keeps one round going per subscription, and looks again every
   * `pollMs` — or at once when `wake()` says the outbox has grown.
   */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#tick();
  }

  /**
   * The outbox has grown (a pipeline batch committed in this process): fan out now rather than at
   * the next poll. Outbox rows written elsewhere (another thread or process) wait for the poll.
   */
  wake(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#wakeAgain = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#loop = this.#tick();
  }

  async #tick(): Promise<void> {
    this.#ticking = true;
    this.#wakeAgain = false;
    let busy = false;
    try {
      const subscriptions = await subscriptionsStore.live(this.#deps.db);
      const { taken, touched, messages } = await this.#fanOut.step(subscriptions);
      this.#remember(messages);
      busy = taken > 0;
      for (const id of touched) this.#idle.delete(id);
      const [now, wall] = [this.#deps.clock.now().getTime(), Date.now()];
      for (const subscription of subscriptions) {
        if (!isWebhook(subscription) || (this.#rounds.get(subscription.id)?.size ?? 0) > 0) continue;
        const idle = this.#idle.get(subscription.id);
        if (idle !== undefined && now < idle.until && wall < idle.wallUntil) continue;
        this.#launch(subscription);
      }
    } catch (err) {
      this.#deps.log.error({ err }, 'delivery fan-out failed; it will be retried');
    }
    this.#ticking = false;
    if (!this.#stopped)
      this.#timer = setTimeout(() => void (this.#loop = this.#tick()), busy || this.#wakeAgain ? 0 : this.#deps.options.pollMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#loop;
    for (
      let rounds = [...this.#rounds.values()].flatMap((set) => [...set]);
      rounds.length > 0;
      rounds = [...this.#rounds.values()].flatMap((set) => [...set])
    )
      await Promise.all(rounds);
  }

  /**
   * Starts a round for the subscription; while it sends, a second one may prepare and send the
   * next subjects (their database work overlaps the first one's requests). A round that sent
   * something is followed by the next at once.
   */
  #launch(subscription: Subscription): void {
    if (this.#stopped) return;
    const rounds = this.#rounds.get(subscription.id) ?? new Set<Promise<RoundStats>>();
    if (rounds.size >= MAX_OVERLAPPING_ROUNDS) return;
    this.#rounds.set(subscription.id, rounds);
    const round: Promise<RoundStats> = this.#round(subscription, () => this.#launch(subscription))
      .catch((err: unknown) => {
        this.#deps.log.error({ err, subscriptionId: subscription.id }, 'delivery round failed; it will be retried');
        return { attempted: 0, delivered: 0, suppressed: 0 };
      })
      .finally(() => {
        rounds.delete(round);
        if (rounds.size === 0) this.#rounds.delete(subscription.id);
      });
    rounds.add(round);
    void round.then((stats) => {
      if (stats.attempted + stats.suppressed > 0) this.#launch(subscription);
    });
  }

  #lane(subscriptionId: string): Lane {
    let lane = this.#lanes.get(subscriptionId);
    if (!lane) {
      lane = { limiter: new Limiter(this.#deps.options.concurrency), inFlight: new Set(), committedAt: new Map(), commits: 0, rounds: 0 };
      this.#lanes.set(subscriptionId, lane);
    }
    return lane;
  }

  async #round(subscription: Subscription, sending: () => void = () => undefined): Promise<RoundStats> {
    const lane = this.#lane(subscription.id);
    lane.rounds++;
    const taken: string[] = [];
    try {
      return await this.#roundIn(lane, subscription, taken, sending);
    } finally {
      for (const subject of taken) lane.inFlight.delete(subject);
      if (--lane.rounds === 0) lane.committedAt.clear();
    }
  }

  async #roundIn(lane: Lane, given: Subscription, taken: string[], sending: () => void): Promise<RoundStats> {
    const { db, clock, policy, metrics } = this.#deps;
    const options = this.#deps.options;
    // Read again: rounds follow one another, and the target, secrets or status may have changed.
    const subscription = await subscriptionsStore.get(db, given.id);
    if (subscription === undefined || !isWebhook(subscription)) return { attempted: 0, delivered: 0, suppressed: 0 };
    const now = clock.now();
    const at = now.toISOString();
    const readAt = lane.commits;
    const roundSize = options.roundSize ?? Math.min(MAX_ROUND, options.concurrency * 32);
    const widest = options.window ?? Math.max(2_000, 3 * roundSize);
    // The heads of each subject's queue among the first pending deliveries: any prefix of the
    // queue in `seq` order shows true heads. A narrow read first (what a round sends, past what
    // the other round has in flight); the whole window only when that one shows too few.
    const heads = (window: readonly PendingRow[]): PendingRow[] => {
      const seen = new Set<string>();
      const due: PendingRow[] = [];
      for (const row of window) {
        if (seen.has(row.subject)) continue;
        seen.add(row.subject);
        // Another round has this subject in flight, or committed its result after this read began.
        if (lane.inFlight.has(row.subject) || (lane.committedAt.get(row.subject) ?? -1) > readAt) continue;
        if ((row.next_attempt_at ?? '') <= at) due.push(row);
        if (due.length >= roundSize) break;
      }
      return due;
    };
    const narrow = Math.min(widest, 2 * roundSize + lane.inFlight.size);
    let window = await deliveriesStore.pendingWindow(db, subscription.id, narrow);
    let due = heads(window);
    if (due.length < roundSize && window.length === narrow && narrow < widest) {
      window = await deliveriesStore.pendingWindow(db, subscription.id, widest);
      due = heads(window);
    }
    for (const row of due) {
      lane.inFlight.add(row.subject);
      taken.push(row.subject);
    }
    if (due.length === 0) {
      const next = window.reduce((min, r) => Math.min(min, Date.parse(r.next_attempt_at ?? '') || Infinity), Infinity);
      this.#idle.set(subscription.id, { until: next, wallUntil: Date.now() + IDLE_RECHECK_MS });
      return { attempted: 0, delivered: 0, suppressed: 0 };
    }
    this.#idle.delete(subscription.id);

    const consumer: Consumer | undefined = await this.#deps.consumers.get(subscription.consumerId).catch(() => undefined);
    const messages = new Map<string, OutboxMessage>();
    const missing: string[] = [];
    for (const d of due) {
      const message = this.#recent.get(d.outbox_id);
      if (message) messages.set(d.outbox_id, message);
      else missing.push(d.outbox_id);
    }
    for (let i = 0; i < missing.length; i += 1_000) {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .where('id', 'in', missing.slice(i, i + 1_000))
        .execute();
      for (const r of rows)
        messages.set(r.id, { id: r.id, type: r.type, subject: r.subject, data: JSON.parse(r.data) as unknown, createdAt: r.created_at });
    }
    const states = await this.#consentStates(due.filter((d) => MESSAGE_CLASS[d.type] !== null).map((d) => d.subject));
    const context = { purpose: subscription.purpose, channel: subscription.channel };
    const secrets = signingSecrets(subscription.secrets, now);

    const updates: DeliveryUpdate[] = [];
    const disclosures: Parameters<PolicyService['recordDisclosures']>[0][number][] = [];
    const sends: { row: (typeof due)[number]; body: string; disclosure?: (typeof disclosures)[number] }[] = [];
    let suppressed = 0;
    let prepared = 0;
    for (const row of due) {
      // A round of a backlog decides a thousand messages; the thread also runs the pipeline (the
      // background thread of `tessera start`): let it in between slices.
      if (++prepared % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const message = messages.get(row.outbox_id);
      const suppress = (reason: string) => {
        suppressed++;
        updates.push({
          id: row.id,
          status: 'suppressed',
          attempts: row.attempts,
          nextAttemptAt: null,
          lastAttemptAt: row.last_attempt_at,
          lastStatus: null,
          lastError: reason,
          deliveredAt: null,
        });
      };
      if (message === undefined) {
        suppress('the outbox message no longer exists');
        continue;
      }
      if (consumer === undefined || consumer.status !== 'active') {
        suppress('policy: consumer-not-active');
        continue;
      }
      if (isRemoveOperation(message)) {
        // Sent to the consumers it names, whatever the subject's consent now (src/outbox/remove-operation.ts).
        if (!removeOperationNames(message, consumer.id)) suppress('remove operation for other consumers');
        else sends.push({ row, body: JSON.stringify(toCloudEvent(message, message.data)) });
        continue;
      }
      const state = states.get(message.subject);
      const evidence = state ? ledgerConsent(state, context.purpose, context.channel, now) : undefined;
      const projection = projectMessage(message, {
        consentValid: evidence?.valid ?? false,
        decide: (cls) => policy.decide(consumer, context, cls, evidence ?? false),
        projectProfile: (profile) => policy.projectProfile(consumer, context, profile, evidence ?? false),
      });
      if (!projection.deliver) {
        suppress(`policy: ${projection.rules.join(', ')}`);
        continue;
      }
      const body = JSON.stringify(toCloudEvent(message, projection.data));
      const personal = MESSAGE_CLASS[message.type] !== null;
      sends.push({
        row,
        body,
        ...(personal
          ? {
              disclosure: {
                subject: message.subject,
                consumerId: consumer.id,
                exit: 'delivery' as const,
                purpose: context.purpose,
                channel: context.channel,
                released: projection.released,
                redacted: projection.redacted.map((r) => r.attribute),
                consentEvents: evidence?.eventIds ?? [],
                policyVersion: policy.current.version,
                reference: `${subscription.id}/${message.id}`,
              },
            }
          : {}),
      });
    }

    const started = performance.now();
    if (sends.length > 0) sending();
    const results = await Promise.all(
      sends.map((send) =>
        lane.limiter.run(async () => {
          const t0 = performance.now();
          metrics?.inFlight(subscription.id, 1);
          const result = await this.#deps.transport({
            url: subscription.url ?? '',
            headers: webhookHeaders(secrets, send.row.outbox_id, (this.#deps.wallClock ?? systemClock).now(), send.body),
            body: send.body,
            timeoutMs: options.timeoutMs,
          });
          metrics?.inFlight(subscription.id, -1);
          metrics?.attempt(subscription.id, result, (performance.now() - t0) / 1000);
          return result;
        }),
      ),
    );

    let delivered = 0;
    let gone: string | undefined;
    results.forEach((result, i) => {
      const { row, disclosure } = sends[i] as (typeof sends)[number];
      const attempts = row.attempts + 1;
      const outcome = attemptOutcome(result, attempts, now, this.#deps.random ?? Math.random);
      const lastStatus = result.kind === 'response' ? result.status : null;
      if (outcome.status === 'delivered') {
        delivered++;
        if (disclosure) disclosures.push(disclosure);
        updates.push({
          id: row.id,
          status: 'delivered',
          attempts,
          nextAttemptAt: null,
          lastAttemptAt: at,
          lastStatus,
          lastError: null,
          deliveredAt: at,
        });
      } else if (outcome.status === 'pending') {
        updates.push({
          id: row.id,
          status: 'pending',
          attempts,
          nextAttemptAt: outcome.nextAttemptAt.toISOString(),
          lastAttemptAt: at,
          lastStatus,
          lastError: outcome.error,
          deliveredAt: null,
        });
      } else {
        if (outcome.disableEndpoint) gone = outcome.error;
        updates.push({
          id: row.id,
          status: 'dead',
          attempts,
          nextAttemptAt: null,
          lastAttemptAt: at,
          lastStatus,
          lastError: outcome.error,
          deliveredAt: null,
        });
      }
    });

    await db.transaction().execute(async (trx) => {
      await deliveriesStore.apply(trx, updates, at);
      if (disclosures.length > 0) await policy.recordDisclosures(disclosures, trx);
      if (gone !== undefined) {
        await subscriptionsStore.disable(trx, subscription.id, gone, at);
        await deliveriesStore.killPending(trx, subscription.id, 'the endpoint is disabled (410 Gone); replay after enabling it', at);
      }
    });
    lane.commits++;
    for (const subject of taken) lane.committedAt.set(subject, lane.commits);
    if (gone !== undefined)
      this.#deps.log.warn({ subscriptionId: subscription.id }, 'webhook endpoint answered 410 Gone: subscription disabled');
    metrics?.round(subscription.id, (performance.now() - started) / 1000);
    return { attempted: sends.length, delivered, suppressed };
  }

  #remember(messages: readonly OutboxMessage[]): void {
    for (const message of messages) this.#recent.set(message.id, message);
    // Oldest first out: a Map iterates in insertion order.
    for (const id of this.#recent.keys()) {
      if (this.#recent.size <= RECENT_MESSAGES) break;
      this.#recent.delete(id);
    }
  }

  /** Consent states of the subjects (profiles), under the profile and every current identifier. */
  async #consentStates(profileIds: readonly string[]): Promise<Map<string, ConsentState>> {
    const { db } = this.#deps;
    const unique = [...new Set(profileIds)];
    if (unique.length === 0) return new Map();
    const persons = new Map<string, string[]>(unique.map((id) => [id, [`profile:${id}`]]));
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await db
        .selectFrom('identity_nodes')
        .select(['profile_id', 'id_type', 'id_value'])
        .where('profile_id', 'in', unique.slice(i, i + 500))
        .where('valid_to', 'is', null)
        .execute();
      for (const r of rows) persons.get(r.profile_id)?.push(`${r.id_type}:${r.id_value}`);
    }
    return this.#deps.consent.statesOf(persons, db);
  }
}
