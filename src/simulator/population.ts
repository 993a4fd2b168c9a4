import {
  B2B_TARIFFS,
  B2C_POSTPAID,
  B2C_PREPAID,
  EMAIL_DOMAINS,
  FAMILY_TARIFF,
  FEMALE_FIRST,
  INTEREST_NAMES,
  MALE_FIRST,
  OKVED,
  ORG_SLUGS,
  ORG_WORDS,
  REGIONS,
  REGION_WEIGHTS,
  SURNAMES,
  translit,
  type Region,
} from './catalogue.js';
import { accountIdOf, appUserIdOf, deviceIdOf, innOf, ogrnOf, passportOf, personIdOf, tabletIdOf, type Occupant } from './identifiers.js';
import type { ScenarioRates } from './options.js';
import { scatter, streamOf } from './prng.js';

/**
 * The population, derived on demand. Lines are numbered 0…N-1 and cut into blocks of BLOCK lines;
 * each block is filled with accounts drawn from the block's own stream, so the account a line
 * belongs to is known from its block alone and no population table is ever held.
 *
 * A person is keyed by the index of their primary line (a person with an eSIM beside the physical
 * SIM owns two lines, both pointing at the first), so person keys are unique without a registry.
 */
export const BLOCK = 8192;

const SALT = { block: 101, account: 102, person: 103 } as const;

export type AccountKind = 'individual' | 'family' | 'b2b';

export interface Organisation {
  readonly orgId: string;
  readonly inn: string;
  readonly ogrn: string;
  readonly name: string;
  readonly tradingName: string;
  readonly okved: string;
  readonly sizeBand: 'micro' | 'small' | 'medium' | 'large';
  readonly region: Region;
  readonly domain: string;
  readonly sharedItEmail: boolean;
}

export interface Account {
  readonly kind: AccountKind;
  readonly firstLine: number;
  readonly size: number;
  /** Distinct people on the account (an eSIM line adds a line, not a person). */
  readonly members: number;
  /** Line offset of the holder's eSIM beside the physical SIM, or -1. */
  readonly esimOffset: number;
  readonly accountId: string;
  readonly region: Region;
  readonly isTest: boolean;
  readonly sharedDevice: boolean;
  readonly sharedEmail: boolean;
  readonly billCycleDay: number;
  readonly org: Organisation | undefined;
}

const b2bSize = (u: number): number => Math.min(2000, Math.floor(5 * Math.pow(1 - u, -1 / 0.9)));

/** The accounts of one block, in line order. */
export const blockLayout = (seed: number, block: number, subscribers: number, rates: ScenarioRates): Account[] => {
  const rng = streamOf(seed, SALT.block, block);
  const begin = block * BLOCK;
  const end = Math.min(subscribers, begin + BLOCK);
  const accounts: Account[] = [];
  let line = begin;
  while (line < end) {
    const u = rng.next();
    let kind: AccountKind = u < rates.b2bAccountShare ? 'b2b' : u < rates.b2bAccountShare + rates.familyAccountShare ? 'family' : 'individual';
    let members = kind === 'b2b' ? b2bSize(rng.next()) : kind === 'family' ? rng.int(2, 5) : 1;
    const esim = kind !== 'b2b' && rng.chance(rates.esimBesideSimShare);
    let size = members + (esim ? 1 : 0);
    if (line + size > end) {
      // The last account of a block is cut to fit, but never below its kind's minimum.
      const room = end - line;
      if (room < (kind === 'b2b' ? 5 : kind === 'family' ? 2 : 1)) kind = 'individual';
      members = Math.min(kind === 'individual' ? 1 : members, room);
      size = kind === 'individual' ? Math.min(esim ? 2 : 1, room) : room;
    }
    accounts.push(makeAccount(seed, kind, line, size, members, esim && size > members ? members : -1, rates));
    line += size;
  }
  return accounts;
};

const makeAccount = (seed: number, kind: AccountKind, firstLine: number, size: number, members: number, esimOffset: number, rates: ScenarioRates): Account => {
  const rng = streamOf(seed, SALT.account, firstLine);
  const isTest = kind === 'individual' && rng.chance(rates.testLineShare);
  const region = rng.weighted(REGIONS, REGION_WEIGHTS);
  const org = kind === 'b2b' ? makeOrganisation(seed, firstLine, size, region, rng.next(), rng.next(), rng.chance(rates.sharedCorporateEmailShare)) : undefined;
  return {
    kind,
    firstLine,
    size,
    members,
    esimOffset,
    accountId: accountIdOf(isTest ? 'test' : kind, firstLine),
    region,
    isTest,
    sharedDevice: kind === 'family' && members >= 2 && rng.chance(rates.sharedDeviceShare),
    sharedEmail: kind === 'family' && members >= 2 && rng.chance(rates.sharedFamilyEmailShare),
    billCycleDay: rng.int(1, 28),
    org,
  };
};

const makeOrganisation = (seed: number, orgKey: number, lines: number, region: Region, u1: number, u2: number, sharedItEmail: boolean): Organisation => {
  const word = ORG_WORDS[Math.floor(u1 * ORG_WORDS.length)] as string;
  const okved = OKVED[Math.floor(u2 * OKVED.length)] as string;
  const staff = Math.round(lines * 1.3);
  const sizeBand = staff < 15 ? 'micro' : staff < 100 ? 'small' : staff < 250 ? 'medium' : 'large';
  const suffix = orgKey.toString(36);
  return {
    orgId: `O-${orgKey}`,
    inn: innOf(seed, orgKey),
    ogrn: ogrnOf(seed, orgKey),
    name: `ООО «${word}-${suffix.toUpperCase()}»`,
    tradingName: `${word} ${suffix.toUpperCase()}`,
    okved,
    sizeBand,
    region,
    domain: `${ORG_SLUGS[word] ?? 'corp'}-${suffix}.example`,
    sharedItEmail,
  };
};

