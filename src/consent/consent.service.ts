import type { CountryCode } from 'libphonenumber-js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Backend, Db } from '../storage/index.js';
import { chainEvent, verifyChain, type ChainVerification } from './consent-chain.js';
import { checkConsentInput, parseInstant, sameDecision, type ConsentEventInput } from './consent-input.js';
import type { ConsentEvent, ConsentEventDraft, ConsentIssue, Notice, Purpose } from './consent-model.js';
import {
  consentSnapshot,
  decideConsent,
  projectConsent,
  type ConsentDecision,
  type ConsentState,
  type PurposeRules,
} from './consent-state.js';
import { normaliseSubject } from './consent-subject.js';
import { consentStore } from './consent.store.js';
import { consentLapsesStore, type ConsentLapse } from './consent-lapses.js';
import { BUILTIN_PURPOSES, checkPurposeInput, noticeTextHash, samePurpose, type NoticeInput, type PurposeInput } from './purposes.js';

/*
 * The consent ledger as a service: purposes and notices as versioned resources, consent events
 * appended to each subject's hash chain (idempotent by the client's event id), and the state of a
 * subject at any time with its verified history. The decisions themselves are the pure functions
 * of consent-state.ts; this shell loads what they need and stores what is recorded.
 */

export interface ConsentServiceDeps {
  readonly db: Db;
  readonly backend: Backend;
  readonly clock: Clock;
  /** The default region for phone subjects (TESSERA_DEFAULT_REGION). */
  readonly region: CountryCode;
  /**
   * Told of the events each call recorded, inside its transaction (withdrawal propagation,
   * src/activation/withdrawal-propagation.ts): what it writes commits or rolls back with them.
   */
  readonly onRecorded?: (trx: Db, events: readonly ConsentEvent[]) => Promise<void>;
  /**
   * Told of a purpose's new version, inside its transaction (the rules decisions are made under
   * changed, which may end bases: src/activation/purpose-change-propagation.ts). `ledger` reads
   * through `trx`.
   */
  readonly onPurposeChanged?: (trx: Db, change: PurposeChange, ledger: ConsentService) => Promise<void>;
}

/** A purpose's new version, with the one it replaces. */
export interface PurposeChange {
  readonly previous: Purpose;
  readonly current: Purpose;
}

export type RecordStatus = 'recorded' | 'duplicate';

export interface RecordOutcome {
  readonly eventId: string;
  readonly subject: string;
  readonly status: RecordStatus;
  readonly seq: number;
  readonly hash: string;
}

/** For the log consumer: what happened to each input, refused ones included. */
export type LenientOutcome = RecordOutcome | { readonly eventId: string; readonly status: 'refused'; readonly issues: ConsentIssue[] };

export interface SubjectConsent {
  readonly subject: string;
  readonly asOf: string;
  readonly consents: ConsentDecision[];
  /** The decision for one purpose and channel, when asked. */
  readonly decision?: ConsentDecision;
  readonly history: ConsentEvent[];
  readonly chain: ChainVerification;
}

/** At most this many events in one request (the route's schema says the same). */
export const MAX_EVENTS_PER_REQUEST = 1000;

export class ConsentService {
  readonly #deps: ConsentServiceDeps;

  constructor(deps: ConsentServiceDeps) {
    this.#deps = deps;
  }

