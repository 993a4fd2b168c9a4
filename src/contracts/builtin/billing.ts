import type { SourceContract } from '../contract.js';
import {
  PAYMENT_METHODS,
  PLAN_TYPES,
  accountId,
  boolean,
  classify,
  dateTime,
  eventSchema,
  iccid,
  imei,
  imsi,
  money,
  moneyLeaves,
  msisdn,
  oneOf,
  text,
  timePeriod,
} from './fields.js';

/*
 * BSS billing events. Field names follow TM Forum Open APIs where one exists: TMF676 Payment
 * (`totalAmount`, `paymentMethod`, `paymentDate`), TMF678 CustomerBill (`billNo`, `billDate`,
 * `amountDue`, `billingPeriod`, `paymentDueDate`), TMF620/TMF637 for products (`tariffId` is the
 * ProductOffering id, `productId` the Product instance). Amounts are TMF Money (see fields.ts).
 * Lifecycle and commercial facts of a subscription are classified `billing`.
 */

/** The identifiers that tie a line together, as properties and as mappings. */
const subscriberFields = () => ({ msisdn: msisdn(), imsi: imsi(), iccid: iccid(), accountId: accountId() });
const SUBSCRIBER = { msisdn: 'msisdn', imsi: 'imsi', iccid: 'iccid', accountId: 'accountId' } as const;

