/**
 * The NetCDF classic writer, checked with independent readers: Debian's ncdump and
 * python3-netcdf4 (test/fixtures/netcdf/dump.py), and with our own reader.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { openRaster } from '../../../datasets/formats/registry.js';
import {
  NetcdfClassicWriter,
  type NetcdfClassicWriterOptions,
  withNetcdfClassicWriter,
} from '../../../datasets/writers/netcdf-classic-writer.js';
import type { NumericArray } from '../../../datasets/formats/types.js';
import { debianPython, repoRoot, run, tempDir } from '../../helpers.js';

/** Plain array of a read's values (numbers or bigints). */
const list = (a: NumericArray): (number | bigint)[] => Array.from(a as ArrayLike<number | bigint>);
const dumpScript = resolve(repoRoot, 'test/fixtures/netcdf/dump.py');
const pyDump = (path: string) => JSON.parse(run(debianPython, [dumpScript, path]));

let dir: { path: string; remove: () => void };
beforeAll(() => { dir = tempDir('gridcast-ncw-'); });
afterAll(() => dir.remove());

const NT = 4, NY = 3, NX = 5;
const t2m = (t: number) => Float32Array.from({ length: NY * NX }, (_, i) => 250 + t * 10 + i * 0.125 + (i === 7 ? NaN : 0));

const GRID: NetcdfClassicWriterOptions = {
  dimensions: [{ name: 'time', size: null }, { name: 'lat', size: NY }, { name: 'lon', size: NX }, { name: 'nchar', size: 6 }],
  attributes: {
    Conventions: 'CF-1.8',
    title: 'Température 🌧',
    doubles: [0.1, -1e300],
    shorts: { type: 'short', value: [-32768, 32767] },
    bytes: { type: 'byte', value: [-128, 0, 127] },
    ints: { type: 'int', value: 2147483647 },
    floats: { type: 'float', value: [3.5, -0.25] },
  },
  variables: [
    { name: 'time', type: 'double', dims: ['time'], attributes: { units: 'hours since 1900-01-01 00:00:0.0', calendar: 'gregorian' } },
    { name: 'lat', type: 'float', dims: ['lat'], attributes: { units: 'degrees_north', standard_name: 'latitude' } },
    { name: 'lon', type: 'float', dims: ['lon'], attributes: { units: 'degrees_east', standard_name: 'longitude' } },
    { name: 't2m', type: 'float', dims: ['time', 'lat', 'lon'], attributes: { units: 'K', _FillValue: -9999, standard_name: 'air_temperature' } },
    { name: 'q', type: 'short', dims: ['time', 'lat', 'lon'], attributes: { scale_factor: 0.01, add_offset: 273.15, _FillValue: -32767 } },
    { name: 'flag', type: 'byte', dims: ['time'], attributes: { _FillValue: -127 } },
    { name: 'mask', type: 'byte', dims: ['lat', 'lon'] },
    { name: 'count', type: 'int', dims: ['lat'] },
    { name: 'label', type: 'char', dims: ['lat', 'nchar'] },
    { name: 'scalar', type: 'double', dims: [] },
  ],
};

async function writeGrid(path: string): Promise<void> {
  await withNetcdfClassicWriter(path, GRID, async (w) => {
    await w.write('lat', [10, 0, -10]);
    await w.write('lon', [0, 90, 180, 270, 359.5]);
    await w.write('mask', Int8Array.from({ length: NY * NX }, (_, i) => (i % 3) - 1));
    await w.write('count', [-5, 0, 2147483647]);
    await w.write('label', 'north\0\0equatrsouth');
    await w.write('scalar', [Math.PI]);
    for (let t = 0; t < NT; t++) {
      await w.writeRecord(t, {
        time: [1_000_000 + 6 * t],
        t2m: t2m(t),
        q: Int16Array.from({ length: NY * NX }, (_, i) => (i === 3 ? -32767 : t * 100 - i)),
        flag: [t - 2],
      });
    }
  });
}

