#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../core/package-info.js';
import { registerBenchCommand } from './bench.command.js';
import { registerMigrateCommand } from './migrate.command.js';
import { registerStartCommand } from './start.command.js';
import { registerSimulateCommand } from './simulate.command.js';
import { registerDemoCommand } from './demo.command.js';

/** The `tessera` command line: one sub-command per file, each with its own --help. */
const program = new Command()
  .name('tessera')
  .description('Tessera: a real-time Customer Data Platform for telecom operators')
  .version(VERSION);

registerStartCommand(program);
registerMigrateCommand(program);
registerSimulateCommand(program);
registerDemoCommand(program);
registerBenchCommand(program);

await program.parseAsync(process.argv);
