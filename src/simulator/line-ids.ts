import { HOME_PLMN } from './catalogue.js';
import { deviceOf, iccidOf, imsiOf, msisdnOf, type Occupant } from './identifiers.js';
import { isRoamingAt, type LineProfile } from './line-profile.js';
import type { LineIds } from './network-events.js';

/** The identifiers a line shows at time `t` for the given occupant: SIM generation, device, serving PLMN. */
export const idsAt = (seed: number, p: LineProfile, occupant: Occupant, t: number): LineIds => {
  const generation = occupant === 0 && t >= p.simSwapAt ? 1 : 0;
  const personKey = p.account.firstLine + p.member;
  return {
    msisdn: msisdnOf(seed, p.line, p.activation === 'port_in'),
    imsi: imsiOf(seed, p.line, occupant, generation),
    iccid: iccidOf(seed, p.line, occupant, generation),
    device: deviceOf(seed, occupant !== 0 || p.isEsim ? p.line : personKey, occupant),
    plmn: occupant === 0 && isRoamingAt(p, t) ? (p.roaming?.plmn ?? HOME_PLMN) : HOME_PLMN,
  };
};
