import { APP_ACTIONS, GENERIC_DOMAINS, INTERESTS, WEB_PAGES } from './catalogue.js';
import type { EventSink } from './event-sink.js';
import { nationalFormat, type Device } from './identifiers.js';
import type { Account, Person } from './population.js';
import type { Prng } from './prng.js';
import { eventIdOf, iso } from './sim-event.js';

/*
 * The app (native events and Segment calls) and the web (DPI domain visits, Segment pages of the
 * operator's site). Domain visits follow the person's hidden interests: most visits go to domains
 * of those interests, the rest to everyday sites, so interest scoring has something true to find.
 */

export const APP_VERSION = '5.12.0';
const HOUR = 3_600_000;

/** A session in the app: open, one or two actions, sometimes a login (and a logout later). */
export const appSession = (
  sink: EventSink,
  rng: Prng,
  person: Person,
  account: Account,
  device: Device,
  msisdn: string,
  at: number,
  line: number,
  slot: number,
  n: number,
): void => {
  const appUserId = person.appUserId;
  if (appUserId === undefined) return;
  // A person sharing the family tablet uses it for about a third of their sessions, signing in and out.
  const onTablet = person.sharedDeviceId !== undefined && rng.chance(0.35);
  const deviceId = onTablet ? (person.sharedDeviceId as string) : (person.deviceId as string);
  const id = (kind: string, i: number): string => eventIdOf(kind, line, slot, n * 8 + i);
  let t = at;
  const push = (type: string, kind: string, i: number, properties: Record<string, unknown>): void => {
    sink.push({ source: 'app', type, eventId: id(kind, i), occurredAt: iso(t), properties }, t);
  };
  if (onTablet || rng.chance(0.08)) {
    const placeholder = sink.placeholder('msisdn');
    const phone = placeholder ? '0000000000' : msisdn;
    push('login', 'li', 0, { appUserId, deviceId, msisdn: phone, method: onTablet ? 'password' : rng.pick(['sms_otp', 'biometric', 'header_enrichment']) });
    t += 2000;
  }
  push('app_open', 'ao', 1, { appUserId, deviceId, appVersion: APP_VERSION, os: onTablet ? 'android' : device.os, osVersion: device.os === 'ios' ? '18.2' : '14' });
  const actions = rng.int(0, 2);
  for (let i = 0; i < actions; i++) {
    t += rng.int(5, 120) * 1000;
    const a = rng.pick(APP_ACTIONS);
    push('app_action', 'aa', 2 + i, { appUserId, deviceId, action: a.action, screen: a.screen });
  }
  if (account.kind === 'b2b' && account.org && rng.chance(0.05)) {
    t += 1000;
    const org = account.org;
    push('group', 'gr', 5, { userId: appUserId, anonymousId: deviceId, groupId: org.inn, traits: { name: org.name, employees: account.size, plan: 'corporate', website: `https://${org.domain}/` } });
  }
  if (rng.chance(0.04)) {
    t += 1000;
    const page = rng.pick(WEB_PAGES);
    push('page', 'ap', 4, { userId: appUserId, anonymousId: deviceId, name: page.name, url: `https://my.example-telecom.ru${page.path}`, path: page.path, title: page.title });
  }
  if (onTablet || rng.chance(0.05)) {
    t += rng.int(30, 900) * 1000;
    push('logout', 'lo', 6, { appUserId, deviceId, reason: onTablet ? 'user' : rng.pick(['user', 'timeout']) });
  }
};

/** What the app knows of its user, sent once (Segment identify), with the phone as typed. */
export const identify = (sink: EventSink, person: Person, msisdn: string, at: number, line: number): void => {
  if (person.appUserId === undefined) return;
  const phone = sink.nationalFormat() ? nationalFormat(msisdn) : `+7 ${msisdn.slice(2, 5)} ${msisdn.slice(5, 8)}-${msisdn.slice(8, 10)}-${msisdn.slice(10)}`;
  const email = person.emails[0];
  sink.push(
    {
      source: 'app',
      type: 'identify',
      eventId: eventIdOf('id', line, person.occupant, 0),
      occurredAt: iso(at),
      properties: {
        userId: person.appUserId,
        anonymousId: person.deviceId,
        traits: {
          ...(email !== undefined ? { email } : {}),
          phone,
          firstName: person.firstName,
          lastName: person.lastName,
          address: { city: person.region.city, country: 'RU' },
        },
      },
    },
    at,
    false,
  );
  // Some installs were tracked anonymously first; the SDK aliases the install id to the user id.
  if (person.personKey % 5 === 0 && person.deviceId !== undefined) {
    sink.push(
      { source: 'app', type: 'alias', eventId: eventIdOf('al', line, person.occupant, 0), occurredAt: iso(at - 60_000), properties: { previousId: person.deviceId, userId: person.appUserId } },
      at - 60_000,
      false,
    );
  }
};

/** One DPI aggregate: a domain seen for this subscriber within the hour. */
export const domainVisit = (sink: EventSink, rng: Prng, person: Person, msisdn: string, imsi: string, at: number, line: number, slot: number, n: number): void => {
  const interested = rng.chance(0.7);
  const interest = interested ? rng.pick(person.interests) : undefined;
  const domain = interest !== undefined ? rng.pick(INTERESTS[interest] ?? GENERIC_DOMAINS) : rng.pick(GENERIC_DOMAINS);
  const windowStart = Math.floor(at / HOUR) * HOUR;
  const hits = 1 + rng.poisson(interested ? 12 : 6);
  sink.push(
    {
      source: 'web',
      type: 'domain_visit',
      eventId: eventIdOf('dv', line, slot, n),
      occurredAt: iso(windowStart + HOUR),
      properties: {
        ...(rng.chance(0.9) ? { msisdn } : { imsi }),
        domain,
        hits,
        bytes: Math.round(hits * rng.logNormal(60_000, 1)),
        ...(interest !== undefined ? { category: interest } : {}),
        protocol: rng.chance(0.8) ? 'https' : 'quic',
        windowStart: iso(windowStart),
        windowEnd: iso(windowStart + HOUR),
      },
    },
    windowStart + HOUR,
  );
};

/** Pages of the operator's website: anonymous browsing, then (for app users) signed in. */
export const webPage = (sink: EventSink, rng: Prng, person: Person, browserId: string, at: number, line: number, slot: number, n: number): void => {
  const page = rng.pick(WEB_PAGES);
  const signedIn = person.appUserId !== undefined && rng.chance(0.5);
  sink.push(
    {
      source: 'web',
      type: 'page',
      eventId: eventIdOf('wp', line, slot, n),
      occurredAt: iso(at),
      properties: {
        ...(signedIn ? { userId: person.appUserId } : {}),
        anonymousId: browserId,
        name: page.name,
        url: `https://www.example-telecom.ru${page.path}`,
        path: page.path,
        referrer: rng.chance(0.5) ? 'https://yandex.ru/' : '',
        title: page.title,
      },
    },
    at,
  );
};
