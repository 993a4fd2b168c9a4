import { useContext } from 'react';
import {
  ValueSelector,
  type CombinatorSelectorProps,
  type FieldSelectorProps,
  type FullField,
  type FullOption,
  type FullOptionList,
  type OptionGroup,
} from 'react-querybuilder';
import { fieldNamesFor, insideMembersGroup } from './rules.js';
import { BuilderContext } from './TesseraValueEditor.js';

/*
 * Members groups (docs/audiences.md, "Account and organisation audiences"): in an account or
 * organisation audience a group can quantify over the entity's member persons — ANY, ALL or NONE
 * of them match — and the conditions inside it are person conditions. These controls replace
 * react-querybuilder's combinator and field selectors to offer that.
 */

const isGroupList = (list: readonly unknown[]): list is OptionGroup<FullField>[] =>
  list.length > 0 && typeof list[0] === 'object' && list[0] !== null && 'options' in list[0];

/** The fields of the entity outside members groups, a member person's inside one. */
export const MembersFieldSelector = (props: FieldSelectorProps) => {
  const context = useContext(BuilderContext);
  if (!context?.entity || context.entity === 'person' || !context.query) return <ValueSelector {...props} />;
  const allowed = fieldNamesFor(context.guide, context.entity, insideMembersGroup(context.query, props.path));
  const options = props.options as readonly unknown[];
  const narrowed = isGroupList(options)
    ? options
        .map((g) => ({ ...g, options: g.options.filter((f) => allowed.has(f.name) || f.name === props.value) }))
        .filter((g) => g.options.length > 0)
    : (options as FullField[]).filter((f) => allowed.has(f.name) || f.name === props.value);
  return <ValueSelector {...props} options={narrowed as FullOptionList<FullOption>} />;
};

const QUANTIFIER_WORDS: Record<string, string> = {
  any: 'ANY of its members match',
  all: 'ALL of its members match',
  none: 'NONE of its members match',
};

/**
 * The group's combinator, and — for a group below the root of an account or organisation audience
 * that is not already inside a members group — what the group applies to: the entity itself or its members.
 */
export const MembersCombinatorSelector = (props: CombinatorSelectorProps) => {
  const context = useContext(BuilderContext);
  const entity = context?.entity;
  const eligible =
    entity !== undefined &&
    entity !== 'person' &&
    context?.query !== undefined &&
    props.path.length > 0 &&
    !insideMembersGroup(context.query, props.path);
  const members = (props.ruleGroup as { members?: string }).members;
  return (
    <>
      <ValueSelector {...props} />
      {eligible && (
        <select
          className="members-quantifier"
          aria-label={`Group ${props.path.map((i) => i + 1).join('.')} applies to`}
          title="What the conditions of this group are about"
          value={members ?? ''}
          disabled={props.disabled}
          onChange={(e) => context.setMembers?.(props.path, e.target.value === '' ? undefined : e.target.value)}
        >
          <option value="">the {entity} itself</option>
          {(context.guide.memberQuantifiers.length > 0 ? context.guide.memberQuantifiers : ['any', 'all', 'none']).map((q) => (
            <option key={q} value={q}>
              {QUANTIFIER_WORDS[q] ?? q}
            </option>
          ))}
        </select>
      )}
    </>
  );
};