  /** Declares the built-in purposes at version 1 where their code is not registered yet. */
  async declareBuiltinPurposes(): Promise<void> {
    const at = this.#now();
    await this.#deps.db.transaction().execute(async (trx) => {
      const known = new Set((await consentStore.currentPurposes(trx)).map((p) => p.code));
      for (const draft of BUILTIN_PURPOSES)
        if (!known.has(draft.code)) await consentStore.insertPurpose(trx, { ...draft, version: 1, createdAt: at, createdBy: 'builtin' });
    });
  }

  async purposes(): Promise<Purpose[]> {
    return consentStore.currentPurposes(this.#deps.db);
  }

  async purposeVersions(code: string): Promise<Purpose[]> {
    const versions = await consentStore.purposeVersions(this.#deps.db, code);
    if (versions.length === 0) throw new AppError('NOT_FOUND', `purpose '${code}' is not registered`);
    return versions;
  }

  /**
   * Registers a purpose, or its next version when it differs from the current one; the same
   * submission again changes nothing (`created` false).
   */
  async definePurpose(input: PurposeInput, actor: string): Promise<{ readonly purpose: Purpose; readonly created: boolean }> {
    const { draft, issues } = checkPurposeInput(input);
    if (!draft) throw new AppError('VALIDATION_FAILED', 'the purpose is not valid', issues);
    return this.#deps.db.transaction().execute(async (trx) => {
      await consentStore.lockSubject(trx, this.#deps.backend, `purpose:${draft.code}`);
      const versions = await consentStore.purposeVersions(trx, draft.code);
      const current = versions.at(-1);
      if (current && samePurpose(current, draft)) return { purpose: current, created: false };
      const purpose: Purpose = { ...draft, version: (current?.version ?? 0) + 1, createdAt: this.#now(), createdBy: actor };
      if (!(await consentStore.insertPurpose(trx, purpose)))
        throw new AppError('CONFLICT', `purpose '${draft.code}' was changed by another request: try again`);
      if (current) await this.#deps.onPurposeChanged?.(trx, { previous: current, current: purpose }, this);
      return { purpose, created: true };
    });
  }

  async notices(id?: string): Promise<Notice[]> {
    return consentStore.notices(this.#deps.db, id);
  }

  /** Publishes a notice version. The same version again with the same text is a no-op; with another text, CONFLICT. */
  async publishNotice(input: NoticeInput, actor: string): Promise<{ readonly notice: Notice; readonly created: boolean }> {
    const { hash, issues } = noticeTextHash(input);
    const purposes = await this.purposes();
    const codes = new Set(purposes.map((p) => p.code));
    (input.purposes ?? []).forEach((code, i) => {
      if (!codes.has(code))
        issues.push({ path: `/purposes/${i}`, code: 'UNKNOWN_PURPOSE', message: `purpose '${code}' is not registered` });
    });
    if (hash === undefined || issues.length > 0) throw new AppError('VALIDATION_FAILED', 'the notice is not valid', issues);
    const notice: Notice = {
      id: input.id,
      version: input.version,
      language: input.language,
      textHash: hash,
      title: input.title ?? input.id,
      url: input.url ?? null,
      purposes: [...(input.purposes ?? [])],
      publishedAt: this.#now(),
      createdBy: actor,
    };
    return this.#deps.db.transaction().execute(async (trx) => {
      if (await consentStore.insertNotice(trx, notice)) return { notice, created: true };
      const existing = (await consentStore.notice(trx, notice.id, notice.version)) as Notice;
      if (existing.textHash !== notice.textHash || existing.language !== notice.language)
        throw new AppError(
          'CONFLICT',
          `notice '${notice.id}' version '${notice.version}' exists with another text; publish a new version`,
          [{ path: '/version', code: 'NOTICE_VERSION_EXISTS', message: `version '${notice.version}' has text hash ${existing.textHash}` }],
        );
      return { notice: existing, created: false };
    });
  }

  /**
   * Records consent events, all or nothing: every problem in the batch is reported at once
   * (VALIDATION_FAILED, each with its JSON pointer); an event id already recorded for the same
   * decision answers `duplicate`, for another decision CONFLICT.
   */
  async record(inputs: readonly ConsentEventInput[], actor: string): Promise<RecordOutcome[]> {
    if (inputs.length === 0)
      throw new AppError('VALIDATION_FAILED', 'no consent events given', [
        { path: '/events', code: 'REQUIRED', message: 'at least one event' },
      ]);
    if (inputs.length > MAX_EVENTS_PER_REQUEST)
      throw new AppError('BATCH_TOO_LARGE', `at most ${MAX_EVENTS_PER_REQUEST} events per request`);
    const outcomes = await this.#deps.db.transaction().execute((trx) => this.#record(trx, inputs, actor, true));
    return outcomes as RecordOutcome[];
  }

  /** Records what is valid and reports the rest, inside the caller's transaction (the CRM log consumer). */
  async recordLenient(trx: Db, inputs: readonly ConsentEventInput[], actor: string): Promise<LenientOutcome[]> {
    return this.#record(trx, inputs, actor, false);
  }

  async #record(trx: Db, inputs: readonly ConsentEventInput[], actor: string, strict: boolean): Promise<LenientOutcome[]> {
    const now = this.#deps.clock.now();
    const purposes = new Map((await consentStore.currentPurposes(trx)).map((p) => [p.code, p]));
    const noticeKeys = new Set<string>();
    for (const id of new Set(inputs.flatMap((i) => (i.proof?.noticeId ? [i.proof.noticeId] : []))))
      for (const notice of await consentStore.notices(trx, id)) noticeKeys.add(`${notice.id}\u0000${notice.version}`);
    const context = {
      purposes,
      noticeExists: (id: string, version: string) => noticeKeys.has(`${id}\u0000${version}`),
      normaliseSubject: (subject: string) => normaliseSubject(subject, this.#deps.region),
      now,
    };

    const checked = inputs.map((input, i) => {
      const { draft, issues } = checkConsentInput(input, `/events/${i}`, context);
      // The agent who recorded a decision defaults to the API key that sent it.
      return { input, issues, draft: draft && { ...draft, source: { ...draft.source, agent: draft.source.agent ?? actor } } };
    });
    // The same event id twice in one batch: a retry inside the batch if the same decision, an error otherwise.
    const firstById = new Map<string, number>();
    checked.forEach((entry, i) => {
      if (!entry.draft) return;
      const first = firstById.get(entry.draft.eventId);
      if (first === undefined) return void firstById.set(entry.draft.eventId, i);
      if (!sameDecision((checked[first] as (typeof checked)[number]).draft as ConsentEventDraft, entry.draft))
        entry.issues.push({
          path: `/events/${i}/eventId`,
          code: 'DUPLICATE_EVENT_ID',
          message: `event id '${entry.draft.eventId}' is used by /events/${first} for another decision`,
        });
    });
    const issues = checked.flatMap((c) => c.issues);
    if (strict && issues.length > 0) throw new AppError('VALIDATION_FAILED', `${issues.length} problem(s) in the consent events`, issues);

    const valid = checked.filter((c) => c.draft && c.issues.length === 0);
    const subjects = [...new Set(valid.map((c) => (c.draft as ConsentEventDraft).subject))].sort();
    for (const subject of subjects) await consentStore.lockSubject(trx, this.#deps.backend, subject);

    const stored = new Map((await consentStore.eventsById(trx, [...firstById.keys()])).map((e) => [e.eventId, e]));
    const conflicts: ConsentIssue[] = [];
    const heads = new Map<string, Pick<ConsentEvent, 'seq' | 'hash'> | undefined>();
    const outcomes: LenientOutcome[] = [];
    const recorded: ConsentEvent[] = [];
    for (const [i, entry] of checked.entries()) {
      const draft = entry.draft;
      if (!draft || entry.issues.length > 0) {
        outcomes.push({ eventId: entry.input.eventId, status: 'refused', issues: entry.issues });
        continue;
      }
      const previous = stored.get(draft.eventId);
      if (previous) {
        // A retry that left validFrom or the agent to the server cannot repeat what they were the first time.
        const comparable = {
          ...draft,
          ...(entry.input.validFrom === undefined ? { validFrom: previous.validFrom } : {}),
          ...(entry.input.source.agent == null ? { source: { ...draft.source, agent: previous.source.agent } } : {}),
        };
        if (sameDecision(previous, comparable)) {
          outcomes.push({ eventId: draft.eventId, subject: previous.subject, status: 'duplicate', seq: previous.seq, hash: previous.hash });
          continue;
        }
        const issue = {
          path: `/events/${i}/eventId`,
          code: 'EVENT_ID_REUSED',
          message: `event id '${draft.eventId}' was recorded for another decision (subject ${previous.subject}, seq ${previous.seq})`,
        };
        conflicts.push(issue);
        outcomes.push({ eventId: draft.eventId, status: 'refused', issues: [issue] });
        continue;
      }
      if (!heads.has(draft.subject)) heads.set(draft.subject, await consentStore.head(trx, draft.subject));
      const purpose = purposes.get(draft.purpose) as Purpose;
      const event = chainEvent({ ...draft, purposeVersion: purpose.version, recordedAt: now.toISOString() }, heads.get(draft.subject));
      if (strict && conflicts.length > 0) continue; // the batch will be refused; nothing is written
      await consentStore.insertEvent(trx, event);
      recorded.push(event);
      heads.set(draft.subject, event);
      stored.set(event.eventId, event);
      outcomes.push({ eventId: event.eventId, subject: event.subject, status: 'recorded', seq: event.seq, hash: event.hash });
    }
    if (strict && conflicts.length > 0) throw new AppError('CONFLICT', 'an event id was already recorded for another decision', conflicts);
    if (recorded.length > 0) {
      // A grant's expiry (or a later expiry) is a loss the scheduler propagates when its time comes.
      await consentLapsesStore.schedule(trx, recorded);
      await this.#deps.onRecorded?.(trx, recorded);
    }
    return outcomes;
  }

  /**
   * Consent events lapsing with time whose moment has come (a grant's expiry, a later `expire`),
   * earliest first, for the scheduler to propagate in `trx`; it then calls `settleLapses` with
   * `hashes` in the same transaction, so each is propagated once.
   */
  async dueLapses(trx: Db, limit = 500): Promise<{ readonly lapses: ConsentLapse[]; readonly hashes: string[] }> {
    return consentLapsesStore.due(trx, this.#now(), limit);
  }

  async settleLapses(trx: Db, hashes: readonly string[]): Promise<void> {
    await consentLapsesStore.settle(trx, hashes);
  }

  /**
   * The consent state of one subject, or of one person known under several subjects
   * (`profile:<id>`, `msisdn:…`, `email:…`): the projection other domains decide with
   * (`decideConsent`, `hasValidConsent`, `consentLookup`).
   */
  async stateOf(subjects: string | readonly string[]): Promise<ConsentState> {
    const list = (typeof subjects === 'string' ? [subjects] : subjects).map((s, i) => this.#subject(s, `/subjects/${i}`));
    const [events, purposes] = await Promise.all([
      consentStore.histories(this.#deps.db, list),
      consentStore.currentPurposes(this.#deps.db),
    ]);
    return projectConsent(list, events, purposes);
  }

  /**
   * The states of many persons at once (an export's members, a pipeline batch): person key → the
   * subjects it is known under. Subjects are taken as stored (already normalised); one query per
   * 500 subjects. `db` is the caller's transaction when it has one (the pipeline's batch).
   */
  async statesOf(
    persons: ReadonlyMap<string, readonly string[]>,
    db: Db = this.#deps.db,
    /** Decide this purpose under these rules instead of its current version's (its previous version, say). */
    replace?: PurposeRules,
  ): Promise<Map<string, ConsentState>> {
    const all = [...persons.values()].flat();
    // Sequential: on the embedded store, `db` may be a transaction on its one connection.
    const events = await consentStore.histories(db, all);
    const purposes: PurposeRules[] = (await consentStore.currentPurposes(db)).map((p) =>
      replace && p.code === replace.code ? replace : p,
    );
    const bySubject = new Map<string, ConsentEvent[]>();
    for (const event of events) {
      let list = bySubject.get(event.subject);
      if (!list) bySubject.set(event.subject, (list = []));
      list.push(event);
    }
    const rules = new Map(purposes.map((p) => [p.code, p]));
    const out = new Map<string, ConsentState>();
    for (const [key, subjects] of persons)
      out.set(
        key,
        projectConsent(
          subjects,
          subjects.flatMap((s) => bySubject.get(s) ?? []),
          rules,
        ),
      );
    return out;
  }

  /** Every recorded event about one purpose, through `db` (the caller's transaction when it has one). */
  async eventsOfPurpose(db: Db, code: string): Promise<ConsentEvent[]> {
    return consentStore.purposeEvents(db, code);
  }

  /** The subject's consent at `asOf` (default now), its whole history and whether the chain holds. */
  async subjectConsent(subject: string, options: { asOf?: string; purpose?: string; channel?: string } = {}): Promise<SubjectConsent> {
    const normalised = this.#subject(subject, 'params/subject');
    let asOf = this.#now();
    if (options.asOf !== undefined) {
      const parsed = parseInstant(options.asOf);
      if (parsed === undefined)
        throw new AppError('VALIDATION_FAILED', 'asOf is not a time', [
          {
            path: 'querystring/asOf',
            code: 'INVALID_TIME',
            message: 'asOf must be an ISO 8601 time with an offset, e.g. 2026-11-20T12:00:00Z',
          },
        ]);
      asOf = parsed;
    }
    if ((options.purpose === undefined) !== (options.channel === undefined))
      throw new AppError('VALIDATION_FAILED', 'purpose and channel are asked together', [
        {
          path: `querystring/${options.purpose === undefined ? 'purpose' : 'channel'}`,
          code: 'REQUIRED',
          message: 'give both purpose and channel',
        },
      ]);
    const [history, purposes] = await Promise.all([
      consentStore.history(this.#deps.db, normalised),
      consentStore.currentPurposes(this.#deps.db),
    ]);
    const state = projectConsent(normalised, history, purposes);
    return {
      subject: normalised,
      asOf,
      consents: consentSnapshot(state, asOf),
      ...(options.purpose !== undefined && options.channel !== undefined
        ? { decision: decideConsent(state, options.purpose, options.channel, asOf) }
        : {}),
      history,
      chain: verifyChain(normalised, history),
    };
  }

  #subject(subject: string, path: string): string {
    const result = normaliseSubject(subject, this.#deps.region);
    if (!result.ok) throw new AppError('VALIDATION_FAILED', result.message, [{ path, code: 'INVALID_SUBJECT', message: result.message }]);
    return result.value;
  }

  #now(): string {
    return this.#deps.clock.now().toISOString();
  }
}
