/**
 * Synthetic generator → real files → ingest → tensors: the values in the shards must be exactly
 * the generator's, whatever the file layout (ascending latitudes, 0..360 longitudes) does.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStorms } from '../../../datasets/synthetic/storms.js';
import { writeSyntheticNetcdf } from '../../../datasets/synthetic/write-synthetic.js';
import { buildDataset } from '../../../datasets/dataset/build-dataset.js';
import { openDataset } from '../../../datasets/dataset/open-dataset.js';
import { isGridcastError } from '../../../datasets/errors.js';
import type { Grid } from '../../../datasets/grid/types.js';
import { run, tempDir } from '../../helpers.js';

const tmp = tempDir();
let grid: Grid;
let files: Record<string, string>;
beforeAll(async () => {
  grid = generateStorms({ times: 30, height: 12, width: 16, seed: 3 });
  files = await writeSyntheticNetcdf(grid, tmp.path, 'storms', { latAscending: true, lon0360: true });
});
afterAll(() => tmp.remove());

function expectSame(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) {
      throw new Error(`element ${i}: ${a[i]} !== ${b[i]}`);
    }
  }
}

describe('round trip: generator → NetCDF → dataset', () => {
  it('writes NetCDF that ncdump reads', () => {
    const header = run('ncdump', ['-h', files.precip]);
    expect(header).toMatch(/time = UNLIMITED ; \/\/ \(30 currently\)/);
    expect(header).toMatch(/float precip\(time, latitude, longitude\)/);
  });

  it('gives shards whose values equal the generator arrays exactly, north-up and rolled back', async () => {
    const out = join(tmp.path, 'ds');
    const info = await buildDataset({
      sources: ['precip', 'tcw', 'sst'].map((v) => ({ files: [files[v]], variable: v })),
      grid: { lon: '-180..180' },
      window: { tIn: 3, tOut: 2, split: { train: 0.6, val: 0.2, test: 0.2 } },
      targetChannels: ['precip', 'sst'],
      out,
      shardBytes: 20_000, // several shards per split
    });
    expect(info.grid.y).toEqual(Array.from(grid.y));
    expect(info.grid.x).toEqual(Array.from(grid.x));
    expect(info.times).toEqual(grid.times);
    expect(info.grid.geotransform).toEqual(grid.geotransform);
    expect(info.grid.crs).toEqual({ epsg: 4326 });
    expect(info.splits.train.shards.length).toBeGreaterThan(1);
    const ds = await openDataset(out);
    const C = 3;
    const plane = 12 * 16;
    for (const split of ['train', 'val', 'test'] as const) {
      const b = await ds.loadSplit(split);
      expect(b.count).toBe(info.splits[split].samples);
      for (let n = 0; n < b.count; n++) {
        const s = b.start[n];
        expectSame(b.inputs.subarray(n * 3 * C * plane, (n + 1) * 3 * C * plane), grid.values.subarray(s * C * plane, (s + 3) * C * plane));
        for (let k = 0; k < 2; k++) {
          const frame = (s + 3 + k) * C * plane;
          const tgt = b.targets.subarray((n * 2 + k) * 2 * plane, (n * 2 + k + 1) * 2 * plane);
          expectSame(tgt.subarray(0, plane), grid.values.subarray(frame, frame + plane));
          expectSame(tgt.subarray(plane), grid.values.subarray(frame + 2 * plane, frame + 3 * plane));
        }
      }
    }
    // Statistics: train frames 0..17, NaN (land) ignored.
    const trainFrames = grid.values.subarray(0, 18 * C * plane);
    const sst: number[] = [];
    for (let t = 0; t < 18; t++) for (let k = 0; k < plane; k++) { const v = trainFrames[(t * C + 2) * plane + k]; if (v === v) sst.push(v); }
    const mean = sst.reduce((a, b) => a + b, 0) / sst.length;
    expect(info.normalization.mean[2]).toBeCloseTo(mean, 6);
    expect(info.normalization.count[2]).toBe(sst.length);
    expect(readdirSync(tmp.path).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses mismatched sources, naming both, and leaves no dataset behind', async () => {
    const other = generateStorms({ times: 30, height: 12, width: 16, seed: 3, origin: [61, -20] });
    const shifted = await writeSyntheticNetcdf(other, join(tmp.path), 'shifted');
    const out = join(tmp.path, 'bad');
    let err: unknown;
    try {
      await buildDataset({ sources: [{ files: [files.precip], variable: 'precip' }, { files: [shifted.tcw], variable: 'tcw' }], window: { tIn: 2, tOut: 1 }, out });
    } catch (e) { err = e; }
    expect(isGridcastError(err, 'GridMismatch')).toBe(true);
    expect(String(err)).toContain('storms_precip.nc');
    expect(String(err)).toContain('shifted_tcw.nc');
    const short = generateStorms({ times: 29, height: 12, width: 16, seed: 3 });
    const shortFiles = await writeSyntheticNetcdf(short, tmp.path, 'short');
    await expect(buildDataset({ sources: [{ files: [files.precip], variable: 'precip' }, { files: [shortFiles.tcw], variable: 'tcw' }], window: { tIn: 2, tOut: 1 }, out })).rejects.toThrow(/time axes differ.*missing in the second: 2024-01-08T06:00:00Z/);
    await expect(buildDataset({ sources: [{ files: [files.precip], variable: 'rain' }], window: { tIn: 2, tOut: 1 }, out })).rejects.toThrow(/no variable 'rain'.*one of: precip/);
    expect(readdirSync(tmp.path).filter((f) => f.startsWith('bad'))).toEqual([]);
  });
});
