#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../core/package-info.js';
import { registerBenchCommand } from './bench.command.js';
import { registerChurnReportCommand } from './churn-report.command.js';
import { registerMigrateCommand } from './migrate.command.js';
import { registerStartCommand } from './start.command.js';
import { registerSimulateCommand } from './simulate.command.js';
import { registerDemoCommand } from './demo.command.js';
import { registerIdentityCommand } from './identity.command.js';
import { registerIdentityReportCommand } from './identity-report.command.js';
import { registerTrainCommand } from './train.command.js';

/**
 * The `tessera` command line: one sub-command per file, each with its own --help.
 * The shebang (and the npm scripts) give V8 a 64 MiB young generation: ingestion allocates many
 * short-lived objects per event, and the default 16 MiB costs about a sixth of the throughput
 * (measured in BENCHMARKS.md).
 */
const program = new Command()
  .name('tessera')
  .description('Tessera: a real-time Customer Data Platform for telecom operators')
  .version(VERSION);

registerStartCommand(program);
registerMigrateCommand(program);
registerSimulateCommand(program);
registerDemoCommand(program);
registerBenchCommand(program);
registerIdentityReportCommand(program);
registerIdentityCommand(program);
registerTrainCommand(program);
registerChurnReportCommand(program);

await program.parseAsync(process.argv);
