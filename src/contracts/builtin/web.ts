import type { SourceContract } from '../contract.js';
import { classify, dateTime, eventSchema, imsi, integer, msisdn, oneOf, segmentPageProperties, text } from './fields.js';

/*
 * Web traffic. `domain_visit` is what the DPI probe reports per subscriber, domain and aggregation
 * window: only the domain (never the full URL or the content), visit count and volume. The subscriber
 * is whoever held the IP address at the time; the probe resolves that through RADIUS / Gx and sends
 * the MSISDN or IMSI, never the IP. `page` is the Segment page call from the operator's own website.
 */

export const webContract: SourceContract = {
  source: {
    id: 'web',
    name: 'Web traffic',
    owner: 'Traffic analytics data steward',
    description:
      'Domain-level web traffic from the DPI probes, aggregated per subscriber and time window, plus Segment page ' +
      'calls from the operator\'s website. Feeds interest scoring and ad targeting.',
    freshnessSlaSeconds: 3600,
  },
  eventTypes: [
    {
      type: 'domain_visit',
      description: 'A subscriber visited a domain during an aggregation window (DPI, domain level only).',
      compatibility: 'BACKWARD',
      schema: eventSchema(
        {
          msisdn: msisdn('MSISDN the IP address was assigned to'),
          imsi: imsi('IMSI the IP address was assigned to, when the probe resolves to IMSI rather than MSISDN'),
          domain: {
            type: 'string',
            format: 'hostname',
            pattern: '^[a-z0-9.-]+$',
            maxLength: 253,
            description: 'Registered domain or host, lower case (SNI / Host header / DNS)',
          },
          hits: integer('Requests or flows to the domain in the window', 1),
          bytes: integer('Octets exchanged with the domain in the window (up + down)'),
          category: text('DPI vendor category of the domain, if the probe sets one', 100),
          protocol: oneOf(['http', 'https', 'quic', 'dns', 'other'], 'Protocol the domain was seen in'),
          windowStart: dateTime('Start of the aggregation window'),
          windowEnd: dateTime('End of the aggregation window'),
        },
        ['domain', 'hits', 'bytes'],
      ),
      identifierMappings: { msisdn: 'msisdn', imsi: 'imsi' },
      classifications: classify({
        identifier: ['msisdn', 'imsi'],
        behavioural: ['domain', 'hits', 'category'],
        traffic: ['bytes', 'protocol', 'windowStart', 'windowEnd'],
      }),
      examples: [
        {
          msisdn: '+79161234567',
          domain: 'auto.ru',
          hits: 37,
          bytes: 4_718_592,
          category: 'automotive',
          protocol: 'https',
          windowStart: '2024-05-03T10:00:00Z',
          windowEnd: '2024-05-03T11:00:00Z',
        },
        { imsi: '250010123456789', domain: 'www.booking.com', hits: 3, bytes: 120_034 },
      ],
    },
    {
      type: 'page',
      description: 'Segment page call from the operator\'s website.',
      compatibility: 'BACKWARD',
      schema: eventSchema(segmentPageProperties()),
      // A browser's anonymousId is typed `deviceId`, as in the app, so that once the browser is tied to
      // a user (a page sent with both ids after login), its earlier anonymous pages join that person.
      identifierMappings: { userId: 'appUserId', anonymousId: 'deviceId' },
      classifications: classify({
        identifier: ['userId', 'anonymousId'],
        behavioural: ['name', 'url', 'path', 'referrer', 'title', 'search'],
      }),
      examples: [
        {
          anonymousId: 'b-91c07e44',
          name: 'Tariffs',
          url: 'https://www.example-telecom.ru/tariffs',
          path: '/tariffs',
          referrer: 'https://yandex.ru/',
          title: 'Тарифы',
        },
      ],
    },
  ],
};