export type ContactRole = 'decision_maker' | 'billing' | 'technical';
export const CONTACT_ROLES: readonly ContactRole[] = ['decision_maker', 'billing', 'technical'];

export interface Person {
  readonly personKey: number;
  readonly occupant: Occupant;
  readonly personId: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly gender: 'male' | 'female';
  readonly birthYear: number;
  readonly region: Region;
  readonly passport: string;
  /** Personal e-mail addresses (zero or more). */
  readonly emails: readonly string[];
  /** The address the CRM holds for this person: own, the family's shared one, or the company's it@. */
  readonly crmEmail: string | undefined;
  readonly appUserId: string | undefined;
  readonly deviceId: string | undefined;
  /** A tablet shared with another family member, when there is one. */
  readonly sharedDeviceId: string | undefined;
  readonly interests: readonly string[];
  readonly role: ContactRole | undefined;
}

/** The person at member position `member` of an account (or a recycled / earlier owner, `occupant` 1 / 2). */
export const personOf = (seed: number, account: Account | undefined, member: number, occupant: Occupant, rates: ScenarioRates, key?: number): Person => {
  const personKey = key ?? (account as Account).firstLine + member;
  const rng = streamOf(seed, SALT.person, personKey, occupant);
  const gender = rng.chance(0.5) ? 'male' : 'female';
  const firstName = rng.pick(gender === 'male' ? MALE_FIRST : FEMALE_FIRST);
  const surname = rng.pick(SURNAMES);
  const lastName = gender === 'male' ? surname : `${surname}а`;
  const isB2b = account?.kind === 'b2b';
  const holderAge = rng.int(19, 78);
  const birthYear = 2026 - (account?.kind === 'family' && member >= 2 ? rng.int(8, 40) : holderAge);
  const region = isB2b && rng.chance(0.2) ? rng.weighted(REGIONS, REGION_WEIGHTS) : (account?.region ?? rng.weighted(REGIONS, REGION_WEIGHTS));
  const emailCount = rng.weighted([0, 1, 2], [0.3, 0.5, 0.2]);
  const emails: string[] = [];
  const base = `${translit(firstName)}.${translit(lastName)}`;
  // A bijective number keeps addresses unique even among namesakes on the same mail service.
  const unique = (i: number): number => scatter(personKey * 12 + occupant * 4 + i, 100_000_000, seed ^ 0x3e);
  for (let i = 0; i < emailCount; i++) emails.push(`${base}${unique(i)}@${rng.pick(EMAIL_DOMAINS)}`);
  const sharedHolder = account?.sharedEmail === true && member === 0;
  if (sharedHolder && emails.length === 0) emails.push(`semya.${translit(surname)}${unique(3)}@${rng.pick(EMAIL_DOMAINS)}`);
  const role = isB2b && member < CONTACT_ROLES.length ? CONTACT_ROLES[member] : undefined;
  if (isB2b) emails.unshift(`${translit(firstName).charAt(0)}.${translit(lastName)}${member}@${(account as Account).org?.domain ?? 'corp.example'}`);
  let crmEmail = emails[0];
  if (account?.sharedEmail === true && member > 0) crmEmail = familyEmail(seed, account, rates);
  if (isB2b && account.org?.sharedItEmail === true && role === undefined) crmEmail = `it@${account.org.domain}`;
  const sharesTablet = account?.sharedDevice === true && member < 2;
  const hasApp = sharesTablet || rng.chance(rates.appUserShare);
  const interestCount = rng.int(2, 4);
  const interests: string[] = [];
  while (interests.length < interestCount) {
    const interest = rng.pick(INTEREST_NAMES);
    if (!interests.includes(interest)) interests.push(interest);
  }
  return {
    personKey,
    occupant,
    personId: personIdOf(personKey, occupant),
    firstName,
    lastName,
    gender,
    birthYear,
    region,
    passport: passportOf(seed, personKey, occupant),
    emails,
    crmEmail,
    appUserId: hasApp ? appUserIdOf(seed, personKey, occupant) : undefined,
    deviceId: hasApp ? deviceIdOf(seed, personKey, occupant) : undefined,
    sharedDeviceId: sharesTablet ? tabletIdOf(seed, (account as Account).firstLine) : undefined,
    interests,
    role,
  };
};

/** The e-mail every member of a family with a shared address gives: the holder's first one. */
export const familyEmail = (seed: number, account: Account, rates: ScenarioRates): string | undefined =>
  personOf(seed, account, 0, 0, rates).emails[0];

/** Which member uses the line at `offset` of an account (the eSIM line belongs to the holder). */
export const memberOfLine = (account: Account, offset: number): number => (offset === account.esimOffset ? 0 : offset);

/** Default tariff of a new line of an account, from the account's segment and the plan type. */
export const tariffFor = (kind: AccountKind, prepaid: boolean, u: number): number => {
  if (kind === 'b2b') return B2B_TARIFFS[Math.floor(u * B2B_TARIFFS.length)] as number;
  if (kind === 'family') return FAMILY_TARIFF;
  const pool = prepaid ? B2C_PREPAID : B2C_POSTPAID;
  return pool[Math.floor(u * pool.length)] as number;
};
