import type { AttributeClass, Decision, Projection } from '../policy/index.js';
import type { OutboxMessage } from './cloud-event.js';

/*
 * What a consumer receives for one outbox message (pure): a CloudEvents 1.0 structured-mode JSON
 * event (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md and its JSON format)
 * whose `data` is what the policy lets this consumer see for the subscription's purpose and
 * channel. A message about a person goes out only when the subject has a valid basis and the
 * policy allows the class the event itself discloses (membership of an audience is derived data,
 * a merge discloses identifiers); its fields are then released or redacted one by one.
 */

/** The class the occurrence of a message discloses about its subject; null: not about a person. */
export const MESSAGE_CLASS: Readonly<Record<string, AttributeClass | null>> = {
  'audience.entered': 'derived',
  'audience.exited': 'derived',
  'score.changed': 'derived',
  'consent.changed': 'derived',
  'profile.merged': 'identifier',
  'profile.split': 'identifier',
  'identity.sim_swap': 'identifier',
  'contract.violation': null,
  'profile.erased': 'identifier',
  // About an audience, not a person.
  'audience.archived': null,
};

/**
 * Fields never sent: an audience explanation quotes the values of whatever attributes its rule
 * reads (location, traffic, …), which a consumer registered for the membership alone may not
 * see. The consumer can ask `GET /v1/audiences/{id}/explain/{profileId}` instead.
 */
const WITHHELD: Readonly<Record<string, readonly string[]>> = {
  'audience.entered': ['explanation'],
  'audience.exited': ['explanation'],
};
export const WITHHELD_RULE = 'delivery:withheld';

export type MessageProjection =
  | {
      readonly deliver: true;
      readonly data: unknown;
      readonly released: readonly string[];
      readonly redacted: readonly { readonly attribute: string; readonly rules: readonly string[] }[];
    }
  | { readonly deliver: false; readonly rules: readonly string[] };

export interface ProjectionPorts {
  /** The policy's decision for a class, the consumer, purpose, channel and the subject's consent bound in. */
  readonly decide: (cls: AttributeClass) => Decision;
  /** The profile projection for the consumer (scores of score.changed go through the attribute catalogue). */
  readonly projectProfile: (profile: Readonly<Record<string, unknown>>) => Projection;
  /** Whether the subject has a valid basis for the purpose and channel. */
  readonly consentValid: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Decides one message for one consumer and shapes its data. */
export const projectMessage = (message: OutboxMessage, ports: ProjectionPorts): MessageProjection => {
  const cls = MESSAGE_CLASS[message.type];
  if (cls === undefined) return { deliver: false, rules: ['delivery:unknown-type'] };
  // Not about a person (a contract violation names a source): no consent is involved.
  if (cls === null) return { deliver: true, data: message.data, released: [], redacted: [] };
  if (!ports.consentValid) return { deliver: false, rules: ['delivery:no-consent'] };
  const gate = ports.decide(cls);
  if (!gate.allowed) return { deliver: false, rules: gate.rules };
  const data = isRecord(message.data) ? message.data : {};
  const released: string[] = [];
  const redacted: { attribute: string; rules: readonly string[] }[] = [];
  const out: Record<string, unknown> = {};
  if (message.type === 'score.changed') {
    const scores = ports.projectProfile({ profileId: message.subject, scores: isRecord(data.scores) ? data.scores : {} });
    const previous = ports.projectProfile({ profileId: message.subject, scores: isRecord(data.previous) ? data.previous : {} });
    for (const [key, value] of Object.entries(data)) {
      if (key === 'scores') out.scores = scores.profile.scores;
      else if (key === 'previous') out.previous = data.previous === null ? null : previous.profile.scores;
      else if (key === 'reasons') {
        // Why a score moved says as much as the score: only with at least one score released.
        if (scores.released.length > 0) out.reasons = value;
        else redacted.push({ attribute: `${message.type}:reasons`, rules: ['delivery:no-score-released'] });
      } else {
        out[key] = value;
        released.push(`${message.type}:${key}`);
      }
    }
    released.push(...new Set([...scores.released, ...previous.released]));
    for (const r of [...scores.redacted, ...previous.redacted])
      if (!redacted.some((x) => x.attribute === r.attribute)) redacted.push({ attribute: r.attribute, rules: r.rules });
    return { deliver: true, data: out, released, redacted };
  }
  const withheld = WITHHELD[message.type] ?? [];
  for (const [key, value] of Object.entries(data)) {
    if (withheld.includes(key)) redacted.push({ attribute: `${message.type}:${key}`, rules: [WITHHELD_RULE] });
    else {
      out[key] = value;
      released.push(`${message.type}:${key}`);
    }
  }
  return { deliver: true, data: out, released, redacted };
};
