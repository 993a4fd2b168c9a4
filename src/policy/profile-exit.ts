import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { subjectsOfProfiles, type ConsentService } from '../consent/index.js';
import type { Db } from '../storage/index.js';
import type { ConsumerService } from './consumers.service.js';
import { ledgerConsent } from './ledger-consent.js';
import type { PolicyService } from './policy.service.js';

/*
 * The profile-read exit (issue 7.5): a consumer reading a profile receives only the attributes
 * the policy releases for the purpose and channel it names, given the subject's consent now, and
 * the read is logged as a disclosure (released and redacted attributes, the consent events used,
 * the policy version). A key that belongs to no consumer (an operator's key) reads the whole
 * profile, as before.
 */

export interface ProfileDisclosure {
  readonly purpose: string;
  readonly channel: string;
  readonly released: readonly string[];
  readonly redacted: readonly { readonly attribute: string; readonly class: string | null; readonly rules: readonly string[] }[];
  readonly consentEvents: readonly string[];
  readonly policyVersion: number;
}

export type ProfileReadExit = (
  apiKeyId: string | undefined,
  profileId: string,
  profile: Record<string, unknown>,
  asked: { readonly purpose?: string | undefined; readonly channel?: string | undefined },
) => Promise<{ readonly profile: Record<string, unknown>; readonly disclosure: ProfileDisclosure } | undefined>;

export const profileReadExit =
  (deps: { db: Db; clock: Clock; policy: PolicyService; consumers: ConsumerService; consent: ConsentService }): ProfileReadExit =>
  async (apiKeyId, profileId, profile, asked) => {
    if (apiKeyId === undefined) return undefined;
    const consumer = await deps.consumers.forApiKey(apiKeyId);
    if (!consumer) return undefined;
    const purpose = asked.purpose ?? (consumer.purposes.length === 1 ? consumer.purposes[0] : undefined);
    const channel = asked.channel ?? (consumer.channels.length === 1 ? consumer.channels[0] : undefined);
    if (purpose === undefined || channel === undefined)
      throw new AppError(
        'VALIDATION_FAILED',
        `consumer '${consumer.id}' must name the purpose and channel of the read (?purpose=&channel=)`,
        [
          ...(purpose === undefined ? [{ path: '/querystring/purpose', message: `one of ${consumer.purposes.join(', ')}` }] : []),
          ...(channel === undefined ? [{ path: '/querystring/channel', message: `one of ${consumer.channels.join(', ')}` }] : []),
        ],
      );
    if (!consumer.purposes.includes(purpose) || !consumer.channels.includes(channel))
      throw new AppError('FORBIDDEN', `consumer '${consumer.id}' is not registered for purpose '${purpose}' on channel '${channel}'`);
    const now = deps.clock.now();
    const subjects = (await subjectsOfProfiles(deps.db, [profileId])).get(profileId) ?? [`profile:${profileId}`];
    const consent = ledgerConsent(await deps.consent.stateOf(subjects), purpose, channel, now);
    await deps.policy.refresh();
    const projection = deps.policy.projectProfile(consumer, { purpose, channel }, profile, consent);
    const policyVersion = deps.policy.current.version;
    const [record] = await deps.policy.recordDisclosures([
      {
        subject: `profile:${profileId}`,
        consumerId: consumer.id,
        exit: 'profile_read',
        purpose,
        channel,
        released: projection.released,
        redacted: projection.redacted,
        consentEvents: projection.released.length > 0 ? consent.eventIds : [],
        policyVersion,
      },
    ]);
    return {
      profile: projection.profile,
      disclosure: {
        purpose,
        channel,
        released: record?.released ?? projection.released,
        redacted: projection.redacted.map((r) => ({ attribute: r.attribute, class: r.class, rules: [...r.rules] })),
        consentEvents: record?.consentEvents ?? [],
        policyVersion,
      },
    };
  };
