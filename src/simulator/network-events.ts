import { HOME_PLMN } from './catalogue.js';
import type { EventSink } from './event-sink.js';
import type { Device } from './identifiers.js';
import type { LineProfile } from './line-profile.js';
import type { Prng } from './prng.js';
import { eventIdOf, iso } from './sim-event.js';

/** Identifiers of a line at one moment: which SIM is in use and where it is served. */
export interface LineIds {
  readonly msisdn: string;
  readonly imsi: string;
  readonly iccid: string;
  readonly device: Device;
  readonly plmn: string;
}

const RAT = [6, 6, 6, 6, 6, 6, 10, 10, 10, 1] as const;
const PARTIAL_S = 900;

/** Cell of the line near home (or abroad when roaming) and its tracking area. */
const cellOf = (p: LineProfile, rng: Prng): { cellId: number; tac: number } => {
  const cellId = p.homeCell + rng.int(0, 40) * 8;
  return { cellId, tac: 1000 + (Math.floor(cellId / 4096) % 60_000) };
};

/** Seconds a session or call that starts at `startMs` may last: it is torn down when the line ends at `untilMs`. */
const cutAt = (seconds: number, startMs: number, untilMs: number): number =>
  untilMs === Infinity ? seconds : Math.max(1, Math.min(seconds, Math.floor((untilMs - startMs) / 1000) - 1));

/**
 * One data session as PGW-CDR partial records: a record each time the 15-minute time limit is hit
 * (causeForRecClosing 17) and a last one at normal release (0). Each record is its own event. A
 * session under way when the line ends (`untilMs`) ends with it.
 */
export const dataSession = (
  sink: EventSink,
  rng: Prng,
  p: LineProfile,
  ids: LineIds,
  startMs: number,
  slot: number,
  n: number,
  untilMs = Infinity,
): void => {
  const durationS = cutAt(Math.max(5, Math.min(4 * 3600, Math.round(rng.exponential(1800)))), startMs, untilMs);
  const records = Math.min(16, Math.ceil(durationS / PARTIAL_S));
  const chargingID = (p.line * 7919 + slot * 104_729 + n * 31) % 4_294_967_295;
  const rate = rng.logNormal(12_000, 1.3); // bytes per second downlink, heavy-tailed
  const rat = rng.pick(RAT);
  const ratingGroup = rng.pick([10, 10, 20, 30]);
  const { cellId, tac } = cellOf(p, rng);
  for (let i = 0; i < records; i++) {
    const from = startMs + i * PARTIAL_S * 1000;
    const seconds = i === records - 1 ? durationS - i * PARTIAL_S : PARTIAL_S;
    const to = from + seconds * 1000;
    const down = Math.round(rate * seconds * (0.3 + rng.next() * 1.4));
    sink.push(
      {
        source: 'network',
        type: 'data_session',
        eventId: eventIdOf('ds', p.line, slot, n * 16 + i),
        occurredAt: iso(to),
        properties: {
          servedIMSI: ids.imsi,
          servedMSISDN: ids.msisdn,
          servedIMEISV: ids.device.imeisv,
          chargingID,
          recordSequenceNumber: i + 1,
          ratingGroup,
          datavolumeFBCUplink: Math.round(down * (0.04 + rng.next() * 0.1)),
          datavolumeFBCDownlink: down,
          timeOfFirstUsage: iso(from),
          timeOfLastUsage: iso(to),
          duration: seconds,
          accessPointNameNI: p.account.kind === 'b2b' && p.tariff === 9 ? 'm2m.corp' : 'internet',
          rATType: rat,
          servingNodePLMNIdentifier: ids.plmn,
          userLocationInformation: { plmnIdentifier: ids.plmn, tac, cellId },
          causeForRecClosing: i === records - 1 ? (rng.chance(0.03) ? 4 : 0) : 17,
        },
      },
      to,
    );
  }
};

export const voiceCall = (
  sink: EventSink,
  rng: Prng,
  p: LineProfile,
  ids: LineIds,
  at: number,
  slot: number,
  n: number,
  otherParty: string,
  untilMs = Infinity,
): void => {
  const direction = rng.chance(0.55) ? 'mo' : 'mt';
  const cause = rng.weighted(['normal', 'no_answer', 'busy', 'dropped', 'rejected'] as const, [88, 6, 2, 3, 1]);
  const duration = cause === 'normal' || cause === 'dropped' ? cutAt(Math.max(3, Math.round(rng.logNormal(75, 1))), at, untilMs) : 0;
  sink.push(
    {
      source: 'network',
      type: 'voice_call',
      eventId: eventIdOf('vc', p.line, slot, n),
      occurredAt: iso(at + duration * 1000),
      properties: {
        servedIMSI: ids.imsi,
        servedMSISDN: ids.msisdn,
        direction,
        ...(direction === 'mo' ? { calledNumber: otherParty } : { callingNumber: otherParty }),
        ...(duration > 0 ? { answerTime: iso(at) } : {}),
        duration,
        causeForTermination: cause,
        servingNodePLMNIdentifier: ids.plmn,
        cellId: cellOf(p, rng).cellId,
      },
    },
    at + duration * 1000,
  );
};

export const locationUpdate = (sink: EventSink, rng: Prng, p: LineProfile, ids: LineIds, at: number, slot: number, n: number): void => {
  const { cellId, tac } = cellOf(p, rng);
  sink.push(
    {
      source: 'network',
      type: 'location_update',
      eventId: eventIdOf('lu', p.line, slot, n),
      occurredAt: iso(at),
      properties: {
        servedIMSI: ids.imsi,
        servedMSISDN: ids.msisdn,
        cellId,
        tac,
        servingNodePLMNIdentifier: ids.plmn,
        updateType: rng.weighted(['periodic', 'normal', 'handover', 'attach'] as const, [5, 3, 2, 0.3]),
      },
    },
    at,
  );
};

export const roamingEvent = (sink: EventSink, p: LineProfile, ids: LineIds, started: boolean): void => {
  const trip = p.roaming;
  if (!trip) return;
  const at = started ? trip.start : trip.end;
  sink.push(
    {
      source: 'network',
      type: started ? 'roaming_started' : 'roaming_ended',
      eventId: eventIdOf(started ? 'rs' : 're', p.line, 0, 0),
      occurredAt: iso(at),
      properties: {
        servedIMSI: ids.imsi,
        servedMSISDN: ids.msisdn,
        servingNodePLMNIdentifier: trip.plmn,
        visitedCountry: trip.country,
        ...(started ? {} : { startedAt: iso(trip.start) }),
      },
    },
    at,
  );
};

export const simChange = (sink: EventSink, p: LineProfile, before: LineIds, after: LineIds): void => {
  sink.push(
    {
      source: 'network',
      type: 'sim_change',
      eventId: eventIdOf('sc', p.line, 0, 0),
      occurredAt: iso(p.simSwapAt),
      properties: {
        msisdn: after.msisdn,
        oldIccid: before.iccid,
        newIccid: after.iccid,
        oldImsi: before.imsi,
        newImsi: after.imsi,
        newSimType: p.simSwapReason === 'esim_migration' ? 'esim' : 'physical',
        reason: p.simSwapReason,
      },
    },
    p.simSwapAt,
  );
};

export const homePlmn = HOME_PLMN;
