import type { SourceContract } from '../contract.js';
import { accountId, classify, dateTime, email, eventSchema, integer, msisdn, oneOf, region, text } from './fields.js';

/*
 * CRM events. Cases follow TMF621 Trouble Ticket naming (`expectedResolutionDate`,
 * `resolutionDate`, `severity`, `status` with TMF621's state values); consent changes carry what a
 * provable consent record needs (purpose, channel, legal basis, notice version). Free-text fields
 * (case descriptions, agent notes) are deliberately absent: they carry personal data nobody can
 * classify.
 */

/** TMF621 TroubleTicket status values. */
const TICKET_STATUSES = ['acknowledged', 'inProgress', 'pending', 'held', 'resolved', 'closed', 'cancelled', 'rejected'] as const;
const CASE_CHANNELS = ['call_centre', 'retail', 'app', 'web', 'chat', 'email', 'social', 'sms', 'other'] as const;

/** The fields every case event carries. */
const caseFields = () => ({
  caseId: text('TMF621 TroubleTicket id', 64),
  msisdn: msisdn(),
  accountId: accountId(),
  category: text('Case category (TMF621 ticketType), e.g. billing, network_quality, roaming', 100),
  subcategory: text('Finer category, operator-defined', 100),
  channel: oneOf(CASE_CHANNELS, 'Channel the case came in through (TMF621 channel)'),
  severity: oneOf(['critical', 'major', 'minor'], 'TMF621 severity'),
  expectedResolutionDate: dateTime('TMF621 expectedResolutionDate: the resolution date promised to the customer'),
});
const CASE_MAPPINGS = { msisdn: 'msisdn', accountId: 'accountId' } as const;
const CASE_CLASSES = {
  identifier: ['msisdn', 'accountId'],
  behavioural: ['caseId', 'category', 'subcategory', 'channel', 'severity', 'expectedResolutionDate'],
} as const;

