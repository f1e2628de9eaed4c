/**
 * The embedded default: synthetic storms written as real files — NetCDF classic for `tcw` and
 * `sst` (with a land mask of NaN), a Cloud-Optimized GeoTIFF per time step for `precip` (times
 * in the file names) — and the config that forecasts them, written to `<out>/config.json` so the
 * same run can be repeated with `gridcast run` or submitted to the queues.
 */
import { mkdir, writeFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateStorms, type SyntheticOptions } from '../datasets/synthetic/storms.js';
import { writeSyntheticNetcdf } from '../datasets/synthetic/write-synthetic.js';
import { writeCog } from '../datasets/writers/cog-writer.js';
import { validateConfig, type LoadedConfig } from './config/load-config.js';

export interface DemoOptions {
  /** Output root. */
  out: string;
  /** Synthetic data size and seed. Default 240 steps of 6 h on 32 × 32 cells. */
  data?: SyntheticOptions;
  seed?: number;
  epochs?: number;
  backend?: 'auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
}

/** Writes the demo data and config (data is reused when present) and returns the loaded config. */
export async function prepareDemo(o: DemoOptions): Promise<LoadedConfig> {
  const out = resolve(o.out);
  const dataDir = join(out, 'data');
  await mkdir(join(dataDir, 'precip'), { recursive: true });
  const synth = { times: 240, height: 32, width: 32, seed: 1, ...o.data };
  const marker = join(dataDir, `.generated-${JSON.stringify(synth).replace(/[^a-z0-9]/gi, '')}`);
  if (!(await stat(marker).then(() => true, () => false))) {
    const grid = generateStorms(synth);
    await writeSyntheticNetcdf({ ...grid, channels: grid.channels.slice(1), values: dropChannel(grid.values, grid.times.length, 3, grid.y.length * grid.x.length, 0) }, dataDir, 'storms', { lon0360: true });
    const plane = grid.y.length * grid.x.length;
    for (const [t, time] of grid.times.entries()) {
      const name = `precip_${time.replace(/[-:]/g, '').slice(0, 11).replace('T', '')}.tif`;
      await writeCog(join(dataDir, 'precip', name), {
        width: grid.x.length, height: grid.y.length, bands: grid.values.slice(t * 3 * plane, t * 3 * plane + plane),
        geotransform: grid.geotransform, epsg: 4326, nodata: NaN, bandDescriptions: ['precip'],
        metadata: { UNITS: 'mm h-1' },
      });
    }
    await writeFile(marker, new Date().toISOString());
  }
  const config = {
    name: 'storms-demo',
    out: '.',
    seed: o.seed ?? 42,
    backend: o.backend ?? 'auto',
    data: {
      sources: [
        { files: 'data/precip/precip_*.tif', timePattern: 'precip_%Y%m%d%H.tif', name: 'precip' },
        { files: 'data/storms_tcw.nc', variable: 'tcw' },
        { files: 'data/storms_sst.nc', variable: 'sst' },
      ],
      grid: { lon: '-180..180' },
      targets: ['precip', 'tcw'],
      tIn: 6,
      tOut: 3,
      split: { train: 0.7, val: 0.15, test: 0.15 },
    },
    model: { kind: 'convlstm', hiddenDim: [16, 16], kernelSize: [3, 3], numLayers: 2, residual: true },
    train: { epochs: o.epochs ?? 20, batchSize: 8, learningRate: 0.003, schedule: { kind: 'cosine', warmupEpochs: 1 } },
    evaluate: { thresholds: [{ channel: 'precip', thresholds: [1, 4], windows: [1, 3, 5] }] },
    predict: { formats: ['geotiff', 'netcdf', 'png'] },
  };
  await writeFile(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return validateConfig(config, join(out, 'config.json'), out);
}

/** (T, C, plane) without channel `drop`. */
function dropChannel(values: Float32Array, T: number, C: number, plane: number, drop: number): Float32Array {
  const out = new Float32Array(T * (C - 1) * plane);
  let o = 0;
  for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) {
    if (c === drop) continue;
    out.set(values.subarray((t * C + c) * plane, (t * C + c + 1) * plane), o);
    o += plane;
  }
  return out;
}
