import type { CountryCode } from 'libphonenumber-js';
import { sql } from 'kysely';
import { normaliseSubject, parseInstant, type ConsentService } from '../consent/index.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { DisclosureRecord, PolicyService } from '../policy/index.js';
import { profileDocument } from '../profiles/profile-document.js';
import type { ProfileStage } from '../profiles/profile-stage.js';
import type { Backend, Db } from '../storage/index.js';
import { ERASURE_LOCK_ID } from './erasure-guard.js';
import { eraseSubject } from './erasure.js';
import { releaseWindows, type PrivacyRequest } from './privacy-model.js';
import type { REQUEST_KINDS } from './privacy-model.js';
import { privacyStore } from './privacy.store.js';
import { resolveSubject } from './subject-resolution.js';
import { tombstoneOf } from './tombstones.js';

export interface PrivacyServiceDeps {
  readonly db: Db;
  readonly backend: Backend;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly region: CountryCode;
  readonly defaultTimeZone: string;
  readonly consent: ConsentService;
  readonly policy: PolicyService;
  readonly profiles: ProfileStage;
}

export interface Requester {
  readonly apiKeyId: string;
  readonly name: string;
}

const DISCLOSURE_PAGE = 1000;

const countByType = (valueKeys: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const key of valueKeys) {
    const type = key.slice(0, key.indexOf(':'));
    out[type] = (out[type] ?? 0) + 1;
  }
  return out;
};

/**
 * Data-subject requests: access (an export of everything Tessera holds about the person, as JSON)
 * and erasure. Every request is recorded — who asked, when, about whom, the outcome — in the same
 * transaction as an erasure, so an erasure without its record cannot exist.
 */
export class PrivacyService {
  readonly #deps: PrivacyServiceDeps;

  constructor(deps: PrivacyServiceDeps) {
    this.#deps = deps;
  }

