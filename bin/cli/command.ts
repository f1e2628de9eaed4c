/**
 * The shape of a CLI command and the shared plumbing: argument parsing with `--help` everywhere,
 * and exit codes — 0 success, 2 bad usage or configuration, 1 runtime failure.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isGridcastError } from '../../datasets/errors.js';
import { isModelError } from '../../models/errors.js';

/** Bad command-line usage: exit code 2 with the command's usage text. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full help text (usage, options, examples). */
  help: string;
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** What `parse` returns: option values by name and the positional arguments. */
export interface Parsed {
  values: Record<string, any>;
  positionals: string[];
}

/** parseArgs with strict checking; unknown options become UsageError naming the option. */
export function parse(argv: string[], options: Options, allowPositionals = true): Parsed {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    return { values: r.values as Record<string, any>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Kinds of gridcast error that mean "the input or config is wrong" rather than "it broke". */
const CONFIG_KINDS = new Set(['InvalidOption', 'Config', 'UnknownVariable', 'MissingWeight', 'UnexpectedWeight', 'WeightShape']);

/** Prints an error for a person and returns the exit code it deserves. */
export function reportError(e: unknown, help?: string): number {
  if (e instanceof UsageError) {
    process.stderr.write(`gridcast: ${e.message}\n${help ? `\n${help}\n` : ''}`);
    return 2;
  }
  if (isGridcastError(e) || isModelError(e)) {
    process.stderr.write(`gridcast: ${e.name}: ${e.message}\n`);
    if (process.env.GRIDCAST_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`);
    return CONFIG_KINDS.has(e.kind) ? 2 : 1;
  }
  process.stderr.write(`gridcast: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}
