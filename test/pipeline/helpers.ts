/**
 * Shared helpers of the pipeline and CLI tests: a tiny synthetic dataset written as real NetCDF
 * files with the config that forecasts it, and running the CLI as a user does.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateStorms } from '../../datasets/synthetic/storms.js';
import { writeSyntheticNetcdf } from '../../datasets/synthetic/write-synthetic.js';
import { validateConfig, type LoadedConfig } from '../../pipeline/config/load-config.js';
import { repoRoot } from '../helpers.js';

/** Runs `gridcast ARGS…` in a child process (tsx), returning exit code, stdout and stderr. */
export function gridcast(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin', 'gridcast.ts'), ...args], { encoding: 'utf8', cwd: repoRoot, maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export interface TinyOptions {
  /** Time steps of synthetic data. Default 36. */
  times?: number;
  /** Grid size. Default 12. */
  size?: number;
  /** Merged over the config (shallow per top-level section). */
  config?: Record<string, any>;
}

/**
 * Writes synthetic storms (precip, tcw, sst; sst NaN over land) as NetCDF files into `dir`
 * (created when missing) and a config over precip and tcw (tiny one-layer ConvLSTM, one epoch, outputs under `dir/out`)
 * to `dir/config.json`. Returns the loaded config.
 */
export async function tinyDataset(dir: string, o: TinyOptions = {}): Promise<LoadedConfig> {
  const size = o.size ?? 12;
  mkdirSync(dir, { recursive: true });
  const grid = generateStorms({ times: o.times ?? 36, height: size, width: size, seed: 3, storms: 3 });
  await writeSyntheticNetcdf(grid, dir, 'storms');
  const base: Record<string, any> = {
    name: 'tiny',
    out: 'out',
    seed: 7,
    backend: 'auto',
    data: {
      sources: [{ files: 'storms_precip.nc', variable: 'precip' }, { files: 'storms_tcw.nc', variable: 'tcw' }],
      tIn: 3,
      tOut: 2,
      split: { train: 0.6, val: 0.2, test: 0.2 },
    },
    model: { kind: 'convlstm', hiddenDim: 4, numLayers: 1, kernelSize: [3, 3] },
    train: { epochs: 1, batchSize: 8, learningRate: 0.01 },
    predict: { formats: ['geotiff', 'netcdf', 'png'] },
  };
  const c = o.config ?? {};
  const config = Object.fromEntries([...new Set([...Object.keys(base), ...Object.keys(c)])].map((k) => [
    k, base[k] && typeof base[k] === 'object' && c[k] && typeof c[k] === 'object' && !Array.isArray(c[k]) ? { ...base[k], ...c[k] } : c[k] ?? base[k],
  ]));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 1));
  return validateConfig(config, file, dir);
}
