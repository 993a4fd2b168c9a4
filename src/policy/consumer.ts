import type { ErrorDetail } from '../core/errors.js';
import { CHANNEL_PATTERN, PURPOSE_PATTERN } from './attribute-classes.js';

/*
 * Consumers (channels, issue 7): whoever receives data from Tessera — the campaign tool, the app,
 * the contact centre, the next-best-action engine, an ad partner — registered with the purposes it
 * may use data for, the channels it reaches people on, the consent signals it needs, and an API
 * key bound to it. Pure: the shape, its checks, and what policy reads of it.
 */

export const CONSUMER_KINDS = ['campaign', 'app', 'contact_centre', 'nba', 'ad_partner'] as const;
export type ConsumerKind = (typeof CONSUMER_KINDS)[number];

export const CONSUMER_ID_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
const PARTNER_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const SIGNAL_PATTERN = /^[a-z][a-z0-9_:.-]{0,63}$/;

export interface ConsumerDraft {
  readonly name: string;
  readonly kind: ConsumerKind;
  readonly description?: string;
  /** Ad partners: the partner code; their one channel is `ads:<partner>`. */
  readonly partner?: string | null;
  readonly purposes: readonly string[];
  readonly channels: readonly string[];
  /** Signals every subject must carry before anything is disclosed to this consumer. */
  readonly requiredSignals?: readonly string[];
}

export interface Consumer {
  readonly id: string;
  readonly name: string;
  readonly kind: ConsumerKind;
  readonly description: string;
  readonly partner: string | null;
  readonly purposes: readonly string[];
  readonly channels: readonly string[];
  readonly requiredSignals: readonly string[];
  /** The API key bound to the consumer (its secret is shown once, at registration). */
  readonly apiKeyId: string | null;
  readonly status: 'active' | 'deleted';
  /** Grows with every change: cached decisions of an older revision are never used. */
  readonly revision: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** The ad channel of an ad partner. */
export const adChannelOf = (partner: string): string => `ads:${partner}`;

const uniqueSorted = (values: readonly string[]): string[] => [...new Set(values)].sort();

/** Every problem of a draft, each with a JSON pointer; empty when it is valid. */
export const checkConsumerDraft = (draft: ConsumerDraft, id?: string): ErrorDetail[] => {
  const issues: ErrorDetail[] = [];
  const issue = (path: string, code: string, message: string) => issues.push({ path, code, message });
  if (id !== undefined && !CONSUMER_ID_PATTERN.test(id))
    issue('/id', 'INVALID_ID', 'a consumer id is lower case letters, digits, _ and -, starting with a letter, at most 64 characters');
  if (draft.name.trim() === '') issue('/name', 'EMPTY', 'the name must not be blank');
  if (draft.purposes.length === 0) issue('/purposes', 'EMPTY', 'a consumer needs at least one purpose');
  draft.purposes.forEach((p, i) => {
    if (!PURPOSE_PATTERN.test(p)) issue(`/purposes/${i}`, 'INVALID_PURPOSE', `'${p}' is not a purpose code (e.g. marketing)`);
  });
  if (draft.channels.length === 0) issue('/channels', 'EMPTY', 'a consumer needs at least one channel');
  draft.channels.forEach((c, i) => {
    if (!CHANNEL_PATTERN.test(c)) issue(`/channels/${i}`, 'INVALID_CHANNEL', `'${c}' is not a channel code (e.g. sms, ads:partner)`);
  });
  (draft.requiredSignals ?? []).forEach((s, i) => {
    if (!SIGNAL_PATTERN.test(s)) issue(`/requiredSignals/${i}`, 'INVALID_SIGNAL', `'${s}' is not a signal code (e.g. tcf_vendor_consent)`);
  });
  const partner = draft.partner ?? null;
  if (draft.kind === 'ad_partner') {
    if (partner === null || !PARTNER_PATTERN.test(partner))
      issue('/partner', 'PARTNER_REQUIRED', 'an ad partner needs a partner code (lower case letters, digits, _ . -)');
    else
      draft.channels.forEach((c, i) => {
        if (c !== adChannelOf(partner))
          issue(`/channels/${i}`, 'AD_PARTNER_CHANNEL', `an ad partner reaches people only on its own channel ${adChannelOf(partner)}`);
      });
  } else {
    if (partner !== null) issue('/partner', 'PARTNER_NOT_ALLOWED', 'only an ad_partner consumer has a partner code');
    draft.channels.forEach((c, i) => {
      if (c.startsWith('ads:')) issue(`/channels/${i}`, 'AD_CHANNEL_NOT_ALLOWED', 'ads:<partner> channels belong to ad_partner consumers');
    });
  }
  return issues;
};

/** The normalised parts of a valid draft, as stored. */
export const consumerFields = (draft: ConsumerDraft) => ({
  name: draft.name.trim(),
  kind: draft.kind,
  description: draft.description ?? '',
  partner: draft.kind === 'ad_partner' ? (draft.partner ?? null) : null,
  purposes: uniqueSorted(draft.purposes),
  channels: uniqueSorted(draft.channels),
  requiredSignals: uniqueSorted(draft.requiredSignals ?? []),
});
