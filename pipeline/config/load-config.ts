/**
 * Reads a config file (YAML or JSON), validates it, and resolves relative paths against the
 * file's directory. Every problem becomes one ConfigError listing each bad field by its path
 * ("train.epochs: must be a positive integer"), with "did you mean" for misspelt keys.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type GridcastConfig } from './schema.js';

/** A loaded config: values with defaults, and the directory relative paths are resolved from. */
export interface LoadedConfig {
  config: GridcastConfig;
  /** The file it came from ('<inline>' for objects). */
  file: string;
  baseDir: string;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) {
    d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
  }
  return d[a.length][b.length];
}

/** The object schema at `path` (unwrapping defaults, optionals and arrays), if any. */
function schemaAt(path: PropertyKey[]): z.ZodType | undefined {
  let s: any = configSchema;
  const unwrap = () => { while (s && typeof s.unwrap === 'function' && !s.shape) s = s.unwrap(); };
  unwrap();
  for (const key of path) {
    if (typeof key === 'number') s = s?.element;
    else s = s?.shape?.[key];
    unwrap();
  }
  return s;
}

function suggest(key: string, path: PropertyKey[]): string {
  const shape = (schemaAt(path) as any)?.shape;
  if (!shape) return '';
  const known = Object.keys(shape);
  const best = known.map((k) => [k, distance(key, k)] as const).sort((a, b) => a[1] - b[1])[0];
  if (best && best[1] <= Math.max(2, Math.floor(key.length / 3))) return ` (did you mean '${best[0]}'?)`;
  return ` (known keys: ${known.join(', ')})`;
}

function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.flatMap((i) => {
    const at = i.path.length ? i.path.join('.') : '(top level)';
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${i.path.length ? `${at}.` : ''}${k}: unknown key${suggest(k, i.path)}`);
    return [`${at}: ${i.message}`];
  });
}

/** Validates a config object; `file` and `baseDir` say where it came from. */
export function validateConfig(raw: unknown, file = '<inline>', baseDir = process.cwd()): LoadedConfig {
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const lines = formatIssues(r.error.issues);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`, { file });
  }
  const c = r.data;
  const s = c.data.split;
  if (Math.abs(s.train + s.val + s.test - 1) > 1e-6) {
    throw new ConfigError(`data.split: train + val + test must be 1, got ${s.train + s.val + s.test}`, { file });
  }
  const names = new Set<string>();
  for (const [i, src] of c.data.sources.entries()) {
    const n = src.name ?? src.variable ?? 'band_data';
    if (names.has(n)) throw new ConfigError(`data.sources.${i}: channel name '${n}' is used twice; set 'name'`, { file });
    names.add(n);
  }
  for (const t of c.data.targets ?? []) {
    if (!names.has(t)) throw new ConfigError(`data.targets: '${t}' is not a channel (channels: ${[...names].join(', ')})`, { file });
  }
  return { config: c, file, baseDir };
}

/** Reads and validates a YAML or JSON config file. */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError('cannot read the config file', { file: path, cause });
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new ConfigError(`not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(cause as Error).message}`, { file: path, cause });
  }
  return validateConfig(raw, path, dirname(resolve(path)));
}

/** Resolves a config path against the config's directory. */
export function resolvePath(loaded: LoadedConfig, p: string): string {
  return isAbsolute(p) ? p : resolve(loaded.baseDir, p);
}