describe('netcdf-classic writer', () => {
  it('writes a file that ncdump and netCDF4-python read back exactly', async () => {
    const path = join(dir.path, 'grid.nc');
    await writeGrid(path);
    const cdl = run('ncdump', ['-h', path]);
    expect(cdl).toContain('time = UNLIMITED ; // (4 currently)');
    expect(cdl).toContain('t2m:_FillValue = -9999.f ;');
    expect(cdl).toContain('q:_FillValue = -32767s ;');
    expect(cdl).toContain(':shorts = -32768s, 32767s ;');
    expect(cdl).toContain(':title = "Température 🌧" ;');
    run('ncdump', [path]); // the data section parses too

    const py = pyDump(path);
    expect(py.format).toBe('NETCDF3_CLASSIC');
    expect(py.dimensions).toEqual({
      time: { size: NT, unlimited: true }, lat: { size: NY, unlimited: false }, lon: { size: NX, unlimited: false }, nchar: { size: 6, unlimited: false },
    });
    expect(py.attributes.bytes).toEqual({ dtype: 'int8', values: [-128, 0, 127] });
    expect(py.attributes.floats).toEqual({ dtype: 'float32', values: [3.5, -0.25] });
    expect(py.attributes.ints).toEqual({ dtype: 'int32', values: [2147483647] });
    expect(py.variables.t2m.attributes._FillValue).toEqual({ dtype: 'float32', values: [-9999] });
    expect(py.variables.flag.attributes._FillValue).toEqual({ dtype: 'int8', values: [-127] });
    const expectedT2m = Array.from({ length: NT }, (_, t) => Array.from(t2m(t), (x) => (Number.isNaN(x) ? 'nan' : x))).flat();
    expect(py.variables.t2m.values).toEqual(expectedT2m);
    expect(py.variables.time.values).toEqual([1000000, 1000006, 1000012, 1000018]);
    expect(py.variables.flag.values).toEqual([-2, -1, 0, 1]);
    expect(py.variables.q.values.slice(0, 5)).toEqual([0, -1, -2, -32767, -4]);
    expect(py.variables.count.values).toEqual([-5, 0, 2147483647]);
    expect(py.variables.scalar.values).toEqual([Math.PI]);
    expect(Buffer.from(py.variables.label.values).toString('latin1')).toBe('north\0\0equatrsouth');

    const ds = await openRaster(path);
    expect(ds.formatDetail).toBe('NetCDF classic CDF-1');
    expect(list(await ds.read('t2m', [2, 0, 0], [1, NY, NX]))).toEqual(Array.from(t2m(2)));
    expect(list(await ds.read('mask'))).toEqual(Array.from({ length: NY * NX }, (_, i) => (i % 3) - 1));
    await ds.close();
    // no temporary file is left next to the result
    expect(readdirSync(dir.path).filter((f) => f.includes('tmp'))).toEqual([]);
  });

  it('writes the single-record-variable layout (records not padded) as netcdf-c reads it', async () => {
    const path = join(dir.path, 'single.nc');
    await withNetcdfClassicWriter(path, {
      dimensions: [{ name: 'time', size: null }, { name: 'x', size: 3 }],
      variables: [{ name: 'v', type: 'short', dims: ['time', 'x'] }, { name: 'b', type: 'byte', dims: ['x'] }],
    }, async (w) => {
      await w.write('v', [1, 2, 3, -4, -5, -6], 0); // two records in one call
      await w.write('v', [7, 8, 9], 2);
      await w.write('b', [1, 2, 3]);
    });
    const py = pyDump(path);
    expect(py.variables.v.values).toEqual([1, 2, 3, -4, -5, -6, 7, 8, 9]);
    expect(py.variables.b.values).toEqual([1, 2, 3]);
    const ds = await openRaster(path);
    expect(list(await ds.read('v', [1, 0], [2, 3]))).toEqual([-4, -5, -6, 7, 8, 9]);
    await ds.close();
  });

  it('writes records out of order; the record count is the highest written', async () => {
    const path = join(dir.path, 'order.nc');
    await withNetcdfClassicWriter(path, {
      dimensions: [{ name: 't', size: 0 }],
      variables: [{ name: 'a', type: 'int', dims: ['t'] }, { name: 'b', type: 'double', dims: ['t'] }],
    }, async (w) => {
      await w.writeRecord(2, { a: [3], b: [0.3] });
      await w.writeRecord(0, { a: [1], b: [0.1] });
    });
    const py = pyDump(path);
    expect(py.variables.a.values).toEqual([1, 0, 3]); // record 1 was never written: nofill zeros
    expect(py.variables.b.values).toEqual([0.1, 0, 0.3]);
  });

  it('writes a file with no dimensions, variables or attributes that ncdump reads', async () => {
    const path = join(dir.path, 'empty.nc');
    await withNetcdfClassicWriter(path, { dimensions: [], variables: [] }, async () => {});
    expect(run('ncdump', [path])).toMatch(/^netcdf empty \{\s*\}\s*$/);
    const ds = await openRaster(path);
    expect(ds.variables).toEqual([]);
    await ds.close();
  });

  it('an error while filling leaves no file (not even a temporary one)', async () => {
    const sub = join(dir.path, 'abort');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sub);
    const path = join(sub, 'out.nc');
    await expect(withNetcdfClassicWriter(path, GRID, async (w) => {
      await w.write('lat', [1, 2, 3]);
      throw new Error('generator failed');
    })).rejects.toThrow('generator failed');
    expect(readdirSync(sub)).toEqual([]);

    const w = await NetcdfClassicWriter.create(path, GRID);
    await w.write('lat', [1, 2, 3]);
    await w.abort();
    expect(readdirSync(sub)).toEqual([]);
    expect(existsSync(path)).toBe(false);
  });

  it('chooses CDF-2 when a variable starts beyond 2 GiB (sparse file), and ncdump reads it', async () => {
    const path = join(dir.path, 'cdf2.nc');
    await withNetcdfClassicWriter(path, {
      dimensions: [{ name: 'time', size: null }, { name: 'a', size: 2 ** 16 }, { name: 'b', size: 2 ** 15 + 8 }, { name: 'x', size: 2 }],
      variables: [
        { name: 'big', type: 'byte', dims: ['a', 'b'] }, // 2 GiB + 512 KiB, never written (a hole)
        { name: 'small', type: 'float', dims: ['time', 'x'] },
      ],
    }, async (w) => {
      expect(w.format).toBe('cdf2');
      await w.write('small', [1.5, -2.5, 3, 4], 0);
    });
    expect(statSync(path).size).toBeGreaterThan(2 ** 31);
    const out = run('ncdump', ['-v', 'small', path]);
    expect(out).toMatch(/small =\s+1\.5, -2\.5,\s+3, 4 ;/);
    const ds = await openRaster(path);
    expect(ds.formatDetail).toBe('NetCDF 64-bit offset (CDF-2)');
    expect(list(await ds.read('small'))).toEqual([1.5, -2.5, 3, 4]);
    await ds.close();
  });

  it('validates definitions and data with InvalidOptionError naming the field', async () => {
    const path = join(dir.path, 'bad.nc');
    const bad = async (opts: Partial<NetcdfClassicWriterOptions>, re: RegExp) => {
      const err = await NetcdfClassicWriter.create(path, { dimensions: [], variables: [], ...opts } as NetcdfClassicWriterOptions).catch((e) => e);
      expect(isGridcastError(err, 'InvalidOption'), String(err)).toBe(true);
      expect(err.message).toMatch(re);
    };
    await bad({ dimensions: [{ name: 'x', size: 2 }, { name: 'x', size: 3 }] }, /dimensions\[1\]\.name 'x' is defined twice/);
    await bad({ dimensions: [{ name: 't', size: null }, { name: 'u', size: 0 }] }, /dimensions\[1\] 'u' is a second unlimited/);
    await bad({ dimensions: [{ name: 'x', size: -1 }] }, /dimensions\[0\]\.size/);
    await bad({ dimensions: [{ name: 'x', size: 2 ** 31 }] }, /dimensions\[0\]\.size must be a positive integer below 2\^31/);
    await bad({ dimensions: [{ name: 'a/b', size: 1 }] }, /dimensions\[0\]\.name must be a valid NetCDF name/);
    await bad({ dimensions: [{ name: 'x', size: 2 }], variables: [{ name: 'v', type: 'float', dims: ['y'] }] }, /variables\[0\]\.dims\[0\] 'y'/);
    await bad({ dimensions: [{ name: 'x', size: 2 }, { name: 't', size: null }], variables: [{ name: 'v', type: 'float', dims: ['x', 't'] }] }, /must come first/);
    await bad({ variables: [{ name: 'v', type: 'long' as 'int', dims: [] }] }, /variables\[0\]\.type/);
    await bad({ attributes: { a: { type: 'short', value: [40000] } } }, /attributes 'a'\[0\] = 40000 is not a short/);
    await bad({ format: 'cdf9' as 'cdf1' }, /format must be/);
    await bad({ format: 'cdf1', dimensions: [{ name: 'a', size: 2 ** 16 }, { name: 'b', size: 2 ** 16 }], variables: [{ name: 'v', type: 'short', dims: ['a', 'b'] }] }, /format cdf1 cannot hold/);
    expect(existsSync(path)).toBe(false);

    const w = await NetcdfClassicWriter.create(path, {
      dimensions: [{ name: 't', size: null }, { name: 'x', size: 2 }],
      variables: [{ name: 'v', type: 'short', dims: ['t', 'x'] }, { name: 'f', type: 'float', dims: ['x'] }],
    });
    const data = async (name: string, values: number[], start: number | undefined, re: RegExp) => {
      const err = await w.write(name, values, start).catch((e) => e);
      expect(isGridcastError(err, 'InvalidOption'), String(err)).toBe(true);
      expect(err.message).toMatch(re);
    };
    await data('v', [1, 2, 3], 0, /not a positive multiple of 2/);
    await data('v', [1, 70000], 0, /data\[1\] = 70000 is not a short/);
    await data('v', [1, 0.5], 0, /is not a short/);
    await data('f', [1, 2, 3, 4], 0, /beyond the first dimension/);
    await data('nope', [1], 0, /no variable 'nope'.*defined: v, f/);
    await data('v', [1, 2], -1, /start must be a non-negative integer/);
    await w.abort();
    expect(existsSync(path)).toBe(false);
  });
});
