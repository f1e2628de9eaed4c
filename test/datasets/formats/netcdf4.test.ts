/**
 * NetCDF-4 reader against files written by independent tools (ncgen, nccopy, python3-netcdf4; see
 * test/fixtures/netcdf4/make.sh), value for value against what python3-netcdf4 reads from them
 * (dump_reference.py, masking and scaling off), plus hyperslabs, bad input and a fuzz run.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { netcdf4Format } from '../../../datasets/formats/netcdf4.js';
import { openRaster } from '../../../datasets/formats/registry.js';
import type { NumericArray, RasterDataset } from '../../../datasets/formats/types.js';
import { MemorySource } from '../../../datasets/source/byte-source.js';
import { FileSource } from '../../../datasets/source/file-source.js';
import { fixture, repoRoot, tempDir } from '../../helpers.js';

interface Reference {
  dimensions: { name: string; size: number; unlimited: boolean }[];
  attributes: Record<string, unknown>;
  variables: Record<string, { dims: string[]; shape: number[]; dtype: string; attributes: Record<string, unknown>; base64?: string; strings?: string[] }>;
}

const FILES = ['basic', 'deflate', 'classic', 'python'] as const;

function reference(name: string): Reference {
  return JSON.parse(readFileSync(fixture('netcdf4', `${name}.json`), 'utf8')) as Reference;
}

async function open(path: string): Promise<RasterDataset> {
  const source = await FileSource.open(path);
  return netcdf4Format.open(source).catch(async (e: unknown) => {
    await source.close();
    throw e;
  });
}

function bytesOf(a: NumericArray): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The box start..start+count cut out of a C-order array of `shape`, element by element. */
function cut(full: NumericArray, shape: number[], start: number[], count: number[]): unknown[] {
  const out: unknown[] = [];
  const total = count.reduce((a, b) => a * b, 1);
  for (let k = 0; k < total; k++) {
    let rem = k;
    let flat = 0;
    const idx = count.map(() => 0);
    for (let d = count.length - 1; d >= 0; d--) {
      idx[d] = rem % count[d];
      rem = Math.floor(rem / count[d]);
    }
    for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + start[d] + idx[d];
    out.push(full[flat]);
  }
  return out;
}

/** Deterministic boxes: a few random ones plus single elements at the corners. */
function boxes(shape: number[], n: number, seed: number): { start: number[]; count: number[] }[] {
  let s = seed;
  const rand = (k: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % k;
  };
  const out = [{ start: shape.map(() => 0), count: shape.map(() => 1) }, { start: shape.map((x) => x - 1), count: shape.map(() => 1) }];
  for (let i = 0; i < n; i++) {
    const start = shape.map((x) => rand(x));
    out.push({ start, count: shape.map((x, d) => 1 + rand(x - start[d])) });
  }
  return out;
}

