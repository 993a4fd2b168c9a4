/*
 * A position in the outbox. Outbox ids are content hashes (a rebuild writes no message twice), so
 * they say nothing about order; readers page by (`created_at`, `id`), and a cursor is that pair,
 * written `<created_at>/<id>` — what an SSE client gets as the event id and sends back as
 * `Last-Event-ID`. ISO times hold no `/`, so the first one splits.
 */

export interface OutboxCursor {
  readonly createdAt: string;
  readonly id: string;
}

export const START: OutboxCursor = Object.freeze({ createdAt: '', id: '' });

export const formatCursor = (cursor: OutboxCursor): string => `${cursor.createdAt}/${cursor.id}`;

/** The cursor a client sent back, or undefined when it is not one of ours. */
export const parseCursor = (text: string): OutboxCursor | undefined => {
  const slash = text.indexOf('/');
  if (slash <= 0) return undefined;
  const createdAt = text.slice(0, slash);
  const id = text.slice(slash + 1);
  if (Number.isNaN(Date.parse(createdAt)) || id === '' || /[\r\n\0]/.test(id)) return undefined;
  return { createdAt, id };
};

export const compareCursors = (a: OutboxCursor, b: OutboxCursor): number =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * Writers stamp `created_at` when their transaction starts; one that waited for the write lock
 * commits after a later-stamped one. A live reader therefore reads again from this far before its
 * cursor and skips what it has already seen, so a late commit is not stepped over.
 */
export const LATE_COMMIT_GRACE_MS = 5_000;

export const graceStart = (cursor: OutboxCursor, graceMs: number = LATE_COMMIT_GRACE_MS): string => {
  if (cursor.createdAt === '') return '';
  return new Date(Date.parse(cursor.createdAt) - graceMs).toISOString();
};
