#!/usr/bin/env node
/**
 * gridcast — forecast gridded weather data. The front door: one small module per command,
 * loaded only when that command runs (so `gridcast inspect` never loads TensorFlow.js).
 */
import { reportError, type Command } from './cli/command.js';

const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  run: async () => (await import('./commands/run.js')).runCommand,
  ingest: async () => (await import('./commands/ingest.js')).ingestCommand,
  train: async () => (await import('./commands/train.js')).trainCommand,
  evaluate: async () => (await import('./commands/evaluate.js')).evaluateCommand,
  predict: async () => (await import('./commands/predict.js')).predictCommand,
  inspect: async () => (await import('./commands/inspect.js')).inspectCommand,
  convert: async () => (await import('./commands/convert.js')).convertCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
  submit: async () => (await import('./commands/submit.js')).submitCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  schedule: async () => (await import('./commands/schedule.js')).scheduleCommand,
  registry: async () => (await import('./commands/registry.js')).registryCommand,
};

function usage(summaries: [string, string][]): string {
  const width = Math.max(...summaries.map(([n]) => n.length));
  return `usage: gridcast <command> [options]

commands:
${summaries.map(([n, s]) => `  ${n.padEnd(width)}  ${s}`).join('\n')}

Run 'gridcast <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const list = await Promise.all(Object.values(COMMANDS).map(async (load) => await load()));
    process.stdout.write(`${usage(list.map((c) => [c.name, c.summary]))}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    const { readFileSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    // bin/ under tsx, dist/bin/ when built: the package root is one or two levels up.
    const root = [join(import.meta.dirname, '..'), join(import.meta.dirname, '..', '..')].find((d) => existsSync(join(d, 'package.json')) && JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name === 'gridcast');
    process.stdout.write(`${root ? JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version : 'unknown'}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`gridcast: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  const command = await load();
  try {
    return await command.run(rest);
  } catch (e) {
    return reportError(e, command.help);
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.exitCode = reportError(e); },
);
