/**
 * GeoTIFF time series made by another tool (GDAL converting our NetCDF): a multi-band file whose
 * bands are time steps (GDAL's NETCDF_DIM_time band metadata + time#units), and a series of
 * single-time tiled DEFLATE files with the time in their names. Both must ingest to exactly the
 * generator's values, and stack with NetCDF sources on the same grid.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStorms } from '../../../datasets/synthetic/storms.js';
import { writeSyntheticNetcdf } from '../../../datasets/synthetic/write-synthetic.js';
import { openFrameSource } from '../../../datasets/sources/frame-source.js';
import { openStack } from '../../../datasets/sources/stack.js';
import { isGridcastError } from '../../../datasets/errors.js';
import type { Grid } from '../../../datasets/grid/types.js';
import { run, tempDir } from '../../helpers.js';

const tmp = tempDir();
let grid: Grid;
let nc: Record<string, string>;
const series: string[] = [];
const T = 8;
const [H, W] = [9, 11];
beforeAll(async () => {
  grid = generateStorms({ times: T, height: H, width: W, seed: 5 });
  nc = await writeSyntheticNetcdf(grid, tmp.path, 'src');
  run('gdal_translate', ['-q', '-a_srs', 'EPSG:4326', '-of', 'GTiff', `NETCDF:${nc.precip}:precip`, join(tmp.path, 'multiband.tif')]);
  for (let t = 0; t < T; t++) {
    const stamp = grid.times[t].replace(/[-:]/g, '').slice(0, 11).replace('T', '');
    const out = join(tmp.path, `precip_${stamp}.tif`);
    run('gdal_translate', ['-q', '-a_srs', 'EPSG:4326', '-b', String(t + 1), '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=16', '-co', 'BLOCKYSIZE=16', '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=3', `NETCDF:${nc.precip}:precip`, out]);
    series.push(out);
  }
});
afterAll(() => tmp.remove());

async function framesOf(spec: Parameters<typeof openFrameSource>[0]) {
  const src = await openFrameSource(spec);
  try {
    const frames = [];
    for (let t = 0; t < src.timesMs.length; t++) frames.push(Array.from(await src.readFrame(t)));
    return { src, frames };
  } finally {
    await src.close();
  }
}

function expected(t: number): number[] {
  const plane = H * W;
  return Array.from(grid.values.subarray(t * 3 * plane, t * 3 * plane + plane));
}

describe('GeoTIFF time series from GDAL', () => {
  it('reads a multi-band file whose bands are time steps', async () => {
    const { src, frames } = await framesOf({ files: [join(tmp.path, 'multiband.tif')] });
    expect(src.timesMs.map((ms) => new Date(ms).toISOString().replace('.000Z', 'Z'))).toEqual(grid.times);
    expect(Array.from(src.plan.y)).toEqual(Array.from(grid.y));
    frames.forEach((f, t) => expect(f).toEqual(expected(t)));
  });

  it('reads single-time files with the time in their names, in time order', async () => {
    const { src, frames } = await framesOf({ files: [...series].reverse(), timePattern: 'precip_%Y%m%d%H.tif', name: 'precip' });
    expect(src.timesMs.length).toBe(T);
    expect(src.plan.crs).toEqual({ epsg: 4326 });
    frames.forEach((f, t) => expect(f).toEqual(expected(t)));
  });

  it('stacks a GeoTIFF series with NetCDF sources on the same grid', async () => {
    const stack = await openStack([
      { files: series, timePattern: 'precip_%Y%m%d%H.tif', name: 'precip' },
      { files: [nc.tcw], variable: 'tcw' },
    ]);
    try {
      expect(stack.channels.map((c) => c.name)).toEqual(['precip', 'tcw']);
      const f = await stack.readFrame(3);
      const plane = H * W;
      expect(Array.from(f.subarray(0, plane))).toEqual(expected(3));
      expect(Array.from(f.subarray(plane))).toEqual(Array.from(grid.values.subarray((3 * 3 + 1) * plane, (3 * 3 + 2) * plane)));
    } finally {
      await stack.close();
    }
  });

  it('finds times in GDAL band metadata without a pattern, and says how to give them when files have none', async () => {
    const { src } = await framesOf({ files: series.slice(0, 2) });
    expect(src.timesMs.length).toBe(2);
    const bare = join(tmp.path, 'bare_2024010100.tif');
    run('gdal_translate', ['-q', '-a_srs', 'EPSG:4326', '-b', '1', '-co', 'PROFILE=GeoTIFF', `NETCDF:${nc.precip}:precip`, bare]);
    let err: unknown;
    try { await openFrameSource({ files: [bare] }); } catch (e) { err = e; }
    expect(isGridcastError(err, 'Coordinate')).toBe(true);
    expect(String(err)).toMatch(/has no time.*timePattern/);
    await expect(openFrameSource({ files: [bare], timePattern: 'rain_%Y%m%d%H.tif' })).rejects.toThrow(/does not match the time pattern/);
    expect((await framesOf({ files: [bare], timePattern: 'bare_%Y%m%d%H.tif' })).frames[0]).toEqual(expected(0));
  });
});
