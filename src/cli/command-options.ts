import type { Command } from 'commander';
import { configHelp, exitOnConfigError, loadConfig } from './load-config.js';

/** An integer option's value, or an exit (code 2) that names the command and the option. */
export const integerOption = (command: string, name: string, value: string, min = 1): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`tessera ${command}: --${name} must be an integer ≥ ${min}, got "${value}"\n`);
    process.exit(2);
  }
  return n;
};

/** A world's seed as given on the command line: a number when it is all digits, else the text. */
export const seedOf = (text: string): number | string => (/^\d+$/.test(text) ? Number(text) : text);

/** `-c, --config <file>`, with every configuration key listed after the command's help. */
export const withConfigOption = (command: Command, description = 'JSON file with TESSERA_* keys (the environment wins)'): Command =>
  command.option('-c, --config <file>', description).addHelpText('after', configHelp());

/**
 * The API key to send to a server given by --url: --api-key, else TESSERA_ADMIN_KEY (from the
 * environment or the config file); an exit (code 2) when there is neither.
 */
export const apiKeyForUrl = (command: string, given: string | undefined, configFile?: string): string => {
  if (given) return given;
  let key: string | undefined;
  try {
    key = loadConfig(configFile).adminKey;
  } catch (err) {
    exitOnConfigError(err);
  }
  if (!key) {
    process.stderr.write(`tessera ${command}: --url needs --api-key (or TESSERA_ADMIN_KEY)\n`);
    process.exit(2);
  }
  return key;
};
