import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../core/package-info.js';

/** What a stage that starts the server in its own process needs to know. */
export interface ServerStageOptions {
  /** Node arguments that run the CLI (from source with the tsx loader, or dist). */
  readonly cli: readonly string[];
}

export interface RunningServer {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

/**
 * Starts `tessera start` as a separate process and resolves with its address once it logs it.
 * `command` is the Node arguments that run the CLI (from source with the tsx loader, or dist).
 */
export const spawnTessera = (
  command: readonly string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
  args: readonly string[] = [],
): Promise<RunningServer> =>
  new Promise((resolve, reject) => {
    // As `npm start` runs it: the process-wide young-generation flag of the bench process is left out
    // (the worker threads size their own; see WORKER_YOUNG_GENERATION_MB).
    const node = command.filter((arg) => !arg.startsWith('--max-semi-space-size'));
    const child = spawn(process.execPath, [...node, 'start', ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', TESSERA_PORT: '0', TESSERA_HOST: '127.0.0.1', TESSERA_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /"address":"(http:\/\/[^"]+)"[^\n]*"msg":"tessera started"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] as string, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });

/** Stops the server: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export const stopTessera = async (server: RunningServer, graceMs = 10_000): Promise<void> => {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  // Unreferenced: the wait must not keep the bench process alive once the server has exited.
  await Promise.race([exited, sleep(graceMs, undefined, { ref: false })]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
};
