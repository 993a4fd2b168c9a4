import { CONFIG_KEYS, ConfigError, parseConfig, readConfigFile, type Config } from '../core/config.js';

/** The one place the process environment is read: env first, then the optional config file. */
export const loadConfig = (configFile: string | undefined, overrides: Record<string, string> = {}): Config => {
  const file = configFile ? readConfigFile(configFile) : {};
  return parseConfig({ ...process.env, ...overrides }, file);
};

export const configHelp = (): string =>
  '\nConfiguration (environment variables, or the same keys in a JSON file given with --config):\n' +
  Object.entries(CONFIG_KEYS)
    .map(([key, text]) => `  ${key.padEnd(30)} ${text}`)
    .join('\n');

/** Prints a configuration error naming the variables and exits; other errors are rethrown. */
export const exitOnConfigError = (err: unknown): never => {
  if (err instanceof ConfigError) {
    process.stderr.write(`tessera: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
};

/** The configuration, or an exit (code 2) naming the bad variables. */
export const loadConfigOrExit = (configFile: string | undefined, overrides: Record<string, string> = {}): Config => {
  try {
    return loadConfig(configFile, overrides);
  } catch (err) {
    return exitOnConfigError(err);
  }
};
