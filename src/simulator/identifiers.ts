import { DEVICE_MODELS, FOREIGN_DEF_CODES, HOME_PLMN, OWN_DEF_CODES } from './catalogue.js';
import { hashInts, scatter } from './prng.js';

/**
 * Identifier values derived from an entity's index through bijections, so they are unique without
 * a registry and cost nothing to recompute. `occupant` tells apart the people who held a slot over
 * time: 0 the current owner, 1 the person a recycled number went to, 2 the owner before recycling.
 */
export type Occupant = 0 | 1 | 2;

const SALT = { msisdn: 11, foreign: 12, imsi: 13, iccid: 14, imei: 15, passport: 16, inn: 17, ogrn: 18 } as const;
const TEN_MILLION = 10_000_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** E.164 MSISDN of a line: our own number range, or a competitor's for a number ported in. */
export const msisdnOf = (seed: number, line: number, portedIn = false): string => {
  const codes = portedIn ? FOREIGN_DEF_CODES : OWN_DEF_CODES;
  const n = scatter(line, codes.length * TEN_MILLION, seed ^ (portedIn ? SALT.foreign : SALT.msisdn));
  return `+7${codes[Math.floor(n / TEN_MILLION)] as number}${pad(n % TEN_MILLION, 7)}`;
};

/** `+79161234567` → `8 (916) 123-45-67`, how agents and forms often write it. */
export const nationalFormat = (e164: string): string =>
  `8 (${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8, 10)}-${e164.slice(10, 12)}`;

/** `+79161234567` → `89161234567`: national digits, accepted by the contracts' msisdn pattern. */
export const nationalDigits = (e164: string): string => `8${e164.slice(2)}`;

const simKey = (line: number, occupant: Occupant, generation: number): number => line * 8 + occupant * 2 + generation;

/** E.212 IMSI: home PLMN 25001 + 10-digit MSIN. `generation` 1 is the SIM after a swap. */
export const imsiOf = (seed: number, line: number, occupant: Occupant, generation: number): string =>
  HOME_PLMN + pad(scatter(simKey(line, occupant, generation), 10_000_000_000, seed ^ SALT.imsi), 10);

/** E.118 ICCID: 89 (telecom) 7 (Russia) 01 (issuer) 01 + 12 digits = 19 digits. */
export const iccidOf = (seed: number, line: number, occupant: Occupant, generation: number): string =>
  `8970101${pad(scatter(simKey(line, occupant, generation), 1_000_000_000_000, seed ^ SALT.iccid), 12)}`;

const luhn = (digits: string): number => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
};

export interface Device {
  readonly imei: string;
  readonly imeisv: string;
  readonly os: 'ios' | 'android' | 'harmonyos';
}

/** The handset a person uses: TAC of a common model + a unique 6-digit serial + Luhn digit. */
export const deviceOf = (seed: number, personKey: number, occupant: Occupant): Device => {
  const n = scatter(personKey * 3 + occupant, DEVICE_MODELS.length * 1_000_000, seed ^ SALT.imei);
  const model = DEVICE_MODELS[Math.floor(n / 1_000_000)] as (typeof DEVICE_MODELS)[number];
  const body = model.tac + pad(n % 1_000_000, 6);
  return { imei: body + String(luhn(body)), imeisv: `${body}${pad((personKey % 9) + 1, 2)}`, os: model.os };
};

/** Russian internal passport: 4-digit series and 6-digit number, written "4510 123456". */
export const passportOf = (seed: number, personKey: number, occupant: Occupant): string => {
  const n = 1_000_000_000 + scatter(personKey * 3 + occupant, 9_000_000_000, seed ^ SALT.passport);
  const s = String(n);
  return `${s.slice(0, 4)} ${s.slice(4)}`;
};

const tag = (seed: number, salt: number, key: number, occupant: Occupant): string =>
  `${(hashInts(seed, salt, key, occupant) % 1_679_616).toString(36).padStart(4, '0')}${key.toString(36)}${occupant === 0 ? '' : `-${occupant}`}`;

export const appUserIdOf = (seed: number, personKey: number, occupant: Occupant): string => `u-${tag(seed, 21, personKey, occupant)}`;
export const deviceIdOf = (seed: number, personKey: number, occupant: Occupant): string => `d-${tag(seed, 22, personKey, occupant)}`;
export const browserIdOf = (seed: number, personKey: number, occupant: Occupant): string => `b-${tag(seed, 23, personKey, occupant)}`;
export const tabletIdOf = (seed: number, firstLine: number): string => `d-t${tag(seed, 24, firstLine, 0)}`;

/** 10-digit INN of an organisation and its 13-digit OGRN, unique per organisation key. */
export const innOf = (seed: number, orgKey: number): string => pad(1_000_000_000 + scatter(orgKey, 8_999_999_999, seed ^ SALT.inn), 10);
export const ogrnOf = (seed: number, orgKey: number): string => `10277${pad(scatter(orgKey, 100_000_000, seed ^ SALT.ogrn), 8)}`;

export const accountIdOf = (kind: 'individual' | 'family' | 'b2b' | 'test', firstLine: number): string =>
  kind === 'b2b' ? `C-${700_000 + firstLine}` : kind === 'test' ? `A-TEST-${firstLine}` : `A-${1_000_000 + firstLine}`;

export const personIdOf = (personKey: number, occupant: Occupant): string =>
  occupant === 0 ? `P-${personKey}` : occupant === 1 ? `P-R${personKey}` : `P-H${personKey}`;
