import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixture, repoRoot } from '../helpers.js';

function gridcast(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin', 'gridcast.ts'), ...args], { encoding: 'utf8', cwd: repoRoot });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('gridcast inspect', () => {
  it('describes NetCDF-4, NetCDF classic and GeoTIFF files (JSON report)', () => {
    const files = [fixture('archive', 'era5_t_2020.nc'), fixture('archive', 'era5_tp_cdf2.nc')];
    const r = gridcast('inspect', '--json', ...files);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const [nc4, cdf2] = JSON.parse(r.out);
    expect(nc4.format).toMatch(/NetCDF-4/i);
    expect(nc4.dimensions).toContainEqual({ name: 'level', size: 3 });
    const t = nc4.grids.find((g: { variable: string }) => g.variable === 't');
    expect(t).toMatchObject({ height: 9, width: 16, crs: 'EPSG:4326', dims: { time: 'time', y: 'latitude', x: 'longitude', other: ['level(3)'] } });
    expect(t.times).toMatchObject({ count: 12, first: '2020-01-01T00:00:00Z', step: '6 h' });
    expect(cdf2.format).toMatch(/CDF-2|64-bit offset/i);
  });

  it('prints a readable text report for a GeoTIFF', () => {
    const tif = fixture('geotiff', 'f32_cog.tif');
    const r = gridcast('inspect', tif);
    if (r.code !== 0) throw new Error(r.err);
    expect(r.out).toMatch(/format: .*TIFF/i);
    expect(r.out).toMatch(/band_data\(band, y, x\)/);
    expect(r.out).toMatch(/grids:\n  band_data: \d+ x \d+ cells/);
  });

  it('exits 1 with a named error for unreadable input and 2 for bad usage', () => {
    const bad = gridcast('inspect', join(repoRoot, 'package.json'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/UnknownFormatError: .*package\.json: not a NetCDF, HDF5 or TIFF file/);
    expect(gridcast('inspect').code).toBe(2);
    expect(gridcast('inspect', '--bogus', 'x').code).toBe(2);
    expect(gridcast('nonsense').code).toBe(2);
    const help = gridcast('inspect', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/usage: gridcast inspect/);
  });
});
