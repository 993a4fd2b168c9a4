import type { FieldDefinition } from './field-catalogue.js';

/*
 * Fields of accounts and organisations themselves. Conditions on their people go in a `members`
 * group, which is evaluated on each member person with the person fields.
 */

const ORGANISATION_EVENT = ['reference/organisation'];

const membersCount: FieldDefinition = {
  id: 'members.count',
  domain: 'members',
  type: 'number',
  label: 'number of members',
  fedBy: ['*'],
  whenAbsent: 0,
};

export const entityFields = (entity: 'account' | 'organisation'): readonly FieldDefinition[] =>
  entity === 'account'
    ? [{ id: 'identity.accountId', domain: 'identity', type: 'string', label: 'account id', fedBy: [] }, membersCount]
    : [
        { id: 'identity.organisationId', domain: 'identity', type: 'string', label: 'organisation id', fedBy: [] },
        { id: 'firmographics.name', domain: 'firmographics', type: 'string', label: 'organisation name', fedBy: ORGANISATION_EVENT },
        { id: 'firmographics.inn', domain: 'firmographics', type: 'string', label: 'taxpayer number (INN)', fedBy: ORGANISATION_EVENT },
        {
          id: 'firmographics.okved',
          domain: 'firmographics',
          type: 'string',
          label: 'industry code (OKVED)',
          fedBy: ORGANISATION_EVENT,
        },
        {
          id: 'firmographics.sizeBand',
          domain: 'firmographics',
          type: 'enum',
          label: 'size band',
          values: ['micro', 'small', 'medium', 'large'],
          fedBy: ORGANISATION_EVENT,
        },
        { id: 'firmographics.region', domain: 'firmographics', type: 'string', label: 'region of registration', fedBy: ORGANISATION_EVENT },
        membersCount,
      ];
