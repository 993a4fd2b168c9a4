import type { Db } from '../storage/index.js';
import type { IdentifierRegistry } from './identifier-types.js';
import { compareEvents } from './identity-graph.js';
import { identityStore, type StoredNode } from './identity.store.js';
import type { Observation } from './observe.js';

/*
 * Attributing events that carry no merge key: app events on a device go to whoever was logged in
 * on it (rule 8), account-level events to the account's bill-to person (rule 2: accounts are
 * relationships; nobody is merged, the event is only attributed).
 */

/** A person related to an account, as a candidate bill-to person. */
export interface AccountCandidate {
  readonly account_id: string;
  readonly profile_id: string;
  readonly role: string;
  readonly last_at: string;
}

/**
 * Records the batch's app logins and logouts, in event-time order, before its events are
 * resolved: an app event in the same batch as its login goes to that login's person.
 */
export const recordSessions = async (trx: Db, observations: readonly Observation[]): Promise<void> => {
  const sessions = observations.filter((o) => o.session).sort((a, b) => compareEvents(a.event, b.event));
  for (const o of sessions) {
    const session = o.session as NonNullable<Observation['session']>;
    if (session.action === 'login') {
      await trx
        .insertInto('device_sessions')
        .values({ device_id: session.deviceId, login_at: o.event.at, app_user_id: session.appUserId, logout_at: null })
        .onConflict((oc) => oc.columns(['device_id', 'login_at']).doNothing())
        .execute();
    } else {
      await trx
        .updateTable('device_sessions')
        .set({ logout_at: o.event.at })
        .where('device_id', '=', session.deviceId)
        .where('app_user_id', '=', session.appUserId)
        .where('login_at', '<=', o.event.at)
        .where('logout_at', 'is', null)
        .execute();
    }
  }
};

/**
 * An account-level event (a bill, a payment with no line) goes to the account's bill-to person:
 * its payer, else the person most recently related to it. Accounts stay relationships (rule 2):
 * nobody is merged, the event is only attributed.
 */
export const billToProfiles = async (
  trx: Db,
  accountIds: readonly string[],
  batchRelations: readonly AccountCandidate[],
): Promise<Map<string, string>> => {
  const unique = [...new Set(accountIds)];
  const rows: AccountCandidate[] = batchRelations.filter((r) => unique.includes(r.account_id));
  for (let i = 0; i < unique.length; i += 2000) {
    rows.push(
      ...(await trx
        .selectFrom('profile_accounts')
        .select(['account_id', 'profile_id', 'role', 'last_at'])
        .where('account_id', 'in', unique.slice(i, i + 2000))
        .execute()),
    );
  }
  const rank = (r: AccountCandidate) => `${r.role === 'payer' ? 1 : 0}${r.last_at}`;
  const best = new Map<string, AccountCandidate>();
  for (const r of rows) {
    const known = best.get(r.account_id);
    if (!known || rank(r) > rank(known)) best.set(r.account_id, r);
  }
  return new Map([...best].map(([account, r]) => [account, r.profile_id]));
};

/** The node of a value whose validity (exclusive start, inclusive end) covers a time. */
export const nodeCovering = (nodes: readonly StoredNode[], at: string): StoredNode | undefined =>
  nodes.find((n) => (n.validFrom === null || n.validFrom < at) && (n.validTo === null || at <= n.validTo));

const DAY_MS = 86_400_000;

/**
 * An event with no merge key but a device goes to whoever was logged in on it at the time, unless
 * the login is older than the device type's TTL (a cookie or an app install not logged into for
 * that long is nobody's any more). Judged by event time, so a rebuild attributes the same way.
 */
export const sessionProfile = async (
  trx: Db,
  o: Observation,
  profileOfNode: Map<string, string>,
  types: IdentifierRegistry,
): Promise<string | null> => {
  const device = o.devices.find((d) => d.type === 'deviceId');
  if (!device) return null;
  const session = await trx
    .selectFrom('device_sessions')
    .selectAll()
    .where('device_id', '=', device.value)
    .where('login_at', '<=', o.event.at)
    .orderBy('login_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!session || (session.logout_at !== null && session.logout_at < o.event.at)) return null;
  const ttlDays = types.deviceId.ttlDays;
  if (ttlDays !== null && Date.parse(session.login_at) + ttlDays * DAY_MS < Date.parse(o.event.at)) return null;
  const key = `appUserId:${session.app_user_id}`;
  const known = profileOfNode.get(key);
  if (known) return known;
  // An app user id given epochs (a TTL, say) has several nodes: the one valid at the event's time.
  const node = nodeCovering(await identityStore.nodesOfValues(trx, [key]), o.event.at);
  return node?.profileId ?? null;
};