describe.each(FILES)('netcdf4 reader on %s.nc', (name) => {
  const ref = reference(name);
  const path = fixture('netcdf4', `${name}.nc`);

  it('lists the dimensions, variables and attributes python3-netcdf4 sees', async () => {
    const ds = await open(path);
    try {
      expect(ds.format).toBe('netcdf4');
      const dims = ds.dimensions.map((d) => ({ name: d.name, size: d.size, unlimited: d.unlimited ?? false }));
      expect(dims).toEqual(ref.dimensions);
      expect(ds.attributes).toEqual(ref.attributes);
      expect(ds.variables.map((v) => v.name)).toEqual(Object.keys(ref.variables));
      for (const v of ds.variables) {
        const r = ref.variables[v.name];
        expect({ name: v.name, dims: v.dims, shape: v.shape, dtype: v.dtype }).toEqual({ name: v.name, dims: r.dims, shape: r.shape, dtype: r.dtype });
        expect(v.attributes, v.name).toEqual(r.attributes);
        expect(v.storage, v.name).toMatch(/^(contiguous|chunked [0-9x]+)/);
      }
    } finally {
      await ds.close();
    }
  });

  it('reads every value bit for bit as python3-netcdf4 does', async () => {
    const ds = await open(path);
    try {
      for (const v of ds.variables) {
        const r = ref.variables[v.name];
        if (r.strings) {
          await expect(ds.read(v.name)).rejects.toMatchObject({ kind: 'UnsupportedFeature', variable: v.name });
          continue;
        }
        const values = await ds.read(v.name);
        expect(bytesOf(values).equals(Buffer.from(r.base64!, 'base64')), v.name).toBe(true);
      }
    } finally {
      await ds.close();
    }
  });

  it('reads hyperslabs equal to the same box of a full read', async () => {
    const ds = await open(path);
    try {
      for (const v of ds.variables) {
        if (v.dtype === 'string' || v.shape.length === 0) continue;
        const full = await ds.read(v.name);
        for (const { start, count } of boxes(v.shape, 6, v.name.length * 7919)) {
          const part = await ds.read(v.name, start, count);
          expect(part.constructor).toBe(full.constructor);
          expect(Array.from(part as ArrayLike<unknown>), `${v.name} ${start}/${count}`).toEqual(cut(full, v.shape, start, count));
        }
      }
    } finally {
      await ds.close();
    }
  });
});

describe('netcdf4 reader: NetCDF-4 semantics', () => {
  it('hides dimensions without coordinate variables but keeps them as dimensions', async () => {
    const ds = await open(fixture('netcdf4', 'basic.nc'));
    try {
      expect(ds.variables.map((v) => v.name)).not.toContain('nv');
      expect(ds.dimensions.find((d) => d.name === 'nv')).toEqual({ name: 'nv', size: 2 });
      expect(ds.dimensions.find((d) => d.name === 'time')).toEqual({ name: 'time', size: 3, unlimited: true });
      const names = ds.variables.flatMap((v) => Object.keys(v.attributes));
      for (const internal of ['CLASS', 'NAME', 'REFERENCE_LIST', 'DIMENSION_LIST', '_Netcdf4Dimid', '_Netcdf4Coordinates', '_NCProperties']) {
        expect(names).not.toContain(internal);
        expect(Object.keys(ds.attributes)).not.toContain(internal);
      }
      expect(ds.formatDetail).toMatch(/^NetCDF-4 \(HDF5 superblock v\d.*groups: forecast\)$/);
      expect(ds.variables.find((v) => v.name === 'forecast/z')?.dims).toEqual(['forecast/level', 'lat']);
    } finally {
      await ds.close();
    }
  });

  it('reports storage: chunking and filters', async () => {
    const deflate = await open(fixture('netcdf4', 'deflate.nc'));
    const py = await open(fixture('netcdf4', 'python.nc'));
    const basic = await open(fixture('netcdf4', 'basic.nc'));
    try {
      const storage = (ds: RasterDataset, v: string): string | undefined => ds.variables.find((x) => x.name === v)?.storage;
      expect(storage(deflate, 't2m')).toBe('chunked 1x2x3, shuffle, deflate level 4');
      expect(storage(basic, 'lat')).toBe('contiguous');
      expect(storage(py, 'deflate1')).toBe('chunked 1x37x53, shuffle, deflate level 1');
      expect(storage(py, 'checksummed')).toBe('chunked 37x53, fletcher32, shuffle, deflate level 4');
      expect(storage(py, 'szipped')).toBe('chunked 37x53, szip');
    } finally {
      await Promise.all([deflate.close(), py.close(), basic.close()]);
    }
  });

  it('reads time slice after time slice (the ingest pattern, with read-ahead) as the full read', async () => {
    const ds = await open(fixture('netcdf4', 'python.nc'));
    try {
      for (const name of ['deflate1', 'shuffled', 'sparse']) {
        const v = ds.variables.find((x) => x.name === name)!;
        const full = bytesOf(await ds.read(name));
        const slices = [];
        for (let t = 0; t < v.shape[0]; t++) slices.push(bytesOf(await ds.read(name, [t, 0, 0], [1, v.shape[1], v.shape[2]])));
        expect(Buffer.concat(slices).equals(full), name).toBe(true);
      }
    } finally {
      await ds.close();
    }
  });

  it('recognises the classic model', async () => {
    const ds = await open(fixture('netcdf4', 'classic.nc'));
    try {
      expect(ds.formatDetail).toMatch(/^NetCDF-4 classic model/);
    } finally {
      await ds.close();
    }
  });

  it('fills records a variable never wrote with its _FillValue, as netCDF does', async () => {
    const ds = await open(fixture('netcdf4', 'python.nc'));
    try {
      const sparse = ds.variables.find((v) => v.name === 'sparse')!;
      expect(sparse.shape).toEqual([5, 37, 53]); // the time dimension's length, not the 4 records stored
      const tail = await ds.read('sparse', [3, 0, 0], [2, 1, 2]);
      expect(Array.from(tail as Int16Array)).toEqual([7, 7, -999, -999]);
    } finally {
      await ds.close();
    }
  });

  it('is found by openRaster from the magic bytes and reads from memory too', async () => {
    const path = fixture('netcdf4', 'deflate.nc');
    const ds = await openRaster(path);
    const mem = await netcdf4Format.open(new MemorySource(readFileSync(path), 'in-memory.nc'));
    try {
      expect(ds.format).toBe('netcdf4');
      expect(mem.name).toBe('in-memory.nc');
      expect(bytesOf(await mem.read('t2m')).equals(bytesOf(await ds.read('t2m')))).toBe(true);
    } finally {
      await Promise.all([ds.close(), mem.close()]);
    }
  });
});

