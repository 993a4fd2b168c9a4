import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { SourceContract } from './contract.js';

export class ContractFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`contract file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ContractFileError';
  }
}

/**
 * Reads every `*.json` file of the contracts directory (sorted, so the order is stable), each
 * holding one source contract. A missing directory is no error: it just declares nothing.
 * A file that is not a valid contract stops start-up with the file and the paths named.
 */
export const readContractFiles = (dir: string): { file: string; contract: SourceContract }[] => {
  // A missing directory is the normal case for a fresh installation.
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) throw new ContractFileError(dir, ['TESSERA_CONTRACTS_DIR is not a directory']);
  const names = readdirSync(dir)
    .filter((name) => extname(name) === '.json')
    .sort();
  return names.map((name) => {
    const file = join(dir, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ContractFileError(file, [`not valid JSON: ${(err as Error).message}`]);
    }
    const withDefaults = Value.Default(SourceContract, parsed);
    const problems = [...Value.Errors(SourceContract, withDefaults)].map((e) => `${e.path || '/'}: ${e.message}`);
    if (problems.length > 0) throw new ContractFileError(file, problems.slice(0, 20));
    return { file, contract: withDefaults as SourceContract };
  });
};