export const billingContract: SourceContract = {
  source: {
    id: 'billing',
    name: 'BSS billing',
    owner: 'Billing data steward',
    description:
      'Real-time feed from the business support system: payments, prepaid top-ups, balance changes, issued bills ' +
      'and the subscription lifecycle (activation, tariff change, suspension, resumption, termination, number porting).',
    freshnessSlaSeconds: 900,
  },
  eventTypes: [
    {
      type: 'payment',
      description: 'A payment received against an account (TMF676 Payment).',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          paymentId: text('TMF676 Payment.id', 64),
          accountId: accountId(),
          msisdn: msisdn(),
          totalAmount: money('TMF676 totalAmount: the amount paid', { exclusiveMinimum: 0 }),
          paymentMethod: oneOf(PAYMENT_METHODS, 'TMF670 PaymentMethod type'),
          paymentDate: dateTime('TMF676 paymentDate: when the payment was made'),
          channel: text('Where the payment was made (app, web, retail, bank, terminal, autopay…)', 50),
          billNo: text('TMF678 billNo of the bill this payment settles, if any', 64),
        },
        ['paymentId', 'totalAmount', 'paymentMethod', 'paymentDate'],
      ),
      identifierMappings: { accountId: 'accountId', msisdn: 'msisdn' },
      classifications: classify({
        identifier: ['accountId', 'msisdn'],
        billing: ['paymentId', ...moneyLeaves('totalAmount'), 'paymentMethod', 'paymentDate', 'billNo'],
        behavioural: ['channel'],
      }),
      examples: [
        {
          paymentId: 'PAY-2024-000183',
          accountId: 'A-100234',
          totalAmount: { value: 650, unit: 'RUB' },
          paymentMethod: 'bankCard',
          paymentDate: '2024-05-03T09:12:44Z',
          channel: 'app',
          billNo: 'B-2024-04-100234',
        },
      ],
    },
    {
      type: 'topup',
      description: 'A prepaid balance top-up (recharge) of one line (TMF654 Prepay Balance Management: TopupBalance).',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          topupId: text('Id of the top-up in the BSS', 64),
          msisdn: msisdn(),
          accountId: accountId(),
          amount: money('Amount credited to the balance', { exclusiveMinimum: 0 }),
          paymentMethod: oneOf(PAYMENT_METHODS, 'TMF670 PaymentMethod type'),
          channel: text('Where the top-up was made (app, web, retail, terminal, ussd…)', 50),
          isAutoTopup: boolean('True when triggered by an auto-top-up rule, not by the subscriber'),
        },
        ['topupId', 'amount'],
      ),
      identifierMappings: { msisdn: 'msisdn', accountId: 'accountId' },
      classifications: classify({
        identifier: ['msisdn', 'accountId'],
        billing: ['topupId', ...moneyLeaves('amount'), 'paymentMethod', 'isAutoTopup'],
        behavioural: ['channel'],
      }),
      examples: [
        { topupId: 'TU-88123', msisdn: '+79161234567', amount: { value: 300, unit: 'RUB' }, paymentMethod: 'bankCard', channel: 'app' },
        { topupId: 'TU-88124', msisdn: '+79169876543', amount: { value: 100.5, unit: 'RUB' }, isAutoTopup: true },
      ],
    },
    {
      type: 'balance_changed',
      description: 'The balance of a line or account after a charge, top-up, payment or adjustment.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          msisdn: msisdn(),
          accountId: accountId(),
          balance: money('Balance after the change; negative on postpaid credit'),
          delta: money('Signed change that produced this balance'),
          reason: oneOf(['charge', 'topup', 'payment', 'adjustment', 'refund', 'bonus', 'expiry', 'other'], 'Why the balance changed'),
        },
        ['balance'],
      ),
      identifierMappings: { msisdn: 'msisdn', accountId: 'accountId' },
      classifications: classify({
        identifier: ['msisdn', 'accountId'],
        billing: [...moneyLeaves('balance'), ...moneyLeaves('delta'), 'reason'],
      }),
      examples: [
        { msisdn: '+79161234567', balance: { value: 42.7, unit: 'RUB' }, delta: { value: -12.3, unit: 'RUB' }, reason: 'charge' },
      ],
    },
    {
      type: 'bill_issued',
      description: 'A postpaid bill issued to an account (TMF678 CustomerBill).',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          billNo: text('TMF678 billNo', 64),
          accountId: accountId('TMF678 billingAccount id'),
          billDate: dateTime('TMF678 billDate: when the bill was produced'),
          billingPeriod: timePeriod('TMF678 billingPeriod'),
          amountDue: money('TMF678 amountDue; negative when the account is in credit'),
          taxIncludedAmount: money('TMF678 taxIncludedAmount'),
          taxExcludedAmount: money('TMF678 taxExcludedAmount'),
          paymentDueDate: dateTime('TMF678 paymentDueDate'),
        },
        ['billNo', 'billDate', 'billingPeriod', 'amountDue'],
      ),
      identifierMappings: { accountId: 'accountId' },
      classifications: classify({
        identifier: ['accountId'],
        billing: [
          'billNo',
          'billDate',
          'billingPeriod.startDateTime',
          'billingPeriod.endDateTime',
          ...moneyLeaves('amountDue'),
          ...moneyLeaves('taxIncludedAmount'),
          ...moneyLeaves('taxExcludedAmount'),
          'paymentDueDate',
        ],
      }),
      examples: [
        {
          billNo: 'B-2024-04-100234',
          accountId: 'A-100234',
          billDate: '2024-05-01T00:00:00Z',
          billingPeriod: { startDateTime: '2024-04-01T00:00:00+03:00', endDateTime: '2024-05-01T00:00:00+03:00' },
          amountDue: { value: 650, unit: 'RUB' },
          taxIncludedAmount: { value: 650, unit: 'RUB' },
          taxExcludedAmount: { value: 541.67, unit: 'RUB' },
          paymentDueDate: '2024-05-20T21:00:00Z',
        },
      ],
    },
    {
      type: 'activation',
      description: 'A new line activated: the moment MSISDN, IMSI, ICCID and account are first tied together.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          ...subscriberFields(),
          imei: imei('IMEI of the device the SIM was first seen in, when known'),
          productId: text('TMF637 Product id: the subscription instance', 64),
          tariffId: text('TMF620 ProductOffering id of the tariff', 64),
          planType: oneOf(PLAN_TYPES, 'Prepaid or postpaid'),
          simType: oneOf(['physical', 'esim'], 'Physical SIM card or eSIM profile'),
        },
        ['tariffId', 'planType', 'simType'],
      ),
      identifierMappings: { ...SUBSCRIBER, imei: 'imei' },
      classifications: classify({
        identifier: ['msisdn', 'imsi', 'iccid', 'accountId', 'imei'],
        billing: ['productId', 'tariffId', 'planType', 'simType'],
      }),
      examples: [
        {
          msisdn: '+79161234567',
          imsi: '250010123456789',
          iccid: '8970101234567890123',
          accountId: 'A-100234',
          imei: '356938035643809',
          tariffId: 'T-SMART-2024',
          planType: 'postpaid',
          simType: 'physical',
        },
        { msisdn: '+79169876543', iccid: '89701019876543210987', tariffId: 'T-PREPAID-BASE', planType: 'prepaid', simType: 'esim' },
      ],
    },
    {
      type: 'tariff_change',
      description: 'A line moved from one tariff (TMF620 ProductOffering) to another.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          msisdn: msisdn(),
          accountId: accountId(),
          fromTariffId: text('ProductOffering id of the previous tariff', 64),
          toTariffId: text('ProductOffering id of the new tariff', 64),
          planType: oneOf(PLAN_TYPES, 'Plan type after the change'),
          effectiveDate: dateTime('When the new tariff takes effect'),
          initiatedBy: oneOf(['customer', 'operator', 'migration'], 'Who asked for the change'),
        },
        ['fromTariffId', 'toTariffId'],
      ),
      identifierMappings: { msisdn: 'msisdn', accountId: 'accountId' },
      classifications: classify({
        identifier: ['msisdn', 'accountId'],
        billing: ['fromTariffId', 'toTariffId', 'planType', 'effectiveDate', 'initiatedBy'],
      }),
      examples: [
        { msisdn: '+79161234567', fromTariffId: 'T-SMART-2023', toTariffId: 'T-SMART-2024', effectiveDate: '2024-05-01T00:00:00Z', initiatedBy: 'customer' },
      ],
    },
    {
      type: 'suspension',
      description: 'Service on a line suspended (barred); `resumption` lifts it.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          msisdn: msisdn(),
          accountId: accountId(),
          reason: oneOf(['non_payment', 'customer_request', 'lost_stolen', 'fraud', 'regulatory', 'other'], 'Why the line was suspended'),
          expectedResumeDate: dateTime('When the suspension is planned to end (voluntary suspension)'),
        },
        ['reason'],
      ),
      identifierMappings: { msisdn: 'msisdn', accountId: 'accountId' },
      classifications: { msisdn: 'identifier', accountId: 'identifier', reason: 'billing', expectedResumeDate: 'billing' },
      examples: [{ msisdn: '+79161234567', accountId: 'A-100234', reason: 'non_payment' }],
    },
    {
      type: 'resumption',
      description: 'Service on a suspended line restored; ends the state a `suspension` started.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          msisdn: msisdn(),
          accountId: accountId(),
          reason: oneOf(['payment_received', 'customer_request', 'investigation_closed', 'other'], 'Why service was restored'),
        },
        [],
      ),
      identifierMappings: { msisdn: 'msisdn', accountId: 'accountId' },
      classifications: { msisdn: 'identifier', accountId: 'identifier', reason: 'billing' },
      examples: [{ msisdn: '+79161234567', reason: 'payment_received' }],
    },
    {
      type: 'termination',
      description: 'A line terminated (contract ended). The MSISDN may later be recycled to another person.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          msisdn: msisdn(),
          imsi: imsi(),
          iccid: iccid(),
          accountId: accountId(),
          reason: oneOf(
            ['customer_request', 'non_payment', 'port_out', 'inactivity', 'fraud', 'deceased', 'other'],
            'Why the line was terminated',
          ),
        },
        ['reason'],
      ),
      identifierMappings: SUBSCRIBER,
      classifications: { msisdn: 'identifier', imsi: 'identifier', iccid: 'identifier', accountId: 'identifier', reason: 'billing' },
      examples: [{ msisdn: '+79161234567', accountId: 'A-100234', reason: 'customer_request' }],
    },
    {
      type: 'port_out',
      description: 'A number ported out to another operator (mobile number portability).',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          msisdn: msisdn(),
          accountId: accountId(),
          recipientOperator: text('Operator the number moves to (name or MNP routing code)', 100),
          reason: oneOf(['price', 'coverage', 'service_quality', 'relocation', 'other', 'unknown'], 'Stated reason, when captured'),
          portingRequestId: text('Id of the porting request in the MNP clearing house', 64),
          portDate: dateTime('When the number left the network'),
        },
        ['recipientOperator'],
      ),
      identifierMappings: { msisdn: 'msisdn', accountId: 'accountId' },
      classifications: classify({
        identifier: ['msisdn', 'accountId'],
        billing: ['recipientOperator', 'reason', 'portingRequestId', 'portDate'],
      }),
      examples: [{ msisdn: '+79161234567', recipientOperator: 'MegaFon', reason: 'price', portDate: '2024-06-01T00:00:00+03:00' }],
    },
    {
      type: 'port_in',
      description: 'A number ported in from another operator: a new subscriber with an existing MSISDN.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          ...subscriberFields(),
          donorOperator: text('Operator the number comes from (name or MNP routing code)', 100),
          tariffId: text('TMF620 ProductOffering id of the tariff chosen', 64),
          portingRequestId: text('Id of the porting request in the MNP clearing house', 64),
          portDate: dateTime('When the number joined the network'),
        },
        ['donorOperator'],
      ),
      identifierMappings: SUBSCRIBER,
      classifications: classify({
        identifier: ['msisdn', 'imsi', 'iccid', 'accountId'],
        billing: ['donorOperator', 'tariffId', 'portingRequestId', 'portDate'],
      }),
      examples: [
        { msisdn: '+79031112233', imsi: '250010987654321', iccid: '8970102222333344445', donorOperator: 'Beeline', tariffId: 'T-SMART-2024' },
      ],
    },
  ],
};
