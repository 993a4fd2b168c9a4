import fastifyStatic from '@fastify/static';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { PROJECT_ROOT } from '../core/package-info.js';
import type { HttpServer } from './http.js';

/** Where `npm run build` puts the console (`vite build console`, see console/vite.config.ts). */
export const DEFAULT_CONSOLE_DIR = join(PROJECT_ROOT, 'dist', 'console');

/** Paths that belong to the API: an unknown one is answered with the JSON 404, never with the console. */
export const isApiPath = (path: string): boolean =>
  path === '/v1' || path.startsWith('/v1/') || path.startsWith('/docs') || path === '/health' || path === '/metrics';

/**
 * Serves the built console at `/`: its files as they are (hashed assets cached for a year, the page
 * itself revalidated), and index.html for any other page path so the console's client-side routes
 * survive a reload. The console holds no secret — it asks for an API key and calls the API like any
 * client — so its files are public. When the console has not been built, nothing is registered and
 * every unknown path stays a JSON 404.
 */
export const registerConsole = async (app: HttpServer, options: { readonly dir: string; readonly log: Logger }): Promise<boolean> => {
  let indexHtml: string;
  try {
    indexHtml = readFileSync(join(options.dir, 'index.html'), 'utf8');
  } catch (err) {
    options.log.info({ dir: options.dir, err }, 'the console is not built (npm run build): not serving it');
    return false;
  }
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), auth: { public: true } };
      route.schema = { ...(route.schema ?? {}), hide: true };
    });
    await scope.register(fastifyStatic, {
      root: options.dir,
      prefix: '/',
      // One route per file found now, so an unknown path falls through to the handler below.
      wildcard: false,
      decorateReply: false,
      setHeaders: (reply, path) => {
        // Vite names assets by content hash, so they never change; index.html names the current ones.
        void reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    scope.get('/*', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      // A missing file (an extension) or an API path is a real 404, answered in the API's JSON form.
      if (isApiPath(path) || extname(path) !== '') return reply.callNotFound();
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
    });
  });
  return true;
};