export const crmContract: SourceContract = {
  source: {
    id: 'crm',
    name: 'CRM',
    owner: 'Customer care data steward',
    description:
      'Customer relationship management: service cases (trouble tickets) with the resolution date promised to the ' +
      'customer, changes to customer master data, and consent captured by agents and self-care channels.',
    freshnessSlaSeconds: 3600,
  },
  eventTypes: [
    {
      type: 'case_opened',
      description: 'A customer case (TMF621 TroubleTicket) opened, with the resolution date promised.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        { ...caseFields(), status: oneOf(TICKET_STATUSES, 'TMF621 status at opening, usually acknowledged') },
        ['caseId', 'category', 'channel', 'expectedResolutionDate'],
      ),
      identifierMappings: CASE_MAPPINGS,
      classifications: classify({ ...CASE_CLASSES, behavioural: [...CASE_CLASSES.behavioural, 'status'] }),
      examples: [
        {
          caseId: 'CASE-552311',
          msisdn: '+79161234567',
          category: 'network_quality',
          subcategory: 'no_data_indoors',
          channel: 'call_centre',
          severity: 'major',
          status: 'acknowledged',
          expectedResolutionDate: '2024-05-06T18:00:00+03:00',
        },
      ],
    },
    {
      type: 'case_updated',
      description: 'A case changed status, category or promised date (TMF621 TroubleTicketStateChangeEvent / AttributeValueChangeEvent).',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        { ...caseFields(), status: oneOf(TICKET_STATUSES, 'TMF621 status after the update') },
        ['caseId', 'category', 'channel', 'status'],
      ),
      identifierMappings: CASE_MAPPINGS,
      classifications: classify({ ...CASE_CLASSES, behavioural: [...CASE_CLASSES.behavioural, 'status'] }),
      examples: [
        {
          caseId: 'CASE-552311',
          msisdn: '+79161234567',
          category: 'network_quality',
          channel: 'call_centre',
          status: 'inProgress',
          expectedResolutionDate: '2024-05-08T18:00:00+03:00',
        },
      ],
    },
    {
      type: 'case_resolved',
      description: 'A case resolved; comparing `resolutionDate` with `expectedResolutionDate` tells whether the promise was kept.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          ...caseFields(),
          status: oneOf(['resolved', 'closed'], 'TMF621 status at resolution'),
          resolutionDate: dateTime('TMF621 resolutionDate: when the case was actually resolved'),
          resolutionCode: text('Operator-defined resolution code, e.g. fixed, explained, compensated', 100),
        },
        ['caseId', 'category', 'channel', 'resolutionDate'],
      ),
      identifierMappings: CASE_MAPPINGS,
      classifications: classify({ ...CASE_CLASSES, behavioural: [...CASE_CLASSES.behavioural, 'status', 'resolutionDate', 'resolutionCode'] }),
      examples: [
        {
          caseId: 'CASE-552311',
          msisdn: '+79161234567',
          category: 'network_quality',
          channel: 'call_centre',
          status: 'resolved',
          expectedResolutionDate: '2024-05-08T18:00:00+03:00',
          resolutionDate: '2024-05-09T11:20:00+03:00',
          resolutionCode: 'fixed',
        },
      ],
    },
    {
      type: 'customer_changed',
      description: 'Customer master data changed in the CRM. Only the fields that changed need be sent.',
      compatibility: 'BACKWARD',
      schema: {
        ...eventSchema({
          msisdn: msisdn(),
          accountId: accountId(),
          name: text('Full name as held by the CRM', 300),
          birthYear: integer('Year of birth', 1900, 2100),
          email: email('Contact e-mail address'),
          contactPhone: { type: 'string', pattern: '^\\+?[0-9]{7,15}$', description: 'Contact phone; may be a landline or another line' },
          passport: {
            type: 'string',
            pattern: '^[0-9A-Za-z][0-9A-Za-z -]{3,19}$',
            description: 'Identity document number (Russian internal passport: 4-digit series and 6-digit number)',
          },
          homeRegion: region('Home region, ISO 3166-2 (e.g. RU-MOW)'),
          language: { type: 'string', pattern: '^[a-z]{2}$', description: 'Preferred language, ISO 639-1' },
          customerType: oneOf(['individual', 'sole_proprietor', 'business'], 'Legal kind of customer'),
        }),
        minProperties: 1,
      },
      // `contactPhone` is not mapped: a contact number can belong to someone else (a relative, an office).
      identifierMappings: { msisdn: 'msisdn', accountId: 'accountId', email: 'email', passport: 'passport' },
      classifications: classify({
        identifier: ['msisdn', 'accountId'],
        contact: ['email', 'contactPhone'],
        pii: ['name', 'birthYear', 'passport', 'language'],
        location: ['homeRegion'],
        reference: ['customerType'],
      }),
      examples: [
        {
          accountId: 'A-100234',
          msisdn: '+79161234567',
          name: 'Иван Петров',
          birthYear: 1987,
          email: 'ivan.petrov@example.ru',
          passport: '4510 123456',
          homeRegion: 'RU-MOW',
          language: 'ru',
          customerType: 'individual',
        },
        { msisdn: '+79169876543', email: 'anna@example.com' },
      ],
    },
    {
      type: 'consent_changed',
      description: 'A consent decision captured in a CRM or self-care channel: one subject, one purpose, one channel.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          msisdn: msisdn(),
          accountId: accountId(),
          email: email('E-mail address the consent was given for, when the channel is email'),
          purpose: {
            type: 'string',
            pattern: '^[a-z][a-z0-9_]{0,63}$',
            description: 'Registered processing purpose, e.g. marketing, profiling, third_party_ads',
          },
          channel: oneOf(['sms', 'email', 'push', 'voice', 'in_app', 'web', 'post', 'all'], 'Communication channel the decision covers'),
          action: oneOf(['grant', 'deny', 'withdraw'], 'The decision'),
          legalBasis: oneOf(
            ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'],
            'Legal basis (GDPR Art. 6(1); 152-FZ art. 6 has the same grounds)',
          ),
          noticeVersion: text('Version of the privacy notice shown when the decision was made', 64),
          collectedVia: oneOf(CASE_CHANNELS, 'Where the decision was captured'),
          evidenceRef: text('Reference to the proof: call recording id, signed form, web form submission id', 200),
        },
        ['purpose', 'channel', 'action', 'legalBasis'],
      ),
      identifierMappings: { msisdn: 'msisdn', accountId: 'accountId', email: 'email' },
      classifications: classify({
        identifier: ['msisdn', 'accountId'],
        contact: ['email'],
        behavioural: ['action', 'collectedVia'],
        reference: ['purpose', 'channel', 'legalBasis', 'noticeVersion', 'evidenceRef'],
      }),
      examples: [
        {
          msisdn: '+79161234567',
          purpose: 'marketing',
          channel: 'sms',
          action: 'grant',
          legalBasis: 'consent',
          noticeVersion: '2024-03',
          collectedVia: 'app',
          evidenceRef: 'FORM-2024-000921',
        },
        { msisdn: '+79161234567', purpose: 'profiling', channel: 'all', action: 'withdraw', legalBasis: 'consent' },
      ],
    },
  ],
};
