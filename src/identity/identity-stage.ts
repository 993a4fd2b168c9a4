import type { LoggedEvent } from '../bus/index.js';
import type { Clock } from '../core/clock.js';
import { sha256Hex } from '../core/hash.js';
import type { IdGenerator } from '../core/ids.js';
import { compiledOnce, runInChunks, type Db } from '../storage/index.js';
import type { BlockedIdentifiers } from './blocked-identifiers.js';
import { byPriority, type IdentifierRegistry } from './identifier-types.js';
import {
  compareEvents,
  epochAt,
  lineBoundaries,
  resolveGraph,
  valueKey,
  type GraphFinding,
  type GraphRules,
  type Person,
} from './identity-graph.js';
import { mergeMessage, simSwapMessage, splitMessage, type IdentityMessage } from './identity-messages.js';
import { IdentityReadCache } from './identity-read-cache.js';
import { identityStore, pairKey, type AccountRelationRow, type StoredEdge, type StoredNode, type StoredValue } from './identity.store.js';
import { observe, type EventRef, type IdRef, type Observation } from './observe.js';
import { assignProfiles } from './profile-assignment.js';
import { billToProfiles, nodeCovering, recordSessions, sessionProfile } from './event-attribution.js';

export interface IdentityRules extends GraphRules {
  /** A contact value seen on more than this many distinct persons stops being a merge key. */
  readonly autoBlockPersons: number;
}

export interface IdentityBatchResult {
  /** The profile each event of the batch resolved to (null: reference data, or an account no person is known on yet). */
  readonly resolved: ReadonlyMap<number, string | null>;
  readonly recomputedComponents: number;
  /** Profiles absorbed into an older one, and profiles split, in this batch (the profile stage folds or rebuilds their state). */
  readonly merged: readonly { readonly survivor: string; readonly absorbed: readonly string[] }[];
  readonly split: readonly { readonly from: string; readonly into: readonly string[] }[];
}

/** Rows one `event_profiles` insert sends (4 parameters a row). */
const EVENT_ROWS_CHUNK = 1024;

const idRefOf = (key: string): IdRef => {
  const colon = key.indexOf(':');
  return { type: key.slice(0, colon) as IdRef['type'], value: key.slice(colon + 1) };
};

/** The node of a value at a time by its line ends alone (a value with a TTL is found by its nodes' validity instead). */
const lineNodeKeyOf = (types: IdentifierRegistry, key: string, ends: readonly string[] | undefined, at: string): string =>
  types[idRefOf(key).type].class === 'line' ? `${key}#${epochAt(lineBoundaries(ends), at)}` : key;

/**
 * The identity stage of the pipeline (decision 0007). For a batch of logged events it stores the
 * new evidence (values, distinct edges, line ends), recomputes every candidate component the
 * evidence touches from everything stored about it — the same computation a rebuild does — gives
 * the persons stable profile ids, writes merges, splits and SIM swaps to the outbox, and resolves
 * each event to a profile. Batches that only repeat known evidence take a fast path.
 */
export class IdentityStage {
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #blocked: BlockedIdentifiers;
  readonly #rules: IdentityRules;
  readonly #cache = new IdentityReadCache();

  constructor(deps: { clock: Clock; ids: IdGenerator; blocked: BlockedIdentifiers; rules: IdentityRules }) {
    this.#clock = deps.clock;
    this.#ids = deps.ids;
    this.#blocked = deps.blocked;
    this.#rules = deps.rules;
  }

