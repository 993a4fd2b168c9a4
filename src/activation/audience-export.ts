import type { CountryCode } from 'libphonenumber-js';
import { hashEmailFor, hashPhoneFor, type AdPlatform } from '../consent/index.js';
import type { AttributeClass } from '../policy/index.js';
import type { Identifier } from './subject-consent.js';

/*
 * Audience exports (issue 8.7), the pure part: the diff of an incremental export, the columns a
 * member gets (the identifiers a channel reaches people by, each released only when the policy
 * allows its class; hashed the platform's way for an ad partner), and the JSON and CSV files.
 */

export const EXPORT_FORMATS = ['json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_MODES = ['full', 'incremental'] as const;
export type ExportMode = (typeof EXPORT_MODES)[number];
export type ExportOp = 'add' | 'keep' | 'remove';

/**
 * The identifiers an export carries, with the attribute class the policy judges each by: a
 * phone number identifies a line, an email is contact data (docs/policy.md, attribute classes).
 */
export const EXPORTED_IDENTIFIERS: Readonly<Record<string, { readonly class: AttributeClass; readonly column: string }>> = {
  msisdn: { class: 'identifier', column: 'msisdn' },
  email: { class: 'contact', column: 'email' },
};

/** The columns of an ad partner's file: hashes only, never the profile id. */
export const hashedColumn = (type: string): string => `${EXPORTED_IDENTIFIERS[type]?.column ?? type}_sha256`;

export interface ExportDiff {
  readonly add: string[];
  readonly keep: string[];
  readonly remove: string[];
}

/**
 * What an export sends: a full export adds every allowed member; an incremental one adds the
 * allowed members the consumer does not hold, keeps the ones it does, and removes the ones it
 * holds that are no longer allowed (left the audience, held out, or lost their consent).
 */
export const diffMembers = (mode: ExportMode, allowed: readonly string[], held: ReadonlySet<string> | null): ExportDiff => {
  if (mode === 'full' || held === null) return { add: [...allowed], keep: [], remove: [] };
  const now = new Set(allowed);
  return {
    add: allowed.filter((m) => !held.has(m)),
    keep: allowed.filter((m) => held.has(m)),
    remove: [...held].filter((m) => !now.has(m)).sort(),
  };
};

export interface ExportRow {
  readonly op: ExportOp;
  /** Absent for an ad partner: it matches on hashed identifiers only. */
  readonly profileId?: string;
  /** Column → values (several lines or mailboxes per person). */
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
}

export interface MemberColumns {
  readonly row: ExportRow;
  /** Attribute names released and redacted, for the disclosure log. */
  readonly released: string[];
  readonly redacted: string[];
}

/**
 * One member's row. `allows(cls)` is the policy's answer for the member, consumer, purpose and
 * channel; a class it denies leaves its column out and is recorded as redacted. Values that cannot
 * be hashed (an empty or malformed one) are left out: an ad platform must never get a hash of "".
 */
export const memberColumns = (
  op: ExportOp,
  profileId: string,
  identifiers: readonly Identifier[],
  options: { readonly hashing: AdPlatform | null; readonly region: CountryCode; readonly allows: (cls: AttributeClass) => boolean },
): MemberColumns => {
  const columns: Record<string, string[]> = {};
  const released = new Set<string>(['audience.membership']);
  const redacted = new Set<string>();
  for (const { type, value } of identifiers) {
    const spec = EXPORTED_IDENTIFIERS[type];
    if (!spec) continue;
    const attribute = `identifiers.${type}`;
    if (!options.allows(spec.class)) {
      redacted.add(attribute);
      continue;
    }
    let out: string | undefined = value;
    if (options.hashing !== null) {
      const hashed = type === 'msisdn' ? hashPhoneFor(options.hashing, value, options.region) : hashEmailFor(options.hashing, value);
      out = hashed.ok ? hashed.value : undefined;
    }
    if (out === undefined) continue;
    const column = options.hashing !== null ? hashedColumn(type) : spec.column;
    (columns[column] ??= []).push(out);
    released.add(attribute);
  }
  const row: ExportRow = options.hashing !== null ? { op, identifiers: columns } : { op, profileId, identifiers: columns };
  return { row, released: [...released].sort(), redacted: [...redacted].sort() };
};

/** The columns of a file, in order. */
export const fileColumns = (hashing: AdPlatform | null): string[] =>
  hashing !== null
    ? ['op', ...Object.keys(EXPORTED_IDENTIFIERS).map(hashedColumn)]
    : ['op', 'profile_id', ...Object.values(EXPORTED_IDENTIFIERS).map((s) => s.column)];

const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** RFC 4180 CSV with a header row; several values of one column joined by `;`. */
export const renderCsv = (rows: readonly ExportRow[], hashing: AdPlatform | null): string => {
  const columns = fileColumns(hashing);
  const lines = [columns.join(',')];
  for (const row of rows) {
    const cells = columns.map((column) => {
      if (column === 'op') return row.op;
      if (column === 'profile_id') return row.profileId ?? '';
      return (row.identifiers[column] ?? []).join(';');
    });
    lines.push(cells.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
};

export const renderJson = (header: Readonly<Record<string, unknown>>, rows: readonly ExportRow[]): string =>
  `${JSON.stringify({ export: header, members: rows }, null, 2)}\n`;
