/**
 * NetCDF classic reader against files made by independent tools (ncgen/nccopy from Debian's
 * netcdf-bin, see test/fixtures/netcdf/make.sh), value by value against what Debian's
 * python3-netcdf4 reads from the same files (test/fixtures/netcdf/dump.py → *.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { netcdfClassicFormat, openNetcdfClassic } from '../../../datasets/formats/netcdf-classic.js';
import { readClassicHeader } from '../../../datasets/formats/netcdf-classic/header.js';
import { parseClassicHeader } from '../../../datasets/formats/netcdf-classic/header-parser.js';
import { netcdfjsHeader } from '../../../datasets/formats/netcdf-classic/netcdfjs-header.js';
import { openRaster, openRasterSource } from '../../../datasets/formats/registry.js';
import type { NumericArray, RasterDataset } from '../../../datasets/formats/types.js';
import { MemorySource } from '../../../datasets/source/byte-source.js';
import { fixture } from '../../helpers.js';

interface PyAttr { text?: string; dtype?: string; values?: (number | string)[] }
interface PyVar { dtype: string; dims: string[]; shape: number[]; attributes: Record<string, PyAttr>; values: (number | string)[] }
interface PyDump {
  format: string;
  dimensions: Record<string, { size: number; unlimited: boolean }>;
  attributes: Record<string, PyAttr>;
  variables: Record<string, PyVar>;
}

/** Plain array of a read's values (numbers or bigints). */
const list = (a: NumericArray): (number | bigint)[] => Array.from(a as ArrayLike<number | bigint>);
const load = (name: string): PyDump => JSON.parse(readFileSync(fixture('netcdf', `${name}.json`), 'utf8'));
const bytesOf = (name: string) => new Uint8Array(readFileSync(fixture('netcdf', `${name}.nc`)));

/** numpy dtype name → ours. */
const DTYPE: Record<string, string> = { bytes8: 'char' };

function pyValue(v: number | string, dtype: string): number | bigint {
  if (dtype === 'int64' || dtype === 'uint64') return BigInt(v as string);
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v as number;
}

function expectSameValues(ours: NumericArray, py: (number | string)[], dtype: string, what: string): void {
  expect(ours.length, what).toBe(py.length);
  for (let i = 0; i < py.length; i++) {
    const want = pyValue(py[i]!, dtype);
    const got = ours[i]!;
    if (typeof want === 'number' && Number.isNaN(want)) expect(Number.isNaN(got as number), `${what}[${i}]`).toBe(true);
    else if (got !== want) expect(got, `${what}[${i}]`).toBe(want);
  }
}

function expectSameAttributes(ours: Record<string, unknown>, py: Record<string, PyAttr>, what: string): void {
  expect(Object.keys(ours), what).toEqual(Object.keys(py));
  for (const [name, a] of Object.entries(py)) {
    if (a.text !== undefined) expect(ours[name], `${what}:${name}`).toBe(a.text);
    else expect(ours[name], `${what}:${name}`).toEqual(a.values!.map((v) => Number(pyValue(v, a.dtype!))));
  }
}

const FILES = [
  ['grid-cdf1', 'NetCDF classic CDF-1'],
  ['grid-cdf2', 'NetCDF 64-bit offset (CDF-2)'],
  ['grid-cdf5', 'NetCDF 64-bit data (CDF-5)'],
  ['single-record', 'NetCDF classic CDF-1'],
  ['single-record-cdf5', 'NetCDF 64-bit data (CDF-5)'],
  ['single-byte-record', 'NetCDF classic CDF-1'],
  ['empty-record', 'NetCDF classic CDF-1'],
  ['cdf5-types', 'NetCDF 64-bit data (CDF-5)'],
  ['long-header', 'NetCDF classic CDF-1'],
] as const;