  async process(trx: Db, events: readonly LoggedEvent[]): Promise<IdentityBatchResult> {
    const now = this.#clock.now().toISOString();
    const types = this.#rules.types;
    const hasTtl = (key: string): boolean => types[idRefOf(key).type].ttlDays !== null;
    const nodeKeyOf = (key: string, ends: readonly string[] | undefined, at: string): string => lineNodeKeyOf(types, key, ends, at);
    const observations = events.map((event) => observe(event, types));
    // Each event's merge keys (blocked values left out), strongest first; computed once per batch.
    const mergeKeys = new Map<Observation, string[]>();
    const keysOf = (o: Observation): string[] => mergeKeys.get(o) as string[];
    // 0. The steady state: events of known lines that bring nothing new resolve from memory; only
    // the others (`loud`) go through the evidence below. Their answer stands unless the batch
    // changes their anchor value (found below; such an event is then resolved like the others).
    const steady = new Map<Observation, string>();
    for (const o of observations) {
      const keys: string[] = [];
      let anchor: IdRef | undefined;
      let withTtl = false;
      for (const id of o.keys) {
        if (this.#blocked.has(id.type, id.value)) continue;
        anchor ??= id;
        keys.push(valueKey(id));
        if (types[id.type].ttlDays !== null) withTtl = true;
      }
      mergeKeys.set(o, keys);
      if (anchor === undefined || o.lineEnds.length > 0 || o.session || o.simSwap || withTtl) continue;
      const profile = this.#cache.steadyProfile(keys, o.event, types[anchor.type].class === 'line');
      if (profile !== undefined) steady.set(o, profile);
    }
    const loud = steady.size === 0 ? observations : observations.filter((o) => !steady.has(o));

    // 1. The evidence this batch brings, compared with what is stored.
    const batchKeys = [...new Set(loud.flatMap((o) => [...keysOf(o), ...o.lineEnds.map(valueKey)]))];
    const stored = await this.#cache.values(trx, batchKeys);
    const pairs = new Map<string, { a: string; b: string; first: EventRef; last: EventRef }>();
    const firstSeen = new Map<string, EventRef>();
    for (const o of loud) {
      const [anchor, ...others] = keysOf(o);
      if (anchor === undefined) continue;
      for (const key of [anchor, ...others]) {
        const known = firstSeen.get(key);
        if (!known || compareEvents(o.event, known) < 0) firstSeen.set(key, o.event);
      }
      for (const other of others) {
        const [a, b] = pairKey(anchor, other);
        const current = pairs.get(`${a}|${b}`);
        pairs.set(`${a}|${b}`, {
          a,
          b,
          first: current && compareEvents(current.first, o.event) <= 0 ? current.first : o.event,
          last: current && compareEvents(current.last, o.event) >= 0 ? current.last : o.event,
        });
      }
    }
    const endsStored = await this.#cache.lineEnds(trx, batchKeys);
    const existingEdges = await this.#cache.existingEdges(
      trx,
      [...pairs.values()].map((p) => [p.a, p.b] as const),
    );

    const dirty = new Set<string>();
    const newValues: StoredValue[] = [];
    const valueUpdates: StoredValue[] = [];
    for (const [key, event] of firstSeen) {
      const known = stored.get(key);
      if (!known) newValues.push({ valueKey: key, component: key, firstEvent: event });
      else if (compareEvents(event, known.firstEvent) < 0) valueUpdates.push({ ...known, firstEvent: event });
      else continue;
      dirty.add(key);
    }
    const edgeWrites: StoredEdge[] = [];
    for (const [k, p] of pairs) {
      const known = existingEdges.get(k);
      const ends = (key: string) => endsStored.get(key);
      const epochChanged =
        known &&
        (nodeKeyOf(p.a, ends(p.a), p.last.at) !== nodeKeyOf(p.a, ends(p.a), known.last.at) ||
          nodeKeyOf(p.b, ends(p.b), p.last.at) !== nodeKeyOf(p.b, ends(p.b), known.last.at));
      const earlier = known && compareEvents(p.first, known.first) < 0;
      // A link with a TTL lives from its first to its last sighting: every later sighting is
      // stored (and the component recomputed), so that its expiry never depends on batching.
      const refreshed = known && (hasTtl(p.a) || hasTtl(p.b)) && compareEvents(p.last, known.last) > 0;
      if (known && !epochChanged && !earlier && !refreshed) continue;
      edgeWrites.push({
        a: p.a,
        b: p.b,
        component: known?.component ?? '',
        first: known && !earlier ? known.first : p.first,
        last: known && !epochChanged && !refreshed ? known.last : p.last,
      });
      dirty.add(p.a).add(p.b);
    }
    const endWrites: { valueKey: string; event: EventRef }[] = [];
    for (const o of loud) {
      for (const id of o.lineEnds) {
        const key = valueKey(id);
        if (endsStored.get(key)?.includes(o.event.at)) continue;
        endWrites.push({ valueKey: key, event: o.event });
        if (stored.has(key) || firstSeen.has(key)) dirty.add(key);
      }
    }

    // 2. Store the evidence; join candidate components that new edges connect.
    // Values whose stored evidence the batch changes: a steady answer of an event anchored on one no longer stands.
    const changed = new Set<string>();
    if (endWrites.length > 0) {
      await identityStore.insertLineEnds(trx, endWrites);
      this.#cache.forget(endWrites.map((e) => e.valueKey));
      for (const e of endWrites) changed.add(e.valueKey);
    }
    let recomputed = 0;
    const merged: { survivor: string; absorbed: readonly string[] }[] = [];
    const split: { from: string; into: readonly string[] }[] = [];
    const profileOfNode = new Map<string, string>();
    if (dirty.size > 0) {
      const label = new Map<string, string>();
      const find = (c: string): string => {
        let root = c;
        while (label.has(root) && label.get(root) !== root) root = label.get(root) as string;
        return root;
      };
      const componentOf = (key: string): string => stored.get(key)?.component ?? key;
      for (const edge of edgeWrites) {
        const ra = find(componentOf(edge.a));
        const rb = find(componentOf(edge.b));
        if (ra === rb) continue;
        const [keep, drop] = ra < rb ? [ra, rb] : [rb, ra];
        label.set(keep, keep);
        label.set(drop, keep);
      }
      const finalOf = (key: string): string => find(componentOf(key));
      // Stored components that joined another are relabelled; new values get the final label on insert.
      const storedComponents = new Set([...stored.values()].map((v) => v.component));
      const moves = new Map<string, string>();
      for (const [from] of label) if (find(from) !== from && storedComponents.has(from)) moves.set(from, find(from));
      await identityStore.relabel(trx, moves);
      await identityStore.insertValues(
        trx,
        newValues.map((v) => ({ ...v, component: finalOf(v.valueKey) })),
      );
      for (const v of valueUpdates) {
        await trx
          .updateTable('identity_values')
          .set({ first_event: JSON.stringify(v.firstEvent), first_at: v.firstEvent.at })
          .where('value_key', '=', v.valueKey)
          .execute();
      }
      await identityStore.upsertEdges(
        trx,
        edgeWrites.map((e) => ({ ...e, component: finalOf(e.a) })),
      );
      const affected = [...new Set([...dirty].map(finalOf))];
      recomputed = affected.length;
      const changes = await this.#recompute(trx, affected, [...moves.keys()], now);
      for (const [node, profile] of changes.profileOfNode) profileOfNode.set(node, profile);
      for (const key of changes.values) changed.add(key);
      merged.push(...changes.merged);
      split.push(...changes.split);
    }
    for (const e of endWrites) {
      const list = endsStored.get(e.valueKey) ?? [];
      if (!list.includes(e.event.at)) endsStored.set(e.valueKey, [...list, e.event.at].sort());
    }

    // 3. Resolve each event to the profile of its strongest identifier's node at its time.
    await recordSessions(trx, observations);
    const resolved = new Map<number, string | null>();
    // A steady answer stands unless the batch changed the anchor; such an event is resolved from
    // the store as it is now, with the others.
    const resolveKeys = new Set(batchKeys);
    const unsettled: string[] = [];
    for (const o of steady.keys()) {
      const anchor = keysOf(o)[0] as string;
      if (!changed.has(anchor)) continue;
      steady.delete(o);
      if (!resolveKeys.has(anchor)) unsettled.push(anchor);
      resolveKeys.add(anchor);
    }
    if (unsettled.length > 0) for (const [key, ends] of await this.#cache.lineEnds(trx, unsettled)) endsStored.set(key, ends);
    // Values with a TTL are found by their nodes' validity: their epochs come from link spans, not stored ends.
    const ttlNodes = new Map<string, StoredNode[]>();
    for (const node of await this.#cache.nodesOfValues(trx, [...resolveKeys])) {
      if (!profileOfNode.has(node.nodeKey)) profileOfNode.set(node.nodeKey, node.profileId);
      if (hasTtl(node.valueKey)) ttlNodes.set(node.valueKey, [...(ttlNodes.get(node.valueKey) ?? []), node]);
    }
    const profileAt = (key: string, at: string): string | null => {
      if (!hasTtl(key)) return profileOfNode.get(nodeKeyOf(key, endsStored.get(key), at)) ?? null;
      const node = nodeCovering(ttlNodes.get(key) ?? [], at);
      return node ? (profileOfNode.get(node.nodeKey) ?? node.profileId) : null;
    };
    const eventRows: { seq: number; value_key: string | null; occurred_at: string; profile_id: string | null }[] = [];
    const accountOnly: Observation[] = [];
    for (const o of observations) {
      const settled = steady.get(o);
      if (settled !== undefined) {
        resolved.set(o.event.seq, settled);
        continue;
      }
      const anchor = keysOf(o)[0];
      let profile: string | null = null;
      if (anchor !== undefined) profile = profileAt(anchor, o.event.at);
      else profile = await sessionProfile(trx, o, profileOfNode, types);
      if (profile === null && anchor === undefined && o.accounts.length > 0) accountOnly.push(o);
      resolved.set(o.event.seq, profile);
    }
    if (accountOnly.length > 0) {
      // Relations this batch brings count too: a bill may arrive in the batch that activates the line.
      const batchRelations = observations.flatMap((o) => {
        const profile = resolved.get(o.event.seq);
        return profile ? o.accounts.map((a) => ({ account_id: a.accountId, profile_id: profile, role: a.role, last_at: o.event.at })) : [];
      });
      const billTo = await billToProfiles(
        trx,
        accountOnly.flatMap((o) => o.accounts.map((a) => a.accountId)),
        batchRelations,
      );
      for (const o of accountOnly) resolved.set(o.event.seq, billTo.get(o.accounts[0]?.accountId ?? '') ?? null);
    }
    for (const o of observations) {
      const anchor = keysOf(o)[0];
      eventRows.push({
        seq: o.event.seq,
        value_key: anchor ?? null,
        occurred_at: o.event.at,
        profile_id: resolved.get(o.event.seq) ?? null,
      });
    }
    await this.#writeBatchFacts(trx, observations, resolved, eventRows, now);
    return { resolved, recomputedComponents: recomputed, merged, split };
  }

  /** Drops everything read into memory; the pipeline calls it when a batch fails (its writes rolled back). */
  forgetCache(): void {
    this.#cache.clear();
  }

  /** Recomputes the components holding these values (after a link removal, say). */
  async recomputeValues(trx: Db, valueKeys: readonly string[]): Promise<Pick<IdentityBatchResult, 'merged' | 'split'>> {
    const values = await identityStore.values(trx, valueKeys);
    const components = [...new Set([...values.values()].map((v) => v.component))];
    if (components.length === 0) return { merged: [], split: [] };
    return this.#recompute(trx, components, [], this.#clock.now().toISOString());
  }

  /** Forgets everything derived from the log (not the operators' link removals) for a rebuild. */
  async reset(trx: Db): Promise<void> {
    this.#cache.clear();
    for (const table of [
      'identity_values',
      'identity_edges',
      'identity_line_ends',
      'identity_nodes',
      'identity_findings',
      'profiles',
      'profile_accounts',
      'device_sessions',
      'event_profiles',
    ] as const) {
      await trx.deleteFrom(table).execute();
    }
  }

  /** Recomputes candidate components from stored evidence; answers node → profile, and the merges and splits. */
  async #recompute(
    trx: Db,
    components: readonly string[],
    retired: readonly string[],
    now: string,
  ): Promise<{
    profileOfNode: Map<string, string>;
    merged: readonly { survivor: string; absorbed: readonly string[] }[];
    split: readonly { from: string; into: readonly string[] }[];
    /** The values of the components recomputed: their nodes may have changed. */
    values: readonly string[];
  }> {
    const data = await identityStore.componentData(trx, components);
    // Everything of these components is about to change: read it from the store next time.
    this.#cache.forget(data.values.map((v) => v.valueKey));
    const ends = await identityStore.lineEnds(
      trx,
      data.values.map((v) => v.valueKey),
    );
    const removedLinks = await identityStore.removedLinks(trx);

    // Observations rebuilt from evidence: one per event, holding every value it brought.
    const byEvent = new Map<string, { event: EventRef; keys: Set<string> }>();
    const add = (event: EventRef, ...keys: string[]): void => {
      const k = `${event.sourceId}\u0000${event.eventId}`;
      const entry = byEvent.get(k) ?? { event, keys: new Set<string>() };
      for (const key of keys) entry.keys.add(key);
      byEvent.set(k, entry);
    };
    for (const v of data.values) add(v.firstEvent, v.valueKey);
    for (const e of data.edges) {
      add(e.first, e.a, e.b);
      add(e.last, e.a, e.b);
    }
    const types = this.#rules.types;
    const strongestFirst = byPriority(types);
    const observations: Observation[] = [...byEvent.values()].map(({ event, keys }) => ({
      event,
      keys: [...keys].map(idRefOf).sort((x, y) => strongestFirst(x, y) || x.value.localeCompare(y.value)),
      accounts: [],
      devices: [],
      lineEnds: [],
    }));

    // Auto-block: a contact value that, without contact values, touches more than K persons.
    const contacts = data.values.map((v) => v.valueKey).filter((k) => types[idRefOf(k).type].class === 'contact');
    const withoutContacts = resolveGraph({ observations, lineEnds: ends, blocked: new Set(contacts), removedLinks }, this.#rules);
    const personOfNode = new Map<string, number>();
    withoutContacts.persons.forEach((p, i) => p.nodes.forEach((n) => personOfNode.set(n.key, i)));
    const autoBlocked = new Set<string>();
    const edgesOf = new Map<string, StoredEdge[]>();
    for (const e of data.edges) {
      for (const end of [e.a, e.b]) {
        const list = edgesOf.get(end);
        if (list) list.push(e);
        else edgesOf.set(end, [e]);
      }
    }
    for (const contact of contacts) {
      const touched = new Set<number>();
      for (const e of edgesOf.get(contact) ?? []) {
        const other = e.a === contact ? e.b : e.a;
        for (const at of [e.first.at, e.last.at]) {
          const node = withoutContacts.nodeOf(idRefOf(other), at);
          const person = node === undefined ? undefined : personOfNode.get(node);
          if (person !== undefined) touched.add(person);
        }
      }
      if (touched.size > this.#rules.autoBlockPersons) autoBlocked.add(contact);
    }
    const graph = resolveGraph({ observations, lineEnds: ends, blocked: autoBlocked, removedLinks }, this.#rules);

    const created = await identityStore.profilesCreated(trx, [...new Set(data.nodes.map((n) => n.profileId))]);
    const previous = new Map(data.nodes.map((n) => [n.nodeKey, { profileId: n.profileId, createdAt: created.get(n.profileId) ?? '' }]));
    const changes = assignProfiles(
      graph.persons,
      previous,
      (person: Person) =>
        `p_${sha256Hex(`${person.firstSeen.sourceId}\u0000${person.firstSeen.eventId}\u0000${person.nodes[0]?.key ?? ''}`).slice(0, 24)}`,
    );

    const componentOfValue = new Map(data.values.map((v) => [v.valueKey, v.component]));
    const nodes: StoredNode[] = [];
    const out = new Map<string, string>();
    for (const { profileId, person } of changes.persons) {
      for (const node of person.nodes) {
        const vk = `${node.type}:${node.value}`;
        nodes.push({
          nodeKey: node.key,
          valueKey: vk,
          type: node.type,
          value: node.value,
          epoch: node.epoch,
          validFrom: node.validFrom,
          validTo: node.validTo,
          profileId,
          component: componentOfValue.get(vk) ?? (components[0] as string),
          reason: person.reasons.get(node.key),
        });
        out.set(node.key, profileId);
      }
    }
    await identityStore.replaceNodes(trx, [...components, ...retired], nodes);
    const fresh = changes.persons.filter((p) => p.isNew);
    for (let i = 0; i < fresh.length; i += 1000) {
      await trx
        .insertInto('profiles')
        .values(
          fresh.slice(i, i + 1000).map((p) => ({ id: p.profileId, created_at: p.person.firstSeen.at, updated_at: now, merged_into: null })),
        )
        .onConflict((oc) => oc.column('id').doUpdateSet({ merged_into: null, updated_at: now }))
        .execute();
    }
    const personOf = new Map(changes.persons.map((p) => [p.profileId, p.person]));
    const previousProfileOf = (nodeKey: string): string | undefined => previous.get(nodeKey)?.profileId;
    for (const m of changes.merged) {
      await trx
        .updateTable('profiles')
        .set({ merged_into: m.survivor, updated_at: now })
        .where('id', 'in', [...m.absorbed])
        .execute();
      await identityStore.moveAccounts(trx, m.absorbed, m.survivor);
      await this.#outbox(trx, mergeMessage(m, personOf.get(m.survivor), previousProfileOf), now);
    }
    const profileOfNode = (nodeKey: string): string | undefined => out.get(nodeKey);
    for (const s of changes.split) await this.#outbox(trx, splitMessage(s, profileOfNode, graph.findings), now);
    await this.#findings(
      trx,
      [
        ...graph.findings.filter((f) => !(f.kind === 'blocked-value' && f.nodes.some((n) => autoBlocked.has(n)))),
        ...[...autoBlocked].map((key): GraphFinding => ({
          kind: 'blocked-value',
          event: data.values.find((v) => v.valueKey === key)?.firstEvent as EventRef,
          nodes: [key],
          message: `${key} is seen on more than ${this.#rules.autoBlockPersons} persons: auto-blocked as a merge key`,
        })),
      ],
      now,
    );
    return { profileOfNode: out, merged: changes.merged, split: changes.split, values: data.values.map((v) => v.valueKey) };
  }

  async #writeBatchFacts(
    trx: Db,
    observations: readonly Observation[],
    resolved: ReadonlyMap<number, string | null>,
    eventRows: readonly { seq: number; value_key: string | null; occurred_at: string; profile_id: string | null }[],
    now: string,
  ): Promise<void> {
    await runInChunks(
      trx,
      eventRows,
      EVENT_ROWS_CHUNK,
      (size) =>
        compiledOnce(trx, `event_profiles ${size}`, () =>
          trx
            .insertInto('event_profiles')
            .values(Array.from({ length: size }, () => ({ seq: 0, value_key: null, occurred_at: '', profile_id: null })))
            .onConflict((oc) => oc.column('seq').doNothing()),
        ),
      (row, into) => into.push(row.seq, row.value_key, row.occurred_at, row.profile_id),
    );
    const relations: AccountRelationRow[] = [];
    for (const o of observations) {
      const profile = resolved.get(o.event.seq) ?? null;
      if (profile === null) continue;
      for (const account of o.accounts) {
        relations.push({
          profile_id: profile,
          account_id: account.accountId,
          role: account.role,
          first_at: o.event.at,
          last_at: o.event.at,
        });
      }
      const swap = simSwapMessage(o, profile);
      if (swap) await this.#outbox(trx, swap, now);
    }
    await identityStore.upsertAccounts(trx, relations);
  }

  /** Ids are derived from what a message describes (identity-messages.ts): a rebuild writes none twice. */
  async #outbox(trx: Db, message: IdentityMessage, now: string): Promise<void> {
    await trx
      .insertInto('outbox')
      .values({ id: message.id, type: message.type, subject: message.subject, data: JSON.stringify(message.data), created_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async #findings(trx: Db, findings: readonly GraphFinding[], now: string): Promise<void> {
    for (const f of findings) {
      const fingerprint = sha256Hex(`${f.kind}|${f.nodes.join('|')}|${f.event.sourceId}|${f.event.eventId}`);
      await trx
        .insertInto('identity_findings')
        .values({
          id: this.#ids.next(),
          kind: f.kind,
          fingerprint,
          event: JSON.stringify(f.event),
          nodes: JSON.stringify(f.nodes),
          message: f.message,
          created_at: now,
        })
        .onConflict((oc) => oc.column('fingerprint').doNothing())
        .execute();
    }
  }
}
