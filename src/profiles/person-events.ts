import type { EventLog, LoggedEvent } from '../bus/index.js';
import { identityStore } from '../identity/index.js';
import type { Db } from '../storage/index.js';
import { profilesStore } from './profiles.store.js';
import { timelineCheckpoint } from './timeline-index.js';

const PAGE = 5000;

/**
 * A person's events logged before `before`, oldest first: the events the timeline finds through
 * the profile's identifiers within their validity (what `GET /v1/profiles/{id}/timeline` lists,
 * decision 0008). Undefined when no person has this id any longer. Rebuilding a person after a
 * split (their profile, their audience activity) starts from these.
 */
export const personEvents = async (
  trx: Db,
  eventLog: Pick<EventLog, 'bySeq'>,
  profileId: string,
  before: number,
): Promise<LoggedEvent[] | undefined> => {
  const nodes = await identityStore.nodesOfProfile(trx, profileId);
  if (nodes.length === 0) return undefined;
  const indexedUpTo = await timelineCheckpoint(trx);
  const seqs: number[] = [];
  for (let until = before; ;) {
    const found = await profilesStore.timelineSeqs(trx, nodes, { before: until, limit: PAGE, indexedUpTo });
    seqs.push(...found);
    if (found.length < PAGE) break;
    until = found.at(-1) as number;
  }
  seqs.sort((a, b) => a - b);
  const events: LoggedEvent[] = [];
  for (let i = 0; i < seqs.length; i += PAGE) events.push(...(await eventLog.bySeq(trx, seqs.slice(i, i + PAGE))));
  return events.sort((a, b) => Number(a.seq) - Number(b.seq));
};
