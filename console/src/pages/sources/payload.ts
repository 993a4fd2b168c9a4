import type { QuarantineEntry } from './types.js';

/**
 * The fix-and-replay editor's checks, run before anything is sent: the text must be a JSON object
 * that keeps the entry's source and eventId (the server refuses a correction that changes them).
 */
export type Correction =
  { readonly ok: true; readonly event: Record<string, unknown> } | { readonly ok: false; readonly problems: string[] };

export const checkCorrection = (text: string, entry: Pick<QuarantineEntry, 'sourceId' | 'eventId' | 'reasons'>): Correction => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`Not valid JSON: ${(err as Error).message}`] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, problems: ['The event must be a JSON object.'] };
  const event = value as Record<string, unknown>;
  const problems: string[] = [];
  if (entry.eventId !== null && event.eventId !== entry.eventId) problems.push(`eventId must stay "${entry.eventId}".`);
  const sourceMayChange = entry.reasons.some((r) => r.code === 'UNKNOWN_SOURCE');
  if (entry.sourceId !== null && !sourceMayChange && event.source !== undefined && event.source !== entry.sourceId) {
    problems.push(`source must stay "${entry.sourceId}".`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, event };
};

/** The stored body, pretty-printed when it is JSON, as it came otherwise (a malformed body). */
export const prettyRaw = (raw: string): string => {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    // Not JSON: a malformed body is shown exactly as it arrived.
    return raw;
  }
};

export interface JsonLine {
  readonly text: string;
  /** The JSON pointer of the value this line starts, e.g. `/properties/points`. */
  readonly pointer: string;
}

const escapePointer = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** Pretty-printed JSON, one entry per line, each line knowing the pointer of its value. */
export const jsonLines = (value: unknown): JsonLine[] => {
  const lines: JsonLine[] = [];
  const walk = (node: unknown, pointer: string, indent: string, label: string, trailing: string): void => {
    if (node !== null && typeof node === 'object') {
      const array = Array.isArray(node);
      const entries: [string, unknown][] = array ? node.map((v, i) => [String(i), v]) : Object.entries(node as Record<string, unknown>);
      const [open, close] = array ? ['[', ']'] : ['{', '}'];
      if (entries.length === 0) {
        lines.push({ text: `${indent}${label}${open}${close}${trailing}`, pointer });
        return;
      }
      lines.push({ text: `${indent}${label}${open}`, pointer });
      entries.forEach(([key, child], i) => {
        const childLabel = array ? '' : `${JSON.stringify(key)}: `;
        walk(child, `${pointer}/${escapePointer(key)}`, `${indent}  `, childLabel, i < entries.length - 1 ? ',' : '');
      });
      lines.push({ text: `${indent}${close}${trailing}`, pointer });
      return;
    }
    lines.push({ text: `${indent}${label}${JSON.stringify(node)}${trailing}`, pointer });
  };
  walk(value, '', '', '', '');
  return lines;
};

/** Whether a line belongs to a reason's path: the value at the path, or anything inside it. */
export const isUnder = (pointer: string, path: string): boolean =>
  path !== '/' && path !== '' && (pointer === path || pointer.startsWith(`${path}/`));