describe('netcdf4 reader: bad input', () => {
  it('names the variables there are when asked for one that is not', async () => {
    const ds = await open(fixture('netcdf4', 'basic.nc'));
    try {
      const err = await ds.read('t2', [0], [1]).catch((e: unknown) => e);
      expect(isGridcastError(err, 'UnknownVariable')).toBe(true);
      expect((err as Error).message).toMatch(/t2m.*forecast\/z/);
    } finally {
      await ds.close();
    }
  });

  it('rejects boxes outside the variable with messages naming the field', async () => {
    const ds = await open(fixture('netcdf4', 'deflate.nc'));
    try {
      await expect(ds.read('t2m', [0, 0], [1, 1])).rejects.toMatchObject({ kind: 'InvalidOption', message: expect.stringMatching(/start must have one entry per dimension \(3\)/) });
      await expect(ds.read('t2m', [0, 0, 3], [1, 1, 2])).rejects.toMatchObject({ kind: 'InvalidOption', message: expect.stringMatching(/start\[2\] \+ count\[2\] = 5 exceeds dimension size 4/) });
      await expect(ds.read('t2m', [0, -1, 0], [1, 1, 1])).rejects.toMatchObject({ kind: 'InvalidOption' });
      expect((await ds.read('t2m', [1, 1, 1], [0, 2, 2])).length).toBe(0);
    } finally {
      await ds.close();
    }
  });

  it('refuses a filter h5wasm lacks, naming file, variable and filter', async () => {
    const path = fixture('netcdf4', 'unsupported-filter.nc');
    const ds = await open(path);
    try {
      expect(ds.variables.find((v) => v.name === 'compressed')?.storage).toBe('chunked 16, zstd');
      const err = await ds.read('compressed').catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'UnsupportedFeature', file: path, variable: 'compressed', message: expect.stringMatching(/zstd.*32015/) });
      expect(Array.from((await ds.read('plain', [60], [4])) as Int32Array)).toEqual([60, 61, 62, 63]);
    } finally {
      await ds.close();
    }
  });

  it('rejects files that are not HDF5, and reads after close', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'not.nc');
      writeFileSync(path, 'CDF\x01 not really');
      await expect(open(path)).rejects.toMatchObject({ kind: 'UnknownFormat', file: path });
      const ds = await open(fixture('netcdf4', 'basic.nc'));
      await ds.close();
      await expect(ds.read('lat')).rejects.toSatisfy((e: unknown) => isGridcastError(e));
    } finally {
      dir.remove();
    }
  });

  it('gives TruncatedFile or CorruptFile for truncated files, never another error', async () => {
    const dir = tempDir();
    try {
      for (const name of ['basic', 'deflate', 'python']) {
        const bytes = readFileSync(fixture('netcdf4', `${name}.nc`));
        for (const keep of [0.99, 0.9, 0.6, 0.3, 0.05]) {
          const path = join(dir.path, `${name}-${keep}.nc`);
          writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * keep)));
          const outcome = await open(path)
            .then(async (ds) => {
              try {
                for (const v of ds.variables) if (v.dtype !== 'string') await ds.read(v.name);
                return 'read';
              } finally {
                await ds.close();
              }
            })
            .catch((e: unknown) => (isGridcastError(e) ? e.kind : `other: ${String(e)}`));
          expect(['TruncatedFile', 'CorruptFile'], `${name} cut to ${keep}`).toContain(outcome);
        }
      }
    } finally {
      dir.remove();
    }
  });

  it('removes the temporary copy of an in-memory file when closed', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('gridcast-h5-')));
    const ds = await netcdf4Format.open(new MemorySource(readFileSync(fixture('netcdf4', 'basic.nc'))));
    await ds.close();
    const after = readdirSync(tmpdir()).filter((f) => f.startsWith('gridcast-h5-') && !before.has(f));
    expect(after).toEqual([]);
  });
});

