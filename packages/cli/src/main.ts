#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runCommand } from './commands.ts';

const [command = 'help', ...rest] = process.argv.slice(2);
const options = {
  tenant: { type: 'string', short: 't' },
  replace: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  sdk: { type: 'boolean' },
  'no-data': { type: 'boolean' },
  resolve: { type: 'string', multiple: true },
  name: { type: 'string' },
  version: { type: 'string' },
  records: { type: 'string' },
  label: { type: 'string' },
  'no-seed': { type: 'boolean' },
  'admin-email': { type: 'string' },
  'admin-name': { type: 'string' },
  'base-currency': { type: 'string' },
  'time-zone': { type: 'string' },
  'fiscal-year-start': { type: 'string' },
} as const;

try {
  // An unknown or malformed option is a usage error (one line naming it), not a stack trace.
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options });
  process.exitCode = await runCommand(command, positionals, values, (line) => console.log(line));
} catch (error) {
  console.error(`attain ${command}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
