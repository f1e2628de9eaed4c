/**
 * Test fixture: synthetic storms on a 12 × 12 grid, 60 steps, and a config small enough for
 * CPU training in seconds (one ConvLSTM layer of 4 hidden channels, GeoTIFF output only).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareDemo } from '../../../pipeline/demo.js';
import { validateConfig, type LoadedConfig } from '../../../pipeline/config/load-config.js';

/** Writes data and `<dir>/config.json`; returns the loaded config. */
export async function tinyConfig(dir: string, o: { epochs?: number; name?: string; seed?: number } = {}): Promise<LoadedConfig> {
  const demo = await prepareDemo({ out: dir, data: { times: 60, height: 12, width: 12, seed: 1 }, epochs: o.epochs ?? 2, seed: o.seed ?? 7, backend: 'cpu' });
  const raw = JSON.parse(JSON.stringify(demo.config)) as Record<string, any>;
  raw.name = o.name ?? 'tiny-storms';
  raw.model = { ...raw.model, hiddenDim: [4], kernelSize: [3, 3], numLayers: 1 };
  raw.data.split = { train: 0.6, val: 0.2, test: 0.2 };
  raw.predict = { ...raw.predict, formats: ['geotiff'] };
  const file = join(dir, 'config.json');
  await writeFile(file, `${JSON.stringify(raw, null, 2)}\n`);
  return validateConfig(raw, file, dir);
}
