/** Options every pipeline command shares, and turning them into a loaded config. */
import { loadConfig, type LoadedConfig } from '../../pipeline/config/load-config.js';
import type { OutputMode } from './progress.js';
import { UsageError } from './command.js';

export const COMMON_OPTIONS = {
  backend: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
} as const;

export const COMMON_HELP = `  --backend B   auto|tensorflow|native|wasm|cpu (overrides the config)
  --seed N      random seed (overrides the config)
  --out DIR     output root (overrides the config's 'out')
  -q, --quiet   no progress output
  --json        machine-readable output: JSON lines on stdout
  -h, --help    show this help`;

/** Loads CONFIG and applies command-line overrides. */
export async function loadWithOverrides(file: string | undefined, values: Record<string, unknown>): Promise<LoadedConfig> {
  if (!file) throw new UsageError('a CONFIG file is required');
  const loaded = await loadConfig(file);
  const c = loaded.config;
  if (values.backend !== undefined) {
    const b = String(values.backend);
    if (!['auto', 'tensorflow', 'native', 'wasm', 'cpu'].includes(b)) throw new UsageError(`--backend must be auto|tensorflow|native|wasm|cpu, got '${b}'`);
    c.backend = b as typeof c.backend;
  }
  if (values.seed !== undefined) {
    const s = Number(values.seed);
    if (!Number.isInteger(s) || s < 0) throw new UsageError(`--seed must be a non-negative integer, got '${values.seed}'`);
    c.seed = s;
  }
  if (values.out !== undefined) c.out = String(values.out);
  return loaded;
}

/** The output mode chosen by --quiet / --json. */
export function outputMode(values: Record<string, unknown>): OutputMode {
  return values.json ? 'json' : values.quiet ? 'quiet' : 'human';
}
