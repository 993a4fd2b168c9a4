import type { SourceContract } from '../contract.js';
import { PLAN_TYPES, classify, dateTime, eventSchema, integer, money, moneyLeaves, oneOf, region, text, timePeriod } from './fields.js';

/*
 * Reference data loaded in batches. Each record is keyed by its own id, not by a person, so none
 * requires an identifier. Products follow TMF620 ProductOffering (`productOfferingId`, `validFor`,
 * `lifecycleStatus`, ProductOfferingPrice `priceType`); organisations use the Russian registry keys
 * (INN, OGRN) and OKVED 2 industry codes.
 *
 * A 12-digit INN belongs to an individual (a sole proprietor): such an organisation record is
 * personal data even though it is classified `reference` here; governance must treat records with a
 * 12-digit INN accordingly.
 */

export const referenceContract: SourceContract = {
  source: {
    id: 'reference',
    name: 'Reference data loads',
    owner: 'Master data steward',
    description:
      'Daily batch loads of reference data: the tariff catalogue, the product catalogue (TMF620) and organisations ' +
      'with their firmographics for B2B.',
    freshnessSlaSeconds: 86_400,
  },
  eventTypes: [
    {
      type: 'tariff',
      description: 'One tariff plan of the catalogue, as of its validity start.',
      compatibility: 'BACKWARD',
      requiresIdentifier: false,
      schema: eventSchema(
        {
          tariffId: text('Tariff id (TMF620 ProductOffering id), as used by billing events', 64),
          name: text('Marketing name of the tariff', 200),
          planType: oneOf(PLAN_TYPES, 'Prepaid or postpaid'),
          segment: oneOf(['b2c', 'b2b'], 'Customer segment the tariff is sold to'),
          monthlyFee: money('Recurring monthly fee', { minimum: 0 }),
          dataAllowanceMb: integer('Included data per month, MiB; absent when unlimited'),
          unlimitedData: { type: 'boolean', description: 'True when data is not capped' },
          voiceMinutes: integer('Included voice minutes per month'),
          smsCount: integer('Included SMS per month'),
          validFrom: dateTime('When the tariff became available'),
          validTo: dateTime('When the tariff stopped being sold'),
        },
        ['tariffId', 'name', 'planType', 'validFrom'],
      ),
      classifications: classify({
        reference: [
          'tariffId',
          'name',
          'planType',
          'segment',
          ...moneyLeaves('monthlyFee'),
          'dataAllowanceMb',
          'unlimitedData',
          'voiceMinutes',
          'smsCount',
          'validFrom',
          'validTo',
        ],
      }),
      examples: [
        {
          tariffId: 'T-SMART-2024',
          name: 'Smart 2024',
          planType: 'postpaid',
          segment: 'b2c',
          monthlyFee: { value: 650, unit: 'RUB' },
          dataAllowanceMb: 30_720,
          voiceMinutes: 600,
          smsCount: 300,
          validFrom: '2024-01-15T00:00:00+03:00',
        },
        { tariffId: 'T-PREPAID-BASE', name: 'Базовый', planType: 'prepaid', validFrom: '2019-03-01T00:00:00+03:00', unlimitedData: false },
      ],
    },
    {
      type: 'product',
      description: 'A product offering other than a tariff plan: add-ons, bundles, devices, services (TMF620 ProductOffering).',
      compatibility: 'BACKWARD',
      requiresIdentifier: false,
      schema: eventSchema(
        {
          productOfferingId: text('TMF620 ProductOffering id', 64),
          name: text('TMF620 name', 200),
          category: text('TMF620 category name, e.g. roaming, data_addon, entertainment', 100),
          productType: oneOf(['addon', 'bundle', 'device', 'service', 'subscription'], 'Kind of offering'),
          isBundle: { type: 'boolean', description: 'TMF620 isBundle' },
          priceType: oneOf(['recurring', 'oneTime', 'usage'], 'TMF620 ProductOfferingPrice priceType'),
          price: money('TMF620 ProductOfferingPrice price (tax included)', { minimum: 0 }),
          lifecycleStatus: oneOf(['inStudy', 'inDesign', 'inTest', 'active', 'launched', 'retired', 'obsolete'], 'TMF620 lifecycleStatus'),
          validFor: timePeriod('TMF620 validFor', false),
        },
        ['productOfferingId', 'name', 'productType'],
      ),
      classifications: classify({
        reference: [
          'productOfferingId',
          'name',
          'category',
          'productType',
          'isBundle',
          'priceType',
          ...moneyLeaves('price'),
          'lifecycleStatus',
          'validFor.startDateTime',
          'validFor.endDateTime',
        ],
      }),
      examples: [
        {
          productOfferingId: 'PO-ROAM-EU-7D',
          name: 'Роуминг Европа 7 дней',
          category: 'roaming',
          productType: 'addon',
          isBundle: false,
          priceType: 'oneTime',
          price: { value: 990, unit: 'RUB' },
          lifecycleStatus: 'launched',
          validFor: { startDateTime: '2024-04-01T00:00:00+03:00' },
        },
      ],
    },
    {
      type: 'organisation',
      description: 'An organisation (B2B customer or prospect) with its firmographics (TMF632 Organization).',
      compatibility: 'BACKWARD',
      requiresIdentifier: false,
      schema: eventSchema(
        {
          inn: { type: 'string', pattern: '^([0-9]{10}|[0-9]{12})$', description: 'Taxpayer number (INN): 10 digits, 12 for sole proprietors' },
          ogrn: { type: 'string', pattern: '^([0-9]{13}|[0-9]{15})$', description: 'State registration number (OGRN 13 / OGRNIP 15 digits)' },
          name: text('Registered name (TMF632 name)', 500),
          tradingName: text('Trading name (TMF632 tradingName)', 500),
          okved: {
            type: 'string',
            pattern: '^\\d{2}(\\.\\d{1,2}){0,2}$',
            description: 'Main industry code, OKVED 2 (e.g. 47.11), the Russian NACE Rev. 2 equivalent',
          },
          sizeBand: oneOf(['micro', 'small', 'medium', 'large'], 'Size category of the SME register (micro < 15, small < 100, medium < 250 staff)'),
          region: region('Region of registration, ISO 3166-2 (e.g. RU-SPE)'),
          accountIds: {
            type: 'array',
            items: { type: 'string', minLength: 1, maxLength: 64 },
            uniqueItems: true,
            maxItems: 10_000,
            description: 'Billing accounts of the organisation; a relationship, never a merge key',
          },
        },
        ['inn', 'name'],
      ),
      classifications: classify({
        reference: ['inn', 'ogrn', 'name', 'tradingName', 'okved', 'sizeBand', 'region'],
        identifier: ['accountIds'],
      }),
      examples: [
        {
          inn: '7701234567',
          ogrn: '1027700000001',
          name: 'ПАО «Ромашка»',
          tradingName: 'Ромашка',
          okved: '47.11',
          sizeBand: 'large',
          region: 'RU-MOW',
          accountIds: ['A-900001', 'A-900002'],
        },
        { inn: '500100732259', name: 'ИП Сидоров Пётр Алексеевич', okved: '62', sizeBand: 'micro' },
      ],
    },
  ],
};
