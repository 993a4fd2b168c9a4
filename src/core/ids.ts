import { monotonicFactory } from 'ulid';

/** App-generated, time-sortable ids (ULIDs) for every stored row. */
export interface IdGenerator {
  next(): string;
}

export const createUlidGenerator = (): IdGenerator => {
  const next = monotonicFactory();
  return { next: () => next() };
};
