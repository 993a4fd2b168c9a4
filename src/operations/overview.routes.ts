import type { Clock } from '../core/clock.js';
import type { HttpServer } from '../server/http.js';
import { errors } from '../server/schemas.js';
import type { Db } from '../storage/index.js';
import { OverviewQuery, OverviewResponse } from './overview.schemas.js';
import { readOverview } from './overview.service.js';

/** The console's live overview: ingestion per source, pipeline lag, latency, freshness (issue 9). */
export const registerOverviewRoutes = (app: HttpServer, deps: { db: Db; clock: Clock }): void => {
  app.get(
    '/v1/operations/overview',
    {
      config: { auth: { scope: 'metrics:read' } },
      schema: {
        tags: ['operations'],
        summary: 'Per-minute ingestion per source, pipeline lag, end-to-end latency percentiles and freshness against each SLA',
        querystring: OverviewQuery,
        response: { 200: OverviewResponse, ...errors(400, 401, 403) },
      },
    },
    async (request) => readOverview(deps, request.query.minutes),
  );
};