describe('netcdf-classic reader on ncgen/nccopy files, compared with netCDF4-python', () => {
  it.each(FILES)('%s: header and every value', async (name, detail) => {
    const py = load(name);
    const ds = await openRaster(fixture('netcdf', `${name}.nc`));
    try {
      expect(ds.format).toBe('netcdf-classic');
      expect(ds.formatDetail).toBe(detail);
      expect(ds.dimensions).toEqual(
        Object.entries(py.dimensions).map(([n, d]) => (d.unlimited ? { name: n, size: d.size, unlimited: true } : { name: n, size: d.size })),
      );
      expectSameAttributes(ds.attributes, py.attributes, 'global');
      expect(ds.variables.map((v) => v.name)).toEqual(Object.keys(py.variables));
      for (const v of ds.variables) {
        const pv = py.variables[v.name]!;
        expect(v.dtype, v.name).toBe(DTYPE[pv.dtype] ?? pv.dtype);
        expect(v.dims, v.name).toEqual(pv.dims);
        expect(v.shape, v.name).toEqual(pv.shape);
        expect(v.storage, v.name).toBe(py.dimensions[v.dims[0] ?? '']?.unlimited ? 'record variable' : 'contiguous');
        expectSameAttributes(v.attributes, pv.attributes, v.name);
        expectSameValues(await ds.read(v.name), pv.values, pv.dtype, v.name);
      }
    } finally {
      await ds.close();
    }
  });

  it('returns the typed array of each stored type', async () => {
    const ds = await openRaster(fixture('netcdf', 'cdf5-types.nc'));
    const kinds = Object.fromEntries(await Promise.all(ds.variables.map(async (v) => [v.name, (await ds.read(v.name)).constructor.name])));
    expect(kinds).toEqual({
      ub: 'Uint8Array', us: 'Uint16Array', ui: 'Uint32Array', i64: 'BigInt64Array', u64: 'BigUint64Array', rec: 'BigInt64Array', urec: 'Uint8Array',
    });
    await ds.close();
    const grid = await openRaster(fixture('netcdf', 'grid-cdf1.nc'));
    expect((await grid.read('t2m')).constructor.name).toBe('Int16Array');
    expect((await grid.read('lsm')).constructor.name).toBe('Int8Array');
    expect((await grid.read('station_name')).constructor.name).toBe('Uint8Array');
    expect((await grid.read('msl')).constructor.name).toBe('Float64Array');
    await grid.close();
  });
});

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The box start..start+count of a C-order array of `shape`. */
function slice(full: NumericArray, shape: number[], start: number[], count: number[]): unknown[] {
  const out: unknown[] = [];
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const total = count.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let n = 0; n < total; n++) {
    let off = 0;
    for (let k = 0; k < shape.length; k++) off += (start[k]! + idx[k]!) * strides[k]!;
    out.push(full[off]);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k]! < count[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

describe('hyperslab reads', () => {
  it.each(['grid-cdf1', 'grid-cdf5', 'single-record', 'cdf5-types'])('%s: random boxes equal the same box of a full read', async (name) => {
    const ds = await openRaster(fixture('netcdf', `${name}.nc`));
    const rand = rng(42);
    for (const v of ds.variables) {
      if (v.shape.length === 0) continue;
      const full = await ds.read(v.name);
      for (let trial = 0; trial < 40; trial++) {
        const start = v.shape.map((n) => Math.floor(rand() * n));
        const count = v.shape.map((n, k) => (rand() < 0.3 ? n - start[k]! : Math.floor(rand() * (n - start[k]!)) + 1));
        const got = await ds.read(v.name, start, count);
        expect(Array.from(got as ArrayLike<unknown>), `${v.name} ${start}/${count}`).toEqual(slice(full, v.shape, start, count));
      }
      // whole time slices, as ingest reads them
      for (let t = 0; t < (v.shape[0] ?? 0); t++) {
        const count = [1, ...v.shape.slice(1)];
        const got = await ds.read(v.name, [t, ...v.shape.slice(1).map(() => 0)], count);
        expect(Array.from(got as ArrayLike<unknown>)).toEqual(slice(full, v.shape, [t, ...v.shape.slice(1).map(() => 0)], count));
      }
    }
    await ds.close();
  });

  it('reads the same through every source path: FileSource, MemorySource (left intact) and readInto', async () => {
    const bytes = bytesOf('grid-cdf1');
    const pristine = bytes.slice();
    const mem = new MemorySource(bytes, 'mem.nc');
    let intoCalls = 0;
    const into = Object.assign(new MemorySource(bytes, 'into.nc'), {
      async readInto(offset: number, target: Uint8Array) {
        intoCalls++;
        target.set(await mem.read(offset, target.length));
      },
    });
    const file = await openRaster(fixture('netcdf', 'grid-cdf1.nc'));
    const a = await openNetcdfClassic(mem);
    const b = await openNetcdfClassic(into);
    for (const v of file.variables) {
      const want = list(await file.read(v.name));
      expect(list(await a.read(v.name)), v.name).toEqual(want);
      expect(list(await a.read(v.name)), `${v.name} again`).toEqual(want);
      expect(list(await b.read(v.name)), v.name).toEqual(want);
      if (v.shape.length === 3) {
        const box = [[1, 2, 3], [3, 4, 5]];
        const fromFile = list(await file.read(v.name, box[0], box[1]));
        expect(list(await a.read(v.name, box[0], box[1]))).toEqual(fromFile);
        expect(list(await b.read(v.name, box[0], box[1]))).toEqual(fromFile);
      }
    }
    expect(intoCalls).toBeGreaterThan(0);
    expect(bytes).toEqual(pristine);
    await file.close();
  });

  it('readInto fills a caller-provided array (also a slice of a larger one) and checks it', async () => {
    const ds = await openNetcdfClassic(new MemorySource(bytesOf('grid-cdf1'), 'grid.nc'));
    const whole = new Float32Array(2 * 9 * 16 + 3);
    const slot = whole.subarray(3, 3 + 9 * 16);
    expect(await ds.readInto('tp', slot, [1, 0, 0], [1, 9, 16])).toBe(slot);
    expect(list(slot)).toEqual(list(await ds.read('tp', [1, 0, 0], [1, 9, 16])));
    expect(whole[0]).toBe(0);
    const kind = async (p: Promise<unknown>) => p.then(() => 'ok', (e) => (isGridcastError(e) ? e.kind : String(e)));
    expect(await kind(ds.readInto('tp', new Float64Array(144), [1, 0, 0], [1, 9, 16]))).toBe('InvalidOption');
    expect(await kind(ds.readInto('tp', new Float32Array(143), [1, 0, 0], [1, 9, 16]))).toBe('InvalidOption');
    expect(await kind(ds.readInto('nope', new Float32Array(1)))).toBe('UnknownVariable');
    const chars = await ds.readInto('station_name', new Uint8Array(24));
    expect(Buffer.from(chars).toString('utf8', 0, 4)).toBe('Oslo');
  });

  it('coalesces: small gaps are read through, contiguous data is one read', async () => {
    const mem = new MemorySource(bytesOf('grid-cdf1'), 'grid.nc');
    const reads: number[] = [];
    const counting: typeof mem = Object.assign(Object.create(mem), { read: (o: number, n: number) => { reads.push(n); return mem.read(o, n); }, readInto: (o: number, t: Uint8Array) => { reads.push(t.length); return mem.readInto(o, t); } });
    const ds = await openNetcdfClassic(counting);
    reads.length = 0;
    // 15 rows of 8 values in 3 records ~2 KiB apart: gaps under GAP_MAX, so one block
    await ds.read('t2m', [1, 2, 3], [3, 5, 8]);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toBeLessThan(3 * ds.recordSize);
    reads.length = 0;
    await ds.read('msl', [2, 0, 0], [1, 9, 16]); // a whole time slice: one run
    expect(reads).toEqual([9 * 16 * 8]);
    reads.length = 0;
    await ds.read('lsm'); // a whole non-record variable
    expect(reads).toEqual([9 * 16]);
    await ds.close();
    // the sole record variable's records are back to back (unpadded): all records in one read
    const one = new MemorySource(bytesOf('single-record'), 's.nc');
    const sreads: number[] = [];
    const s = await openNetcdfClassic(Object.assign(Object.create(one), { read: (o: number, n: number) => { sreads.push(n); return one.read(o, n); }, readInto: (o: number, t: Uint8Array) => { sreads.push(t.length); return one.readInto(o, t); } }));
    sreads.length = 0;
    expect(list(await s.read('v'))).toEqual([1, 2, 3, -4, -5, -6, 7, 8, 9, 10, 11, 12]);
    expect(sreads).toEqual([4 * 3 * 2]);
  });

  it('reads boxes spanning blocks further apart than GAP_MAX (records of 64 KiB)', async () => {
    const { withNetcdfClassicWriter } = await import('../../../datasets/writers/netcdf-classic-writer.js');
    const { tempDir } = await import('../../helpers.js');
    const dir = tempDir();
    try {
      const path = `${dir.path}/wide.nc`;
      const [NT, NY, NX] = [4, 40, 410];
      const value = (v: number, t: number, k: number) => v * 1e6 + t * 1e5 + k;
      await withNetcdfClassicWriter(path, {
        dimensions: [{ name: 't', size: null }, { name: 'y', size: NY }, { name: 'x', size: NX }],
        variables: [0, 1].map((v) => ({ name: `v${v}`, type: 'float' as const, dims: ['t', 'y', 'x'] })),
      }, async (w) => {
        for (let t = 0; t < NT; t++) for (const v of [0, 1]) await w.write(`v${v}`, Float32Array.from({ length: NY * NX }, (_, k) => value(v, t, k)), t);
      });
      const mem = new MemorySource(new Uint8Array(readFileSync(path)), path);
      const reads: number[] = [];
      const ds = await openNetcdfClassic(Object.assign(Object.create(mem), { read: (o: number, n: number) => { reads.push(n); return mem.read(o, n); }, readInto: (o: number, t: Uint8Array) => { reads.push(t.length); return mem.readInto(o, t); } }));
      const full = await ds.read('v1');
      expect(full[(2 * NY + 3) * NX + 5]).toBe(value(1, 2, 3 * NX + 5));
      const rand = rng(3);
      for (let trial = 0; trial < 20; trial++) {
        const start = [Math.floor(rand() * NT), Math.floor(rand() * NY), Math.floor(rand() * NX)];
        const count = [NT - start[0]!, 1 + Math.floor(rand() * (NY - start[1]!)), 1 + Math.floor(rand() * (NX - start[2]!))];
        reads.length = 0;
        expect(list(await ds.read('v1', start, count))).toEqual(slice(full, [NT, NY, NX], start, count));
        expect(reads.length).toBe(count[0]); // one block per record: records are 128 KiB apart
      }
    } finally {
      dir.remove();
    }
  });

  it('reads an empty box as an empty array', async () => {
    const ds = await openRaster(fixture('netcdf', 'grid-cdf1.nc'));
    expect((await ds.read('t2m', [2, 0, 0], [0, 9, 16])).length).toBe(0);
    expect((await ds.read('tp', [0, 0, 0], [5, 0, 3])).length).toBe(0);
    await ds.close();
  });

  it('rejects boxes outside the variable with InvalidOptionError naming the dimension', async () => {
    const ds = await openRaster(fixture('netcdf', 'grid-cdf1.nc'));
    await expect(ds.read('t2m', [0, 0, 0], [6, 9, 16])).rejects.toSatisfy((e) => isGridcastError(e, 'InvalidOption') && /time/.test((e as Error).message));
    await expect(ds.read('t2m', [0, 0], [1, 1])).rejects.toSatisfy((e) => isGridcastError(e, 'InvalidOption') && /3 entries/.test((e as Error).message));
    await expect(ds.read('t2m', [0, -1, 0], [1, 1, 1])).rejects.toSatisfy((e) => isGridcastError(e, 'InvalidOption'));
    await expect(ds.read('t2m', [0, 0.5, 0], [1, 1, 1])).rejects.toSatisfy((e) => isGridcastError(e, 'InvalidOption'));
    await ds.close();
  });
});

describe('header parsing', () => {
  it.each(['grid-cdf1', 'grid-cdf2', 'single-record', 'empty-record', 'single-byte-record'])(
    '%s: netcdfjs (with our repairs) and our own parser agree',
    (name) => {
      const bytes = bytesOf(name);
      const a = netcdfjsHeader(bytes, bytes.length, name)!;
      const b = parseClassicHeader(bytes, bytes.length, name);
      expect(a.parser).toBe('netcdfjs');
      expect({ ...a, parser: 'x' }).toEqual({ ...b, parser: 'x' });
    },
  );

  it('uses netcdfjs for CDF-1/2 and our parser for CDF-5', async () => {
    for (const [name, parser] of [['grid-cdf1', 'netcdfjs'], ['grid-cdf2', 'netcdfjs'], ['grid-cdf5', 'gridcast']]) {
      const h = await readClassicHeader(new MemorySource(bytesOf(name!), name));
      expect(h.parser, name).toBe(parser);
    }
  });

  it('reads a header longer than the first 64 KiB window', async () => {
    const bytes = bytesOf('long-header');
    const src = new MemorySource(bytes, 'long-header.nc');
    let largest = 0;
    const counting = { ...src, name: src.name, size: src.size, read: (o: number, n: number) => { largest = Math.max(largest, n); return src.read(o, n); }, close: async () => {} };
    const h = await readClassicHeader(counting);
    expect(h.parser).toBe('netcdfjs');
    expect(h.headerSize).toBeGreaterThan(64 * 1024);
    expect((h.variables[0]!.attributes[0]!.value as string).length).toBe(70_000);
    expect(largest).toBeLessThanOrEqual(bytes.length);
  });
});

describe('bad input', () => {
  const kindOf = async (bytes: Uint8Array, readAll = true): Promise<string> => {
    try {
      const ds = await openNetcdfClassic(new MemorySource(bytes, 'bad.nc'));
      if (readAll) for (const v of ds.variables) await ds.read(v.name);
      return 'ok';
    } catch (e) {
      if (!isGridcastError(e)) throw e;
      return e.kind;
    }
  };

  it('wrong magic: the registry says UnknownFormat, the reader CorruptFile', async () => {
    const bytes = bytesOf('grid-cdf1');
    const wrong = bytes.slice();
    wrong[3] = 3;
    await expect(openRasterSource(new MemorySource(wrong, 'x.nc'))).rejects.toSatisfy((e) => isGridcastError(e, 'UnknownFormat'));
    wrong[3] = 1;
    wrong[0] = 0x58;
    expect(await kindOf(wrong)).toBe('CorruptFile');
    expect(netcdfClassicFormat.sniff(bytes.subarray(0, 8))).toBe(true);
    expect(netcdfClassicFormat.sniff(wrong.subarray(0, 8))).toBe(false);
  });

  it('truncated files give TruncatedFile (in the header at open, in the data at read)', async () => {
    for (const name of ['grid-cdf1', 'grid-cdf5']) {
      const bytes = bytesOf(name);
      const header = (await readClassicHeader(new MemorySource(bytes))).headerSize;
      for (const n of [0, 3, 4, 7, 11, 50, header - 1, header + 10, bytes.length - 1, bytes.length - 500]) {
        expect(await kindOf(bytes.subarray(0, n)), `${name} cut at ${n}`).toBe('TruncatedFile');
      }
      // the data before the cut stays readable
      const ds = await openNetcdfClassic(new MemorySource(bytes.subarray(0, bytes.length - 1), name));
      expect((await ds.read('latitude'))[0]).toBe(90);
    }
  });

  it('a header claiming an absurd dimension size gives AbsurdSize naming the variable, without allocating', async () => {
    for (const [name, width] of [['grid-cdf1', 4], ['grid-cdf5', 8]] as const) {
      const bytes = bytesOf(name).slice();
      const at = Buffer.from(bytes).indexOf('latitude') + 8; // name is 8 bytes, no padding
      const view = new DataView(bytes.buffer);
      if (width === 4) view.setUint32(at, 0x7fffffff);
      else view.setBigUint64(at, 1n << 50n);
      const err = await openNetcdfClassic(new MemorySource(bytes, name)).catch((e) => e);
      expect(isGridcastError(err, 'AbsurdSize'), String(err)).toBe(true);
      expect(err.message).toMatch(/bad\.nc|grid-cdf/);
      expect(err.variable).toBeTruthy();
    }
  });

  it('an absurd record count gives TruncatedFile when read, naming the count, without allocating', async () => {
    const bytes = bytesOf('grid-cdf1').slice();
    new DataView(bytes.buffer).setUint32(4, 0x7ffffff0);
    const ds = await openNetcdfClassic(new MemorySource(bytes, 'bad.nc'));
    expect(list(await ds.read('latitude'))).toHaveLength(9); // fixed variables stay readable
    const err = await ds.read('t2m').catch((e) => e);
    expect(isGridcastError(err, 'TruncatedFile'), String(err)).toBe(true);
    expect(err.message).toContain('2147483632 records');
    expect(err.variable).toBe('t2m');
  });

  it('an absurd size in the last fixed variable gives TruncatedFile when read', async () => {
    const bytes = bytesOf('single-record').slice();
    const at = Buffer.from(bytes).indexOf('x') + 4; // dimension 'x' (3): name padded to 4 bytes
    new DataView(bytes.buffer).setUint32(at, 0x3fffffff);
    expect(await kindOf(bytes)).toMatch(/AbsurdSize|TruncatedFile/);
  });

  it('an absurd element count in a list gives a named error, even past the first window', async () => {
    const bytes = bytesOf('grid-cdf5').slice();
    new DataView(bytes.buffer).setBigUint64(16, 1n << 40n); // nelems after NC_DIMENSION
    expect(await kindOf(bytes)).toBe('AbsurdSize');
    const cdf1 = bytesOf('grid-cdf1').slice();
    new DataView(cdf1.buffer).setUint32(12, 0xfffffff0);
    expect(['AbsurdSize', 'TruncatedFile', 'CorruptFile']).toContain(await kindOf(cdf1));
  });

  it('numrecs STREAMING (0xFFFFFFFF): the record count comes from the file size', async () => {
    for (const [name, records] of [['single-record', 4], ['grid-cdf1', 5]] as const) {
      const bytes = bytesOf(name).slice();
      new DataView(bytes.buffer).setUint32(4, 0xffffffff);
      const ds = await openNetcdfClassic(new MemorySource(bytes, name));
      expect(ds.dimensions[0]).toEqual({ name: 'time', size: records, unlimited: true });
      const good = await openNetcdfClassic(new MemorySource(bytesOf(name), name));
      for (const v of good.variables) expect(list(await ds.read(v.name)), v.name).toEqual(list(await good.read(v.name)));
    }
  });

  it('an unknown variable gives UnknownVariable listing the variables', async () => {
    const ds = await openRaster(fixture('netcdf', 'grid-cdf1.nc'));
    const err = await ds.read('t2', [0], [1]).catch((e) => e);
    expect(isGridcastError(err, 'UnknownVariable')).toBe(true);
    expect(err.message).toContain("'t2m'");
    expect(err.message).toContain("'station_name'");
    expect(err.variable).toBe('t2');
    await ds.close();
  });

  it('fuzz: random corruptions and truncations read or give a GridcastError, never another error or a hang', async () => {
    const bases = await Promise.all(['grid-cdf1', 'grid-cdf5', 'single-record', 'cdf5-types'].map(async (n) => {
      const bytes = bytesOf(n);
      return { name: n, bytes, header: (await readClassicHeader(new MemorySource(bytes))).headerSize };
    }));
    const rand = rng(7);
    const pick = (n: number) => Math.floor(rand() * n);
    const interesting = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x10, 0xfffffff0];
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const base = bases[i % bases.length]!;
      let bytes = base.bytes.slice();
      const mode = pick(4);
      if (mode === 0) for (let k = 0, n = 1 + pick(3); k < n; k++) bytes[pick(base.header)] = pick(256);
      else if (mode === 1) new DataView(bytes.buffer).setUint32(4 * pick(base.header / 4), interesting[pick(interesting.length)]!);
      else if (mode === 2) bytes[pick(bytes.length)] = pick(256);
      else bytes = bytes.subarray(0, pick(bytes.length));
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('hang'), 5000); });
      let outcome: string;
      try {
        outcome = await Promise.race([kindOf(bytes), hang]);
      } catch (e) {
        outcome = `non-gridcast error: ${e}`;
      } finally {
        clearTimeout(timer);
      }
      expect(outcome, `case ${i} (${base.name}, mode ${mode})`).not.toMatch(/^(hang|non-gridcast)/);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    // the corruptions must exercise both paths: files that still read, and named errors
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(Object.keys(outcomes).length).toBeGreaterThan(2);
  });
});

