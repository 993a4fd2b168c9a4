import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import { membershipStore, type AudienceService } from '../audiences/index.js';
import { AD_PLATFORMS, type AdPlatform, type ConsentService } from '../consent/index.js';
import type { Clock } from '../core/clock.js';
import { AppError, type ErrorDetail } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { IdGenerator } from '../core/ids.js';
import type { AttributeClass, Consumer, ConsumerService, DisclosureInput, PolicyService } from '../policy/index.js';
import type { Db } from '../storage/index.js';
import {
  diffMembers,
  memberColumns,
  renderCsv,
  renderJson,
  type ExportFormat,
  type ExportMode,
  type ExportRow,
} from './audience-export.js';
import { exportsStore, type AudienceExport, type ExportMember } from './exports.store.js';
import { buildLegalBasisReport, loadCitedRecords, type LegalBasisReport } from './legal-basis-report.js';
import { subjectConsents, type SubjectConsent } from './subject-consent.js';

/*
 * Audience exports as a service: an audience's members for one consumer, purpose and channel —
 * held-out members left out, each remaining member decided by the policy on their consent at send
 * time, identifiers released class by class and hashed for an ad partner — written as a JSON or
 * CSV file under the data directory, with the export record, what each member was sent on which
 * consent event and notice (the legal-basis report), and the disclosure log, in one transaction.
 */

export interface ExportRequest {
  readonly consumerId: string;
  readonly format: ExportFormat;
  readonly mode: ExportMode;
  readonly purpose?: string;
  readonly channel?: string;
  /** An ad partner's platform when its partner code does not name one (google, meta). */
  readonly platform?: AdPlatform;
}

export interface ExportServiceDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly consent: ConsentService;
  readonly policy: PolicyService;
  readonly consumers: ConsumerService;
  readonly audiences: AudienceService;
  readonly dataDir: string;
  readonly region: CountryCode;
}

const PAGE = 1_000;

/** The hashing an ad partner's file gets: the platform asked for, or the one its partner code names. */
const hashingOf = (consumer: Consumer, platform: AdPlatform | undefined): AdPlatform | null => {
  if (consumer.kind !== 'ad_partner') return null;
  if (platform !== undefined) return platform;
  const named = AD_PLATFORMS.find((p) => consumer.partner === p);
  if (named) return named;
  throw new AppError('VALIDATION_FAILED', 'an ad partner export needs the platform whose hashing to apply', [
    {
      path: '/platform',
      code: 'REQUIRED',
      message: `partner '${consumer.partner ?? ''}' names no platform: give one of ${AD_PLATFORMS.join(', ')}`,
    },
  ]);
};

export class ExportService {
  readonly #deps: ExportServiceDeps;

  constructor(deps: ExportServiceDeps) {
    this.#deps = deps;
  }

