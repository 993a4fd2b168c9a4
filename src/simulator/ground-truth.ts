import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';

/*
 * Ground truth, written beside the events so that tests and the identity-quality report can check
 * what Tessera concluded against what really happened. All times are ISO 8601 UTC; `validTo` null
 * means still valid at the end of the window.
 */

export type IdentifierKind = 'msisdn' | 'imsi' | 'iccid' | 'imei' | 'passport' | 'email' | 'appUserId' | 'deviceId' | 'accountId';

/** The true person behind an identifier value over a period. */
export interface IdentifierTruth {
  readonly type: IdentifierKind;
  readonly value: string;
  readonly personId: string;
  readonly validFrom: string;
  readonly validTo: string | null;
  /** The value is legitimately shared by several people (family e-mail, it@ address, family tablet). */
  readonly shared?: true;
}

export interface PersonTruth {
  readonly personId: string;
  readonly name: string;
  readonly gender: 'male' | 'female';
  readonly birthYear: number;
  readonly region: string;
  readonly utcOffset: number;
  readonly accountId: string;
  readonly householdId: string | null;
  readonly orgId: string | null;
  readonly role: string | null;
  readonly interests: readonly string[];
  readonly isTest: boolean;
  readonly lines: readonly string[];
}

export interface LineTruth {
  readonly line: number;
  readonly msisdn: string;
  readonly personId: string;
  readonly accountId: string;
  readonly simType: 'physical' | 'esim';
  readonly planType: 'prepaid' | 'postpaid';
  readonly activation: 'existing' | 'new' | 'port_in';
  readonly activatedAt: string;
  readonly churnAt: string | null;
  readonly churnKind: 'termination' | 'port_out' | null;
  readonly riskScore: number;
  readonly risk: Readonly<Record<string, number | boolean>>;
  readonly simSwapAt: string | null;
  /** The next owner of this number after recycling, and from when. */
  readonly recycledTo: { readonly personId: string; readonly accountId: string; readonly from: string } | null;
  /** The owner before the number was recycled to `personId`. */
  readonly previousOwner: { readonly personId: string; readonly accountId: string; readonly from: string; readonly to: string } | null;
  readonly roaming: { readonly country: string; readonly start: string; readonly end: string } | null;
  readonly cases: number;
  readonly brokenPromises: number;
}

export interface AccountTruth {
  readonly accountId: string;
  readonly kind: 'individual' | 'family' | 'b2b' | 'test';
  readonly holderPersonId: string;
  readonly personIds: readonly string[];
  readonly msisdns: readonly string[];
  readonly householdId: string | null;
  readonly orgId: string | null;
}

export interface OrganisationTruth {
  readonly orgId: string;
  readonly inn: string;
  readonly name: string;
  readonly okved: string;
  readonly sizeBand: string;
  readonly region: string;
  readonly accountIds: readonly string[];
  readonly contacts: readonly { readonly personId: string; readonly role: string }[];
  readonly sharedEmail: string | null;
}

/** One injected fault: an event broken on purpose, shape drift, a placeholder, a late or duplicated delivery. */
export interface InjectedTruth {
  readonly kind: 'broken' | 'drift' | 'placeholder' | 'late' | 'duplicate';
  readonly source: string;
  readonly type: string;
  readonly eventId: string;
  readonly detail?: string;
}

export interface ScenarioSummary {
  readonly seed: number;
  readonly subscribers: number;
  readonly days: number;
  readonly start: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly rates: Readonly<Record<string, number>>;
  readonly events: Readonly<Record<string, number>>;
}

export interface TruthSink {
  identifier(record: IdentifierTruth): void;
  person(record: PersonTruth): void;
  line(record: LineTruth): void;
  account(record: AccountTruth): void;
  organisation(record: OrganisationTruth): void;
  injected(record: InjectedTruth): void;
}

