/**
 * Writes a synthetic Grid as real files — NetCDF classic (CF-1.8, time as the record dimension)
 * and GeoTIFF series — so tests and the demo exercise the same readers as real archives do.
 */
import { join } from 'node:path';
import type { Grid } from '../grid/types.js';
import { writeGridNetcdf, type GridNetcdfOptions } from '../writers/grid-netcdf.js';

export type SyntheticNetcdfOptions = GridNetcdfOptions;

/** Writes one NetCDF file per channel into `dir` (`<prefix>_<channel>.nc`) and returns the paths. */
export async function writeSyntheticNetcdf(grid: Grid, dir: string, prefix = 'storms', o: SyntheticNetcdfOptions = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [c, ch] of grid.channels.entries()) {
    const plane = grid.y.length * grid.x.length;
    const T = grid.times.length;
    const C = grid.channels.length;
    const values = new Float32Array(T * plane);
    for (let t = 0; t < T; t++) values.set(grid.values.subarray((t * C + c) * plane, (t * C + c + 1) * plane), t * plane);
    const path = join(dir, `${prefix}_${ch.name}.nc`);
    await writeGridNetcdf({ ...grid, channels: [ch], values }, path, {
      attributes: { title: 'gridcast synthetic storms', source: 'gridcast datasets/synthetic' },
      ...o,
      packed: o.packed?.filter((p) => p === ch.name),
    });
    out[ch.name] = path;
  }
  return out;
}
