import type { AudienceInput, EventOccurrence } from './audience-input.js';
import { NO_EVENTS } from './audience-input.js';
import { booleanColumn, ColumnStore, dictionaryColumn, numberColumn, type Column, type EventColumn, type MemberIndex } from './columns.js';
import { readField } from './compare.js';
import type { DependencySet } from './dependencies.js';
import { findField, type FieldCatalogue } from './field-catalogue.js';
import type { EntityType } from './rule.js';

/*
 * Columns from evaluator inputs: only what the audiences to evaluate read (their dependencies).
 * Fields go through `readField`, the incremental evaluator's own reader, so both see the same
 * values.
 */

export interface ColumnNeeds {
  readonly own: DependencySet;
  readonly members: DependencySet | null;
}

const fieldColumn = (inputs: readonly AudienceInput[], catalogue: FieldCatalogue, entity: EntityType, id: string): Column | undefined => {
  const field = findField(catalogue, entity, id);
  if (!field) return undefined;
  const values = inputs.map((input) => readField(input.fields, field));
  switch (field.type) {
    case 'number':
    case 'date':
      return numberColumn(values as (number | null)[]);
    case 'boolean':
      return booleanColumn(values as (boolean | null)[]);
    case 'string':
    case 'enum':
      return dictionaryColumn(values as (string | null)[]);
  }
};

const eventColumn = (inputs: readonly AudienceInput[], eventType: string): EventColumn => {
  const start = new Int32Array(inputs.length + 1);
  const all: EventOccurrence[] = [];
  inputs.forEach((input, row) => {
    start[row] = all.length;
    for (const o of input.events?.occurrences(eventType) ?? NO_EVENTS) all.push(o);
  });
  start[inputs.length] = all.length;
  return { start, at: Float64Array.from(all, (o) => o.at), properties: all.map((o) => o.properties) };
};

const flags = (inputs: readonly AudienceInput[], test: (input: AudienceInput) => boolean): Uint8Array =>
  Uint8Array.from(inputs, (input) => (test(input) ? 1 : 0));

export const columnsFromInputs = (
  inputs: readonly AudienceInput[],
  entity: EntityType,
  needs: ColumnNeeds,
  catalogue: FieldCatalogue,
): ColumnStore => {
  const columns = new Map<string, Column>();
  for (const id of needs.own.fields) {
    const column = fieldColumn(inputs, catalogue, entity, id);
    if (column) columns.set(id, column);
  }
  const events = new Map([...needs.own.eventTypes].map((t) => [t, eventColumn(inputs, t)]));
  const consents = new Map(
    [...needs.own.consents].map((key) => {
      const [purpose = '', channel = ''] = key.split('/');
      return [key, flags(inputs, (input) => input.consent?.(purpose, channel) ?? false)];
    }),
  );
  const memberships = new Map([...needs.own.audiences].map((id) => [id, flags(inputs, (input) => input.memberships?.(id) ?? false)]));
  let members: MemberIndex | undefined;
  if (needs.members !== null) {
    const start = new Int32Array(inputs.length + 1);
    const persons: AudienceInput[] = [];
    inputs.forEach((input, row) => {
      start[row] = persons.length;
      persons.push(...(input.members ?? []));
    });
    start[inputs.length] = persons.length;
    const rows = Int32Array.from(persons, (_, i) => i);
    members = { start, rows, persons: columnsFromInputs(persons, 'person', { own: needs.members, members: null }, catalogue) };
  }
  return new ColumnStore({ ids: inputs.map((i) => i.id), columns, events, consents, memberships, ...(members ? { members } : {}) });
};