describe('netcdf4 reader: fuzzing', () => {
  /** Runs the fuzz driver in a child process: a crash or hang there fails here with the case number. */
  function fuzz(file: string, cases: number, seed: number, only?: number): Promise<{ lines: Record<string, unknown>[]; code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'test/datasets/formats/netcdf4-fuzz.child.ts'), file, String(cases), String(seed), ...(only === undefined ? [] : [String(only)])],
        { cwd: repoRoot, timeout: 100_000, env: { ...process.env, GRIDCAST_HDF5_TIMEOUT_MS: '3000' }, maxBuffer: 1 << 24 },
        (_err, stdout, stderr) => {
          const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
          resolve({ lines, code: child.exitCode, stderr });
        },
      );
    });
  }

  it.each([
    ['basic', 1],
    ['deflate', 7],
    ['python', 3],
  ])('corrupted copies of %s.nc read or fail with a GridcastError, never crash or hang', async (name, seed) => {
    const { lines, code, stderr } = await fuzz(fixture('netcdf4', `${name}.nc`), 100, seed);
    const started = lines.filter((l) => 'start' in l).length;
    const results = lines.filter((l) => 'case' in l);
    expect(results.length, `stopped during case ${started - 1}; stderr: ${stderr.slice(-500)}`).toBe(100);
    const others = results.filter((l) => String(l.outcome).startsWith('other'));
    expect(others).toEqual([]);
    expect(results.some((l) => l.outcome !== 'ok')).toBe(true);
    expect(lines.at(-1)).toEqual({ intact: 'ok', leaked: 0 }); // nothing poisoned for later opens, no descriptor left open
    expect(code).toBe(0);
  });

  it('stops HDF5 when it loops forever on a corrupt structure (CorruptFile after the deadline)', async () => {
    // Case 145 of seed 7 overwrites 3 bytes of deflate.nc's global heap: HDF5 then spins forever
    // decoding the variable-length 'history' attribute. The 3 s deadline turns that into an error.
    const { lines, code } = await fuzz(fixture('netcdf4', 'deflate.nc'), 146, 7, 145);
    expect(lines.find((l) => 'case' in l)).toEqual({ case: 145, outcome: 'CorruptFile' });
    expect(lines.at(-1)).toEqual({ intact: 'ok', leaked: 0 });
    expect(code).toBe(0);
  });
});
