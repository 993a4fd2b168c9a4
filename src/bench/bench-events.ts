/**
 * Deterministic network records for the ingest benchmark: 3GPP-style partial data-session records
 * for a population of lines, the most frequent event a telecom CDP receives. Events are spread
 * over the lines with a fixed stride so consecutive batches touch many lines, as in production.
 */
const DAY_MS = 86_400_000;

/**
 * The first event's time: midnight UTC three days before the run, so that the traffic falls inside
 * the rolling windows (7 days) that audiences read, and a long run (3 M events, 42 simulated hours)
 * stays in the past. Every process of one run takes the same day.
 */
const BENCH_EPOCH_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS;

export const benchEvent = (index: number, lines: number, prefix = 'bench'): Record<string, unknown> => {
  const line = (index * 7919) % lines;
  const msisdn = `+7916${String(line).padStart(7, '0')}`;
  const imsi = `25001${String(line).padStart(10, '0')}`;
  // Time moves forward as in real traffic: 20 events a simulated second from the epoch.
  const at = new Date(BENCH_EPOCH_MS + Math.floor(index / 20) * 1000).toISOString();
  return {
    source: 'network',
    type: 'data_session',
    eventId: `${prefix}-${index}`,
    occurredAt: at,
    identifiers: { msisdn, imsi },
    properties: {
      servedIMSI: imsi,
      servedMSISDN: msisdn,
      chargingID: 1_000_000 + line,
      recordSequenceNumber: index % 50,
      ratingGroup: 10,
      datavolumeFBCUplink: 1000 + ((index * 31) % 500_000),
      datavolumeFBCDownlink: 5000 + ((index * 97) % 20_000_000),
      timeOfFirstUsage: at,
      timeOfLastUsage: at,
      duration: 60 + (index % 840),
      servingNodePLMNIdentifier: '25001',
      userLocationInformation: { plmnIdentifier: '25001', tac: 7700 + (line % 50), cellId: 26_478_000 + (line % 5000) },
    },
  };
};

/** Bench events `from` to `from + count - 1` over `lines` lines, in requests of `perRequest` (500). */
export function* benchBatches(
  from: number,
  count: number,
  lines: number,
  prefix: string,
  perRequest = 500,
): Generator<Record<string, unknown>[]> {
  for (let start = from; start < from + count; start += perRequest) {
    const end = Math.min(start + perRequest, from + count);
    yield Array.from({ length: end - start }, (_, i) => benchEvent(start + i, lines, prefix));
  }
}