  async request(input: { kind: (typeof REQUEST_KINDS)[number]; subject: string }, requester: Requester): Promise<PrivacyRequest> {
    const normalised = normaliseSubject(input.subject, this.#deps.region);
    if (!normalised.ok)
      throw new AppError('VALIDATION_FAILED', normalised.message, [
        { path: '/subject', code: 'INVALID_SUBJECT', message: normalised.message },
      ]);
    return input.kind === 'access' ? this.#access(normalised.value, requester) : this.#erase(normalised.value, requester);
  }

  /**
   * Ends the tombstones of an erased identifier at `from`: the operator gave the number (or the
   * SIM) to someone else, whose events from then on are theirs. Recorded like every request.
   */
  async releaseTombstone(input: { subject: string; from: string }, requester: Requester): Promise<PrivacyRequest> {
    const normalised = normaliseSubject(input.subject, this.#deps.region);
    if (!normalised.ok || normalised.value.startsWith('profile:'))
      throw new AppError('VALIDATION_FAILED', 'the subject must be an identifier', [
        {
          path: '/subject',
          code: 'INVALID_SUBJECT',
          message: normalised.ok ? 'a tombstone is of an identifier, not a profile' : normalised.message,
        },
      ]);
    const from = parseInstant(input.from);
    if (from === undefined)
      throw new AppError('VALIDATION_FAILED', 'from is not a time', [
        { path: '/from', code: 'INVALID_TIME', message: 'from must be an ISO 8601 time with an offset' },
      ]);
    const subject = normalised.value;
    const at = this.#deps.clock.now().toISOString();
    const id = this.#deps.ids.next();
    return this.#deps.db.transaction().execute(async (trx) => {
      if (this.#deps.backend === 'postgres') await sql`select pg_advisory_xact_lock(${ERASURE_LOCK_ID})`.execute(trx);
      const t = tombstoneOf(subject, null, null);
      const windows = await privacyStore.tombstonesOf(trx, t.idHash);
      const released = releaseWindows(windows, from);
      if (released.changed) await privacyStore.replaceTombstones(trx, t.idHash, t.idType, t.bucket, id, at, released.keep);
      const request: PrivacyRequest = {
        id,
        kind: 'tombstone_release',
        subject,
        status: windows.length === 0 ? 'not_found' : 'completed',
        profileId: null,
        requestedBy: requester,
        requestedAt: at,
        completedAt: at,
        result: {
          from,
          windowsBefore: windows.length,
          windowsAfter: released.changed ? released.keep.length : windows.length,
          changed: released.changed,
        },
      };
      await privacyStore.insertRequest(trx, request);
      return request;
    });
  }

  async get(id: string): Promise<PrivacyRequest> {
    const found = await privacyStore.request(this.#deps.db, id);
    if (!found) throw new AppError('NOT_FOUND', `privacy request '${id}' not found`);
    return found;
  }

  async list(filter: { subject?: string; after?: string; limit: number }): Promise<PrivacyRequest[]> {
    let subject = filter.subject;
    if (subject !== undefined) {
      const normalised = normaliseSubject(subject, this.#deps.region);
      if (normalised.ok) subject = normalised.value;
    }
    return privacyStore.list(this.#deps.db, { ...filter, ...(subject !== undefined ? { subject } : {}) });
  }

  async #access(subject: string, requester: Requester): Promise<PrivacyRequest> {
    const { db } = this.#deps;
    const now = this.#deps.clock.now();
    const at = now.toISOString();
    // Reads outside a transaction: on the embedded store a transaction would hold the write lock.
    const resolved = await resolveSubject(db, subject, at);
    const profileIds = resolved.profileIds;
    const values = [...new Set(resolved.nodes.map((n) => n.valueKey))];
    const subjects = [...new Set([subject, ...profileIds.map((id) => `profile:${id}`), ...values])];

    const consent = [];
    for (const s of subjects) {
      try {
        const answer = await this.#deps.consent.subjectConsent(s, { asOf: at });
        if (answer.history.length > 0) consent.push(answer);
      } catch (err) {
        // A value the ledger cannot take as a subject (it normalises subjects when it records
        // them) has no consent events to show; anything else is a failure.
        if (!(err instanceof AppError && err.code === 'VALIDATION_FAILED')) throw err;
      }
    }

    const memberships = [];
    if (profileIds.length > 0) {
      for (const audience of await db.selectFrom('audiences').select(['id', 'name']).orderBy('id').execute()) {
        const rows = await db
          .selectFrom('audience_members')
          .selectAll()
          .where('audience_id', '=', audience.id)
          .where('member_id', 'in', profileIds)
          .execute();
        for (const r of rows)
          memberships.push({
            audienceId: audience.id,
            audienceName: audience.name,
            version: r.version,
            enteredAt: r.entered_at,
            heldOut: r.held_out === 1,
            explanation: JSON.parse(r.explanation) as unknown,
          });
      }
    }

    // Recipients: the disclosure log names the subject by profile id or by a subject string.
    const disclosures: DisclosureRecord[] = [];
    for (const s of [...subjects, ...profileIds]) {
      let after: string | undefined;
      for (;;) {
        const page = await this.#deps.policy.listDisclosures({ subject: s, limit: DISCLOSURE_PAGE, ...(after ? { after } : {}) });
        disclosures.push(...page);
        if (page.length < DISCLOSURE_PAGE) break;
        after = page.at(-1)?.id;
      }
    }
    disclosures.sort((a, b) => a.id.localeCompare(b.id));
    const consumerIds = [...new Set(disclosures.map((d) => d.consumerId))].sort();
    const names = new Map(
      consumerIds.length === 0
        ? []
        : (await db.selectFrom('consumers').select(['id', 'name', 'kind']).where('id', 'in', consumerIds).execute()).map((c) => [c.id, c]),
    );
    const recipients = consumerIds.map((id) => {
      const mine = disclosures.filter((d) => d.consumerId === id);
      return {
        consumerId: id,
        name: names.get(id)?.name ?? null,
        kind: names.get(id)?.kind ?? null,
        disclosures: mine.length,
        firstAt: mine[0]?.at ?? null,
        lastAt: mine.at(-1)?.at ?? null,
        purposes: [...new Set(mine.map((d) => d.purpose))].sort(),
        channels: [...new Set(mine.map((d) => d.channel))].sort(),
        attributesReleased: [...new Set(mine.flatMap((d) => d.released))].sort(),
      };
    });

    const result = {
      subject,
      generatedAt: at,
      // As GET /v1/profiles/{id}?explain=true gives it: GDPR Art. 15(1)(g) asks for the source of data not collected from the subject.
      profile: resolved.profile ? await profileDocument(db, this.#deps, resolved.profile, now, { lineage: true }) : null,
      mergedProfiles: profileIds.slice(1),
      identifiers: resolved.nodes.map((n) => ({
        type: n.type,
        value: n.value,
        epoch: n.epoch,
        validFrom: n.validFrom,
        validTo: n.validTo,
        profileId: n.profileId,
      })),
      consent,
      audiences: memberships,
      recipients,
      disclosures,
    };
    const request: PrivacyRequest = {
      id: this.#deps.ids.next(),
      kind: 'access',
      subject,
      status: resolved.profile || consent.length > 0 ? 'completed' : 'not_found',
      profileId: resolved.profile?.id ?? null,
      requestedBy: requester,
      requestedAt: at,
      completedAt: this.#deps.clock.now().toISOString(),
      result,
    };
    await privacyStore.insertRequest(db, request);
    return request;
  }

  async #erase(subject: string, requester: Requester): Promise<PrivacyRequest> {
    const at = this.#deps.clock.now().toISOString();
    const id = this.#deps.ids.next();
    return this.#deps.db.transaction().execute(async (trx) => {
      const outcome = await eraseSubject(trx, this.#deps.backend, { requestId: id, subject, at });
      const found = outcome.resolved.profile !== undefined || !subject.startsWith('profile:');
      const request: PrivacyRequest = {
        id,
        kind: 'erasure',
        subject,
        status: found ? 'completed' : 'not_found',
        profileId: outcome.resolved.profile?.id ?? null,
        requestedBy: requester,
        requestedAt: at,
        completedAt: at,
        result: {
          erasedAt: at,
          erasedBy: requester,
          profiles: outcome.resolved.profileIds,
          deleted: outcome.counts,
          // Types only: the erasure record does not keep what it erased.
          identifiers: {
            erased: countByType(outcome.identifiers.erased),
            sharedWithOtherHolders: countByType(outcome.identifiers.sharedWithOtherHolders),
          },
          retained: {
            consentLedger: {
              ...outcome.retainedConsent,
              basis: 'proof of consent, GDPR Art. 7(1) and 17(3)(b), (e); 152-FZ Art. 9(3)',
            },
            disclosureLog: { recipients: outcome.recipients, basis: 'accountability, GDPR Art. 5(2) and 19' },
          },
          notified: outcome.resolved.profile ? { outbox: 'profile.erased', recipients: outcome.recipients } : null,
          tombstone:
            'events carrying an erased identifier within the erased epoch are dropped by the pipeline: a rebuild from the log or a re-ingest does not bring the subject back',
        },
      };
      await privacyStore.insertRequest(trx, request);
      return request;
    });
  }
}
