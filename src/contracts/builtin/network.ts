import type { SourceContract } from '../contract.js';
import { classify, dateTime, eventSchema, iccid, imsi, integer, msisdn, object, oneOf, plmnId, text } from './fields.js';

/*
 * Network mediation output. `data_session` is one service container of a 3GPP TS 32.298 PGW-CDR
 * (partial records allowed), keeping the ASN.1 field names so mediation can map 1:1. Voice calls and
 * location updates are simplified MSC/IMS records. Volumes are octets, durations seconds.
 *
 * Only the served party is ever mapped to an identifier: the other party of a call is someone else,
 * and mapping it would merge two people.
 */

const SERVED = { servedIMSI: 'imsi', servedMSISDN: 'msisdn' } as const;

const servedFields = () => ({
  servedIMSI: imsi('3GPP servedIMSI'),
  servedMSISDN: msisdn('3GPP servedMSISDN'),
});

const servingPlmn = () => plmnId('3GPP servingNodePLMNIdentifier: PLMN serving the subscriber; not the home PLMN when roaming');

const cellId = () => integer('Cell identity (CGI CI, E-UTRAN ECI or NR cell id)', 0, 68_719_476_735);
const lac = () => integer('Location area code (2G/3G)', 0, 65_535);
const tac = () => integer('Tracking area code (4G/5G)', 0, 16_777_215);

