import { Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import type { Db } from '../storage/index.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import { quarantineStore } from './quarantine.store.js';
import { sourceStatsStore } from './source-stats.store.js';

const DriftEntry = Type.Object({
  sourceId: Type.String(),
  type: Type.String(),
  path: Type.String({ description: 'JSON pointer into the event properties' }),
  kind: Type.Union([Type.Literal('undeclared_field'), Type.Literal('type_mismatch')]),
  schemaVersion: Type.Integer(),
  count: Type.Integer(),
  example: Type.String({ description: 'eventId of the latest event that showed it' }),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
});

const Totals = Type.Object({ accepted: Type.Integer(), duplicate: Type.Integer(), quarantined: Type.Integer() });

/**
 * Per-source data-quality counters and contract-drift signals: what the data steward of a source
 * looks at when its events stop landing or start failing their contract.
 */
export const registerSourceStatsRoutes = (app: HttpServer, deps: { db: Db; clock: Clock }): void => {
  app.get(
    '/v1/sources/:id/stats',
    {
      config: { auth: { scope: 'sources:read' } },
      schema: {
        tags: ['sources'],
        summary: 'Accepted, duplicate and quarantined counts per day and reason',
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 400, default: 7 }) }),
        response: {
          200: Type.Object({
            sourceId: Type.String(),
            since: Type.String(),
            totals: Totals,
            quarantinedByReason: Type.Record(Type.String(), Type.Integer()),
            days: Type.Array(
              Type.Object({ day: Type.String(), accepted: Type.Integer(), duplicate: Type.Integer(), quarantined: Type.Integer() }),
            ),
            openQuarantine: Type.Integer(),
            drift: Type.Array(DriftEntry),
          }),
          ...errors(401, 403),
        },
      },
    },
    async (request) => {
      const sourceId = request.params.id;
      const since = new Date(deps.clock.now().getTime() - (request.query.days - 1) * 86_400_000).toISOString().slice(0, 10);
      const [counters, open, drift] = await Promise.all([
        sourceStatsStore.counters(deps.db, { sourceId, since }),
        quarantineStore.countOpenByReason(deps.db, sourceId),
        sourceStatsStore.drift(deps.db, sourceId),
      ]);
      const totals = { accepted: 0, duplicate: 0, quarantined: 0 };
      const byReason: Record<string, number> = {};
      const days = new Map<string, { day: string; accepted: number; duplicate: number; quarantined: number }>();
      for (const c of counters) {
        const day = days.get(c.day) ?? { day: c.day, accepted: 0, duplicate: 0, quarantined: 0 };
        day[c.outcome] += c.count;
        days.set(c.day, day);
        // A quarantined event counts once per distinct reason; the day's total counts reasons too.
        totals[c.outcome] += c.count;
        if (c.outcome === 'quarantined') byReason[c.reason] = (byReason[c.reason] ?? 0) + c.count;
      }
      return {
        sourceId,
        since,
        totals,
        quarantinedByReason: byReason,
        days: [...days.values()],
        openQuarantine: open.reduce((n, r) => n + r.count, 0),
        drift,
      };
    },
  );

  app.get(
    '/v1/drift',
    {
      config: { auth: { scope: 'sources:read' } },
      schema: {
        tags: ['sources'],
        summary: 'Contract-drift signals of every source: fields or types sources send that their contracts do not declare',
        response: { 200: Type.Object({ items: Type.Array(DriftEntry) }), ...errors(401, 403) },
      },
    },
    async () => ({ items: await sourceStatsStore.drift(deps.db) }),
  );
};