  async create(audienceId: string, request: ExportRequest, actor: string): Promise<AudienceExport> {
    const { db, clock, ids, policy } = this.#deps;
    // Reads through the top-level handle happen before the transaction (one connection on SQLite).
    const audience = await this.#deps.audiences.get(audienceId);
    if (audience.entity !== 'person')
      throw new AppError('VALIDATION_FAILED', 'only person audiences are exported', [
        { path: 'params/id', code: 'NOT_PERSON_AUDIENCE', message: `audience '${audienceId}' is of ${audience.entity} entities` },
      ]);
    const consumer = await this.#deps.consumers.get(request.consumerId);
    if (consumer.status !== 'active') throw new AppError('CONFLICT', `consumer '${consumer.id}' is deleted`);
    const purpose = request.purpose ?? consumer.purposes[0];
    const channel = request.channel ?? consumer.channels[0];
    const issues: ErrorDetail[] = [];
    if (purpose === undefined || !consumer.purposes.includes(purpose))
      issues.push({
        path: '/purpose',
        code: 'NOT_REGISTERED',
        message: `consumer '${consumer.id}' is registered for ${consumer.purposes.join(', ')}`,
      });
    if (channel === undefined || !consumer.channels.includes(channel))
      issues.push({
        path: '/channel',
        code: 'NOT_REGISTERED',
        message: `consumer '${consumer.id}' is registered for ${consumer.channels.join(', ')}`,
      });
    if (issues.length > 0 || purpose === undefined || channel === undefined)
      throw new AppError('VALIDATION_FAILED', 'the export names a purpose or channel the consumer is not registered for', issues);
    const hashing = hashingOf(consumer, request.platform);
    await policy.refresh();

    const id = ids.next();
    const now = clock.now();
    const createdAt = now.toISOString();
    const context = { purpose, channel };
    // Membership of an ad partner's list discloses the identifiers it matches on; for any other consumer it is derived data.
    const listClass: AttributeClass = consumer.kind === 'ad_partner' ? 'identifier' : 'derived';

    return db.transaction().execute(async (trx) => {
      const base = request.mode === 'incremental' ? await exportsStore.latest(trx, audienceId, consumer.id) : undefined;
      const held = base ? await exportsStore.held(trx, base.id) : null;
      const counts = await membershipStore.counts(trx, audienceId);

      // Every non-held-out member, a page at a time, with identifiers and consent at send time.
      const allowed: string[] = [];
      const consents = new Map<string, SubjectConsent>();
      const deniedBy: Record<string, number> = {};
      let denied = 0;
      let after: string | undefined;
      for (;;) {
        const page = await membershipStore.members(trx, audienceId, {
          ...(after !== undefined ? { after } : {}),
          limit: PAGE,
          heldOut: false,
        });
        const memberIds = page.members.map((m) => m.memberId);
        if (memberIds.length > 0) {
          const pageConsents = await subjectConsents(trx, this.#deps.consent, memberIds, { purpose, channel, at: now });
          const filter = policy.filterMembers(
            consumer,
            context,
            memberIds,
            (member) => pageConsents.get(member)?.evidence ?? false,
            listClass,
          );
          allowed.push(...filter.allowed);
          denied += filter.denied.length;
          for (const [rule, n] of Object.entries(filter.deniedBy)) deniedBy[rule] = (deniedBy[rule] ?? 0) + n;
          for (const member of filter.allowed) {
            const subject = pageConsents.get(member);
            if (subject) consents.set(member, subject);
          }
        }
        if (page.next === null) break;
        after = page.next;
      }

      const diff = diffMembers(request.mode, allowed, held);
      // Removed members are named by their identifiers now, so an ad partner can match them too.
      const removedConsents =
        diff.remove.length > 0 ? await subjectConsents(trx, this.#deps.consent, diff.remove, { purpose, channel, at: now }) : new Map();
      const rows: ExportRow[] = [];
      const disclosures: Omit<DisclosureInput, 'id' | 'at'>[] = [];
      const released = new Set<string>();
      const redacted = new Set<string>();
      const members: ExportMember[] = [];
      for (const [op, list] of [
        ['add', diff.add],
        ['keep', diff.keep],
      ] as const) {
        for (const member of list) {
          const subject = consents.get(member);
          const evidence = subject?.evidence ?? false;
          const decisive = subject?.decisive;
          members.push({
            memberId: member,
            op,
            consentEventId: decisive?.eventId ?? null,
            consentSubject: decisive?.subject ?? null,
            legalBasis: decisive?.legalBasis ?? null,
            noticeId: decisive?.proof.noticeId ?? null,
            noticeVersion: decisive?.proof.noticeVersion ?? null,
            consentEvents: subject?.evidence.eventIds ?? [],
          });
          if (op === 'keep') continue;
          const columns = memberColumns(op, member, subject?.identifiers ?? [], {
            hashing,
            region: this.#deps.region,
            allows: (cls) => policy.decide(consumer, context, cls, evidence).allowed,
          });
          rows.push(columns.row);
          columns.released.forEach((a) => released.add(a));
          columns.redacted.forEach((a) => redacted.add(a));
          disclosures.push({
            subject: member,
            consumerId: consumer.id,
            exit: 'audience_export',
            purpose,
            channel,
            released: columns.released,
            redacted: columns.redacted,
            consentEvents: subject?.evidence.eventIds ?? [],
            policyVersion: policy.current.version,
            reference: id,
          });
        }
      }
      for (const member of diff.remove) {
        members.push({
          memberId: member,
          op: 'remove',
          consentEventId: null,
          consentSubject: null,
          legalBasis: null,
          noticeId: null,
          noticeVersion: null,
          consentEvents: [],
        });
        // A removal carries the identifiers the consumer matched on (it holds them already), never anything new.
        const columns = memberColumns('remove', member, removedConsents.get(member)?.identifiers ?? [], {
          hashing,
          region: this.#deps.region,
          allows: () => true,
        });
        rows.push(columns.row);
      }

      const record: Omit<AudienceExport, 'file' | 'fileSha256'> = {
        id,
        audienceId,
        audienceVersion: audience.version,
        consumerId: consumer.id,
        purpose,
        channel,
        format: request.format,
        mode: request.mode,
        baseExportId: base?.id ?? null,
        hashing,
        status: 'completed',
        counts: {
          members: counts.members,
          heldOut: counts.heldOut,
          denied,
          added: diff.add.length,
          kept: diff.keep.length,
          removed: diff.remove.length,
          deniedBy,
        },
        released: [...released].sort(),
        redacted: [...redacted].sort(),
        policyVersion: policy.current.version,
        createdAt,
        createdBy: actor,
      };
      const header = {
        id,
        audienceId,
        audienceVersion: audience.version,
        consumerId: consumer.id,
        purpose,
        channel,
        mode: request.mode,
        baseExportId: record.baseExportId,
        hashing,
        createdAt,
        policyVersion: record.policyVersion,
      };
      const text = request.format === 'csv' ? renderCsv(rows, hashing) : renderJson(header, rows);
      const file = join('exports', `${id}.${request.format}`);
      const stored: AudienceExport = { ...record, file, fileSha256: sha256Hex(text) };
      await exportsStore.insert(trx, stored, members);
      await policy.recordDisclosures(disclosures, trx);
      // Written last inside the transaction: a failed write rolls the record back; a failed commit leaves an unreferenced file.
      mkdirSync(join(this.#deps.dataDir, 'exports'), { recursive: true });
      writeFileSync(join(this.#deps.dataDir, file), text);
      return stored;
    });
  }

  async get(id: string): Promise<AudienceExport> {
    const found = await exportsStore.get(this.#deps.db, id);
    if (!found) throw new AppError('NOT_FOUND', `export '${id}' not found`);
    return found;
  }

  /** The legal-basis report of an export (issue 7.9). */
  async legalBasisReport(id: string, page: { after?: string; limit: number }): Promise<LegalBasisReport & { next: string | null }> {
    const record = await this.get(id);
    const consumer = await this.#deps.consumers.get(record.consumerId);
    const members = await exportsStore.members(this.#deps.db, id);
    const { events, notices } = await loadCitedRecords(this.#deps.db, members);
    // Every recipient is checked; the list answered is one page of them, in profile id order.
    const report = buildLegalBasisReport(record, consumer, members, events, notices);
    const from = page.after === undefined ? 0 : report.recipients.findIndex((r) => r.profileId > (page.after as string));
    const recipients = from < 0 ? [] : report.recipients.slice(from, from + page.limit);
    const more = from >= 0 && from + page.limit < report.recipients.length;
    return { ...report, recipients, next: more ? (recipients.at(-1)?.profileId ?? null) : null };
  }

  /** The export's file on disk. */
  pathOf(record: AudienceExport): string {
    return join(this.#deps.dataDir, record.file);
  }
}