export const TRUTH_FILES = {
  identifiers: 'identifiers.ndjson',
  persons: 'persons.ndjson',
  lines: 'lines.ndjson',
  accounts: 'accounts.ndjson',
  organisations: 'organisations.ndjson',
  injected: 'injected.ndjson',
  scenarios: 'scenarios.json',
} as const;

type StreamedFile = Exclude<keyof typeof TRUTH_FILES, 'scenarios'>;

/** Writes the truth as NDJSON files under `dir` (normally `<out>/truth`), buffering lines per file. */
export class TruthFileWriter implements TruthSink {
  readonly #dir: string;
  readonly #streams = new Map<StreamedFile, WriteStream>();
  readonly #buffers = new Map<StreamedFile, string[]>();

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async open(dir: string): Promise<TruthFileWriter> {
    await mkdir(dir, { recursive: true });
    const writer = new TruthFileWriter(dir);
    for (const name of Object.keys(TRUTH_FILES) as (keyof typeof TRUTH_FILES)[]) {
      if (name === 'scenarios') continue;
      writer.#streams.set(name, createWriteStream(join(dir, TRUTH_FILES[name])));
      writer.#buffers.set(name, []);
    }
    return writer;
  }

  identifier(record: IdentifierTruth): void { this.#add('identifiers', record); }
  person(record: PersonTruth): void { this.#add('persons', record); }
  line(record: LineTruth): void { this.#add('lines', record); }
  account(record: AccountTruth): void { this.#add('accounts', record); }
  organisation(record: OrganisationTruth): void { this.#add('organisations', record); }
  injected(record: InjectedTruth): void { this.#add('injected', record); }

  #add(file: StreamedFile, record: object): void {
    (this.#buffers.get(file) as string[]).push(JSON.stringify(record));
  }

  /** Writes what is buffered; await it between batches so memory stays flat. */
  async flush(): Promise<void> {
    for (const [file, lines] of this.#buffers) {
      if (lines.length === 0) continue;
      const stream = this.#streams.get(file) as WriteStream;
      const ok = stream.write(`${lines.join('\n')}\n`);
      lines.length = 0;
      if (!ok) await once(stream, 'drain');
    }
  }

  async close(summary: ScenarioSummary): Promise<void> {
    await this.flush();
    await Promise.all([...this.#streams.values()].map((s) => new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())))));
    await writeFile(join(this.#dir, TRUTH_FILES.scenarios), `${JSON.stringify(summary, null, 2)}\n`);
  }
}

/** Streams the records of one truth file; for the identity-quality report and tests. */
export async function* readTruth<K extends StreamedFile>(dir: string, file: K): AsyncGenerator<TruthRecord<K>> {
  const lines = createInterface({ input: createReadStream(join(dir, TRUTH_FILES[file])), crlfDelay: Infinity });
  for await (const line of lines) if (line.length > 0) yield JSON.parse(line) as TruthRecord<K>;
}

export type TruthRecord<K extends StreamedFile> = K extends 'identifiers'
  ? IdentifierTruth
  : K extends 'persons'
    ? PersonTruth
    : K extends 'lines'
      ? LineTruth
      : K extends 'accounts'
        ? AccountTruth
        : K extends 'organisations'
          ? OrganisationTruth
          : InjectedTruth;

export const readScenarios = async (dir: string): Promise<ScenarioSummary> =>
  JSON.parse(await readFile(join(dir, TRUTH_FILES.scenarios), 'utf8')) as ScenarioSummary;

/**
 * Finds the true owner of an identifier value at a time, from records loaded in memory (for tests
 * and reports over small worlds; a report over 1M lines should stream and index by value instead).
 */
export const ownerAt = (records: readonly IdentifierTruth[], type: IdentifierKind, value: string, at: string): string[] =>
  records
    .filter((r) => r.type === type && r.value === value && r.validFrom <= at && (r.validTo === null || at < r.validTo))
    .map((r) => r.personId);