export const networkContract: SourceContract = {
  source: {
    id: 'network',
    name: 'Network mediation',
    owner: 'Network mediation data steward',
    description:
      'Call detail records from the mediation layer: data sessions (PGW-CDR service containers), voice calls, location ' +
      'updates, roaming start and end, and SIM changes seen by the HLR/HSS.',
    freshnessSlaSeconds: 900,
  },
  eventTypes: [
    {
      type: 'data_session',
      description: 'One rating-group container of a PGW-CDR (3GPP TS 32.298), possibly a partial record.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          ...servedFields(),
          servedIMEISV: { type: 'string', pattern: '^[0-9]{16}$', description: '3GPP servedIMEISV: device IMEI and software version' },
          chargingID: integer('3GPP chargingID of the bearer', 0, 4_294_967_295),
          recordSequenceNumber: integer('3GPP recordSequenceNumber of a partial record'),
          ratingGroup: integer('3GPP ratingGroup of the service container', 0, 4_294_967_295),
          datavolumeFBCUplink: integer('3GPP datavolumeFBCUplink, octets'),
          datavolumeFBCDownlink: integer('3GPP datavolumeFBCDownlink, octets'),
          timeOfFirstUsage: dateTime('3GPP timeOfFirstUsage'),
          timeOfLastUsage: dateTime('3GPP timeOfLastUsage'),
          duration: integer('3GPP duration, seconds'),
          accessPointNameNI: text('3GPP accessPointNameNI, e.g. internet', 100),
          rATType: integer('3GPP rATType (TS 29.274): 1 UTRAN, 2 GERAN, 6 EUTRAN, 10 NR…', 0, 255),
          servingNodePLMNIdentifier: servingPlmn(),
          userLocationInformation: object(
            { plmnIdentifier: plmnId(), tac: tac(), lac: lac(), cellId: cellId() },
            [],
            '3GPP userLocationInformation, decoded by mediation from its octet string',
          ),
          causeForRecClosing: integer(
            '3GPP causeForRecClosing: 0 normalRelease, 4 abnormalRelease, 16 volumeLimit, 17 timeLimit, ' +
              '18 servingNodeChange, 19 maxChangeCond, 20 managementIntervention, 22 rATChange, 23 mSTimeZoneChange',
            0,
            255,
          ),
        },
        ['chargingID', 'datavolumeFBCUplink', 'datavolumeFBCDownlink'],
      ),
      identifierMappings: { ...SERVED, servedIMEISV: 'imei' },
      classifications: classify({
        identifier: ['servedIMSI', 'servedMSISDN', 'servedIMEISV'],
        traffic: [
          'chargingID',
          'recordSequenceNumber',
          'ratingGroup',
          'datavolumeFBCUplink',
          'datavolumeFBCDownlink',
          'timeOfFirstUsage',
          'timeOfLastUsage',
          'duration',
          'accessPointNameNI',
          'rATType',
          'causeForRecClosing',
        ],
        location: [
          'servingNodePLMNIdentifier',
          'userLocationInformation.plmnIdentifier',
          'userLocationInformation.tac',
          'userLocationInformation.lac',
          'userLocationInformation.cellId',
        ],
      }),
      examples: [
        {
          servedIMSI: '250010123456789',
          servedMSISDN: '+79161234567',
          servedIMEISV: '3569380356438091',
          chargingID: 3_187_654_321,
          recordSequenceNumber: 2,
          ratingGroup: 10,
          datavolumeFBCUplink: 1_048_576,
          datavolumeFBCDownlink: 52_428_800,
          timeOfFirstUsage: '2024-05-03T10:00:00Z',
          timeOfLastUsage: '2024-05-03T10:14:30Z',
          duration: 900,
          accessPointNameNI: 'internet',
          rATType: 6,
          servingNodePLMNIdentifier: '25001',
          userLocationInformation: { plmnIdentifier: '25001', tac: 7701, cellId: 26_478_593 },
          causeForRecClosing: 17,
        },
        { servedMSISDN: '+79169876543', chargingID: 42, datavolumeFBCUplink: 0, datavolumeFBCDownlink: 2048, servingNodePLMNIdentifier: '23415' },
      ],
    },
    {
      type: 'voice_call',
      description: 'A voice call of the served subscriber, originated (mo) or terminated (mt).',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          ...servedFields(),
          direction: oneOf(['mo', 'mt'], 'Mobile originated or mobile terminated'),
          callingNumber: msisdn('3GPP callingNumber: the other party of an mt call — a third party, never mapped'),
          calledNumber: msisdn('3GPP calledNumber: the other party of an mo call — a third party, never mapped'),
          answerTime: dateTime('3GPP answerTime'),
          duration: integer('Call duration from answer to release, seconds'),
          causeForTermination: oneOf(
            ['normal', 'dropped', 'busy', 'no_answer', 'rejected', 'unreachable', 'network_failure', 'other'],
            'Why the call ended (3GPP causeForTerm, simplified)',
          ),
          servingNodePLMNIdentifier: servingPlmn(),
          cellId: cellId(),
        },
        ['direction', 'duration'],
      ),
      identifierMappings: SERVED,
      classifications: classify({
        identifier: ['servedIMSI', 'servedMSISDN', 'callingNumber', 'calledNumber'],
        traffic: ['direction', 'answerTime', 'duration', 'causeForTermination'],
        location: ['servingNodePLMNIdentifier', 'cellId'],
      }),
      examples: [
        {
          servedMSISDN: '+79161234567',
          servedIMSI: '250010123456789',
          direction: 'mo',
          calledNumber: '+79035557788',
          answerTime: '2024-05-03T12:01:05Z',
          duration: 184,
          causeForTermination: 'normal',
          servingNodePLMNIdentifier: '25001',
          cellId: 26_478_593,
        },
        { servedMSISDN: '+79161234567', direction: 'mt', duration: 0, causeForTermination: 'no_answer' },
      ],
    },
    {
      type: 'location_update',
      description: 'The subscriber was seen in a new location area / tracking area or cell.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          ...servedFields(),
          cellId: cellId(),
          lac: lac(),
          tac: tac(),
          servingNodePLMNIdentifier: servingPlmn(),
          updateType: oneOf(['attach', 'normal', 'periodic', 'handover'], 'What triggered the update'),
        },
        ['cellId', 'servingNodePLMNIdentifier'],
      ),
      identifierMappings: SERVED,
      classifications: classify({
        identifier: ['servedIMSI', 'servedMSISDN'],
        location: ['cellId', 'lac', 'tac', 'servingNodePLMNIdentifier'],
        traffic: ['updateType'],
      }),
      examples: [{ servedIMSI: '250010123456789', servedMSISDN: '+79161234567', cellId: 26_478_593, tac: 7701, servingNodePLMNIdentifier: '25001', updateType: 'normal' }],
    },
    {
      type: 'roaming_started',
      description: 'The subscriber registered in a visited network (first location update abroad or in a partner network).',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          ...servedFields(),
          servingNodePLMNIdentifier: plmnId('Visited PLMN'),
          visitedCountry: { type: 'string', pattern: '^[A-Z]{2}$', description: 'Visited country, ISO 3166-1 alpha-2' },
        },
        ['servingNodePLMNIdentifier'],
      ),
      identifierMappings: SERVED,
      classifications: classify({ identifier: ['servedIMSI', 'servedMSISDN'], location: ['servingNodePLMNIdentifier', 'visitedCountry'] }),
      examples: [{ servedIMSI: '250010123456789', servedMSISDN: '+79161234567', servingNodePLMNIdentifier: '23415', visitedCountry: 'GB' }],
    },
    {
      type: 'roaming_ended',
      description: 'The subscriber returned to the home network or was last seen in the visited one.',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          ...servedFields(),
          servingNodePLMNIdentifier: plmnId('Visited PLMN being left'),
          visitedCountry: { type: 'string', pattern: '^[A-Z]{2}$', description: 'Visited country, ISO 3166-1 alpha-2' },
          startedAt: dateTime('When the roaming episode began'),
        },
        ['servingNodePLMNIdentifier'],
      ),
      identifierMappings: SERVED,
      classifications: classify({
        identifier: ['servedIMSI', 'servedMSISDN'],
        location: ['servingNodePLMNIdentifier', 'visitedCountry'],
        traffic: ['startedAt'],
      }),
      examples: [{ servedMSISDN: '+79161234567', servingNodePLMNIdentifier: '23415', visitedCountry: 'GB', startedAt: '2024-04-28T06:40:00Z' }],
    },
    {
      type: 'sim_change',
      description: 'A line moved to a new SIM (replacement, eSIM migration, or a suspected SIM-swap).',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          msisdn: msisdn(),
          oldIccid: iccid('ICCID of the SIM being replaced'),
          newIccid: iccid('ICCID of the new SIM'),
          oldImsi: imsi('IMSI of the SIM being replaced'),
          newImsi: imsi('IMSI of the new SIM'),
          newSimType: oneOf(['physical', 'esim'], 'Kind of the new SIM'),
          reason: oneOf(['lost_stolen', 'damaged', 'upgrade', 'esim_migration', 'other'], 'Why the SIM was changed'),
        },
        ['oldIccid', 'newIccid', 'reason'],
      ),
      // Only the new SIM is mapped. The old ICCID/IMSI are for identity resolution to close the old
      // links at this event's time; mapping them would re-assert links that have just ended.
      identifierMappings: { msisdn: 'msisdn', newIccid: 'iccid', newImsi: 'imsi' },
      classifications: classify({
        identifier: ['msisdn', 'oldIccid', 'newIccid', 'oldImsi', 'newImsi'],
        billing: ['newSimType', 'reason'],
      }),
      examples: [
        {
          msisdn: '+79161234567',
          oldIccid: '8970101234567890123',
          newIccid: '8970109999888877776',
          oldImsi: '250010123456789',
          newImsi: '250010987650001',
          newSimType: 'esim',
          reason: 'esim_migration',
        },
      ],
    },
  ],
};
