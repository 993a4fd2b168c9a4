import { chainEvent } from './consent-chain.js';
import type { ConsentEvent, ConsentEventDraft } from './consent-model.js';
import { BUILTIN_PURPOSES } from './purposes.js';
import type { PurposeRules } from './consent-state.js';

/** Test fixtures: a subject's chain built from partial drafts, recorded at given times. */

export const SUBJECT = 'msisdn:+79161234567';

export const PURPOSES: readonly PurposeRules[] = BUILTIN_PURPOSES.map((p) => ({
  code: p.code,
  advertising: p.advertising,
  tcfPurposeId: p.tcfPurposeId,
}));

export type EventSpec = Partial<ConsentEventDraft> & { readonly recordedAt?: string };

let counter = 0;

/** Chains the specs in order (seq 1, 2, …); `recordedAt` defaults to `validFrom`. */
export const chainOf = (specs: readonly EventSpec[], subject = SUBJECT): ConsentEvent[] => {
  const events: ConsentEvent[] = [];
  for (const spec of specs) {
    const validFrom = spec.validFrom ?? '2026-01-01T00:00:00.000Z';
    const { recordedAt, ...draft } = spec;
    events.push(
      chainEvent(
        {
          eventId: `ev-${++counter}`,
          subject,
          purpose: 'marketing',
          channel: 'sms',
          action: 'grant',
          legalBasis: 'fz38_art18_ad_consent',
          jurisdiction: 'RU',
          expiresAt: null,
          source: { collectionPoint: 'test', channel: null, agent: null },
          proof: { noticeId: null, noticeVersion: null, evidenceRef: null },
          tcfString: null,
          tcfVendorId: null,
          ...draft,
          validFrom,
          purposeVersion: 1,
          recordedAt: recordedAt ?? validFrom,
        },
        events.at(-1),
      ),
    );
  }
  return events;
};
