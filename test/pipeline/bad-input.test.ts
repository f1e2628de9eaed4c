/**
 * Bad input fails early, with a named error that says what is wrong, and leaves nothing behind:
 * a glob that matches no file, a checkpoint trained on other channels or another grid, and
 * predict inputs that lack time steps (too few before the issue time, or a file missing in a
 * series) — no dataset, no forecast directory.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStorms } from '../../datasets/synthetic/storms.js';
import { writeCog } from '../../datasets/writers/cog-writer.js';
import { validateConfig, type LoadedConfig } from '../../pipeline/config/load-config.js';
import { loadCheckpoint, saveCheckpoint } from '../../pipeline/checkpoint/checkpoint.js';
import { CheckpointError, ConfigError, MissingInputError } from '../../pipeline/errors.js';
import { runPipeline } from '../../pipeline/run.js';
import { ingest } from '../../pipeline/stages/ingest.js';
import { predict } from '../../pipeline/stages/predict.js';
import { train } from '../../pipeline/stages/train.js';
import { tempDir } from '../helpers.js';
import { tinyDataset } from './helpers.js';

const tmp = tempDir('gridcast-bad-');
const quiet = { log: () => {} };
let base: LoadedConfig;
let best: string;

/** The base config with other data sources / grid and its own output root. */
function variant(out: string, data: Record<string, unknown>): LoadedConfig {
  const c = structuredClone(base.config) as any;
  c.out = out;
  Object.assign(c.data, data);
  return validateConfig(c, base.file, base.baseDir);
}

beforeAll(async () => {
  base = await tinyDataset(tmp.path);
  const ds = (await ingest(base)).dataset;
  best = (await train(base, ds, quiet)).best;
});
afterAll(() => tmp.remove());

describe('bad input is refused before any work', () => {
  it('a source glob that matches nothing → MissingInputError naming the pattern; nothing written', async () => {
    const bad = variant('out-missing', { sources: [{ files: 'archive/era5_*.nc', variable: 'precip' }] });
    const err = await runPipeline(bad, quiet).catch((e) => e);
    expect(err).toBeInstanceOf(MissingInputError);
    expect(err.message).toMatch(/no file matches '.*archive\/era5_\*\.nc'/);
    expect(err.message).toMatch(/config\.json, variable 'precip'/);
    expect(existsSync(join(tmp.path, 'out-missing'))).toBe(false);
  });

  it('a checkpoint trained on other channels → CheckpointError; no forecast directory', async () => {
    const swapped = variant('out-swapped', { sources: [{ files: 'storms_tcw.nc', variable: 'tcw' }, { files: 'storms_precip.nc', variable: 'precip' }] });
    const err = await predict(swapped, { checkpoint: best, ...quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err.message).toMatch(/trained on channels \[precip, tcw\] but the predict inputs has \[tcw, precip\]/);
    expect(existsSync(join(tmp.path, 'out-swapped'))).toBe(false);
    const fewer = variant('out-fewer', { sources: [{ files: 'storms_precip.nc', variable: 'precip' }] });
    await expect(predict(fewer, { checkpoint: best, ...quiet })).rejects.toThrow(CheckpointError);
    expect(existsSync(join(tmp.path, 'out-fewer'))).toBe(false);
  });

  it('a checkpoint for another grid → CheckpointError; no forecast directory', async () => {
    const cropped = variant('out-cropped', { grid: { lon: '-180..180', coarsen: 1, coarsenMethod: 'subsample', bbox: { west: -20.5, east: -12.5, south: 50.5, north: 60.5 } } });
    const err = await predict(cropped, { checkpoint: best, ...quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err.message).toMatch(/checkpoint grid 12x12 .* differs from the predict inputs's \d+x\d+/);
    expect(existsSync(join(tmp.path, 'out-cropped'))).toBe(false);
  });

  it('too few steps before the issue time → MissingInputError; no output directory', async () => {
    const err = await predict(base, { checkpoint: best, at: '2024-01-01T06:00:00Z', ...quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(MissingInputError);
    expect(err.message).toMatch(/the inputs hold 2 steps up to the issue time but the model needs tIn=3/);
    expect(existsSync(join(tmp.path, 'out', 'forecasts'))).toBe(false);
    await expect(predict(base, { checkpoint: best, at: '2030-01-01T00:00:00Z', ...quiet })).rejects.toThrow(/no input time step at 2030-01-01T00:00:00Z/);
  });

  it('a file missing from a GeoTIFF series → MissingInputError naming the gap; no output directory', async () => {
    const dir = join(tmp.path, 'series');
    mkdirSync(dir, { recursive: true });
    const g = generateStorms({ times: 20, height: 12, width: 12, seed: 3, storms: 3 });
    const plane = 144;
    for (const [t, time] of g.times.entries()) {
      await writeCog(join(dir, `precip_${time.replace(/[-:]/g, '').slice(0, 11).replace('T', '')}.tif`), {
        width: 12, height: 12, bands: g.values.slice(t * 3 * plane, t * 3 * plane + plane), geotransform: g.geotransform, epsg: 4326, nodata: NaN,
      });
    }
    const series = variant('out-series', { sources: [{ files: 'series/precip_*.tif', timePattern: 'precip_%Y%m%d%H.tif', name: 'precip' }], targets: ['precip'] });
    const ck = (await train(series, (await ingest(series)).dataset, quiet)).best;
    const files = readdirSync(dir).sort();
    rmSync(join(dir, files[files.length - 2]!));
    const err = await predict(series, { checkpoint: ck, ...quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(MissingInputError);
    expect(err.message).toMatch(/input steps are not consecutive: 2024-01-05T06:00:00Z then 2024-01-05T18:00:00Z/);
    expect(existsSync(join(tmp.path, 'out-series', 'forecasts'))).toBe(false);
  });

  it('outputs never replace a directory that is not theirs (forecast --out-dir, checkpoint dir)', async () => {
    const mine = join(tmp.path, 'my-files');
    mkdirSync(mine, { recursive: true });
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    const err = await predict(base, { checkpoint: best, outDir: mine, ...quiet }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/my-files: refusing to replace this directory: it exists and is not a forecast run directory/);
    const ck = await loadCheckpoint(best);
    await expect(saveCheckpoint(mine, ck)).rejects.toThrow(/not a checkpoint directory \(no config\.json\)/);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
    expect(readFileSync(join(mine, 'notes.txt'), 'utf8')).toBe('keep me');
    // an earlier forecast run is replaced as before
    const again = join(tmp.path, 'fc-again');
    await predict(base, { checkpoint: best, outDir: again, ...quiet });
    await predict(base, { checkpoint: best, outDir: again, ...quiet });
    expect(readdirSync(again)).toContain('run.json');
  });
});
