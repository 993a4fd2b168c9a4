import type { ConsentService } from '../consent/index.js';
import type { Consumer, DisclosureInput, PolicyService } from '../policy/index.js';
import type { Db } from '../storage/index.js';
import { isRemoveOperation, projectMessage, removeOperationNames, type OutboxMessage } from '../outbox/index.js';
import { subjectConsents } from './subject-consent.js';

/*
 * Which outbox messages a consumer may receive, decided per message by the policy layer on the
 * subject's consent for the consumer's purpose and channel at send time; and the disclosure-log
 * records of what it received. An administrator's or operator's key (no consumer bound) reads
 * everything. Rules:
 *  - a remove operation (`consent.changed` with `remove: true`) goes to the consumers it names —
 *    the ones that received the subject — whatever the subject's consent now (that is its point);
 *  - any other message goes only when the policy allows the message's attribute class for the
 *    subject: membership, scores and merges are derived data about the person, a SIM swap names
 *    identifiers. A subject without a valid basis (or that is no profile) yields nothing.
 */

export interface StreamReader {
  readonly consumer: Consumer;
  readonly purpose: string;
  readonly channel: string;
}

export interface AccessResult {
  /** The messages the reader may receive, in the order given. */
  readonly allowed: OutboxMessage[];
  readonly disclosures: Omit<DisclosureInput, 'id' | 'at'>[];
}

export const filterMessagesFor = async (
  db: Db,
  deps: { readonly consent: ConsentService; readonly policy: PolicyService },
  reader: StreamReader,
  messages: readonly OutboxMessage[],
  at: Date,
): Promise<AccessResult> => {
  const { consumer, purpose, channel } = reader;
  const context = { purpose, channel };
  const subjects = [...new Set(messages.filter((m) => !isRemoveOperation(m)).map((m) => m.subject))];
  const consents = subjects.length > 0 ? await subjectConsents(db, deps.consent, subjects, { purpose, channel, at }) : new Map();
  const policyVersion = deps.policy.current.version;
  const allowed: OutboxMessage[] = [];
  const disclosures: Omit<DisclosureInput, 'id' | 'at'>[] = [];
  for (const message of messages) {
    const base = { subject: message.subject, consumerId: consumer.id, exit: 'delivery' as const, purpose, channel, reference: message.id };
    if (isRemoveOperation(message)) {
      if (!removeOperationNames(message, consumer.id)) continue;
      allowed.push(message);
      disclosures.push({ ...base, released: [], redacted: [], consentEvents: [], policyVersion });
      continue;
    }
    // The same decision and shaping as a webhook delivery (src/outbox/message-projection.ts).
    const evidence = consents.get(message.subject)?.evidence ?? false;
    const projection = projectMessage(message, {
      consentValid: evidence !== false && evidence.valid,
      decide: (cls) => deps.policy.decide(consumer, context, cls, evidence),
      projectProfile: (profile) => deps.policy.projectProfile(consumer, context, profile, evidence),
    });
    if (!projection.deliver) continue;
    allowed.push({ ...message, data: projection.data });
    // A message about no person (a contract violation) discloses nothing about anyone.
    if (evidence === false) continue;
    disclosures.push({
      ...base,
      released: [...projection.released],
      redacted: projection.redacted.map((r) => ({ attribute: r.attribute, class: null, rules: [...r.rules] })),
      consentEvents: evidence.eventIds,
      policyVersion,
    });
  }
  return { allowed, disclosures };
};