describe('files over 4 GiB (sparse)', () => {
  it('reads CDF-2 record data beyond 4 GiB (netcdfjs refuses; our parser takes over)', async () => {
    const { withNetcdfClassicWriter } = await import('../../../datasets/writers/netcdf-classic-writer.js');
    const { tempDir } = await import('../../helpers.js');
    const dir = tempDir();
    try {
      const path = `${dir.path}/big.nc`;
      await withNetcdfClassicWriter(path, {
        dimensions: [{ name: 'time', size: null }, { name: 'a', size: 2 ** 16 }, { name: 'b', size: 2 ** 16 + 1 }, { name: 'x', size: 3 }],
        variables: [
          { name: 'huge', type: 'byte', dims: ['a', 'b'] }, // never written: a hole in a sparse file
          { name: 'small', type: 'float', dims: ['time', 'x'] },
        ],
      }, async (w) => {
        await w.write('small', [1.5, 2.5, 3.5, -1, -2, -3], 0);
      });
      const ds: RasterDataset = await openRaster(path);
      expect(ds.formatDetail).toBe('NetCDF 64-bit offset (CDF-2)');
      expect(list(await ds.read('small'))).toEqual([1.5, 2.5, 3.5, -1, -2, -3]);
      expect(list(await ds.read('huge', [2 ** 16 - 1, 2 ** 16 - 3], [1, 4]))).toEqual([0, 0, 0, 0]);
      const { FileSource } = await import('../../../datasets/source/file-source.js');
      const src = await FileSource.open(path);
      expect((await readClassicHeader(src)).parser).toBe('gridcast');
      await src.close();
      await ds.close();
    } finally {
      dir.remove();
    }
  });
});
