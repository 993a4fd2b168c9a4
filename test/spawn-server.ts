import { spawnTessera, type RunningServer } from '../src/bench/spawn-tessera.js';
import { PROJECT_ROOT } from '../src/core/package-info.js';

export const ROOT = PROJECT_ROOT;
/** Runs the CLI from source in one Node process (tsx as a loader, so a signal reaches the server itself). */
export const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

export type { RunningServer };
export const spawnServer = (env: Record<string, string>, timeoutMs?: number): Promise<RunningServer> => spawnTessera(CLI, env, timeoutMs);
