import type { OutboxMessage } from './cloud-event.js';

/*
 * A remove operation (`consent.changed` with `remove: true`) tells the consumers that received a
 * subject to forget it: consent was withdrawn, denied or expired. It goes to the consumers it
 * names whatever the subject's consent now — that is its point — and to no one else. Every exit
 * (SSE, NATS readers, webhooks) decides it the same way.
 */

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export const isRemoveOperation = (message: OutboxMessage): boolean =>
  message.type === 'consent.changed' && isRecord(message.data) && message.data.remove === true;

/** Whether a remove operation is addressed to this consumer. */
export const removeOperationNames = (message: OutboxMessage, consumerId: string): boolean => {
  const consumers = isRecord(message.data) ? message.data.consumers : undefined;
  return Array.isArray(consumers) && consumers.includes(consumerId);
};
