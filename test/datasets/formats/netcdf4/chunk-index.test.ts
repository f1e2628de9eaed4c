/**
 * The zlib fast path's chunk locator and reader against HDF5 itself: files written by netcdf-c
 * (fixtures) and by the HDF5 library inside h5wasm with the oldest and newest file-format
 * versions (superblock v0 + v1 object headers; superblock v3 + layout v4, which the locator must
 * decline so that h5wasm reads it).
 */
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netcdf4Format } from '../../../../datasets/formats/netcdf4.js';
import { readChunkIndex, superblockBase } from '../../../../datasets/formats/netcdf4/chunk-index.js';
import { ChunkedReader, unshuffle } from '../../../../datasets/formats/netcdf4/chunk-reader.js';
import type { FilterInfo } from '../../../../datasets/formats/netcdf4/filters.js';
import { FileSource } from '../../../../datasets/source/file-source.js';
import { fixture, tempDir } from '../../../helpers.js';

const dir = tempDir('gridcast-chunks-');
const V = new Float32Array(10 * 7 * 9).map((_, i) => i * 0.5 - 7);
const U = new Int16Array(5 * 10).map((_, i) => i * 37 - 900);

beforeAll(async () => {
  await h5wasm.ready;
  for (const [name, libver] of [['earliest', ['earliest', 'v108']], ['latest', 'latest']] as const) {
    const f = new h5wasm.File(join(dir.path, `${name}.h5`), 'w', { libver: libver as 'latest' });
    f.create_dataset({ name: 'v', data: V, shape: [10, 7, 9], chunks: [3, 4, 5], compression: 'gzip', compression_opts: 3 });
    f.create_dataset({ name: 'u', data: U, shape: [5, 10], chunks: [2, 3], maxshape: [null, 10] });
    f.close();
  }
});
afterAll(() => dir.remove());

/** The object header address of `name` (an object reference is that address). */
function address(path: string, name: string): number {
  const f = new h5wasm.File(path, 'r');
  try {
    const ref = (f.get(name) as InstanceType<typeof h5wasm.Dataset>).create_reference();
    return Array.from(ref.ref_data).reduceRight((acc, b) => acc * 256 + b, 0);
  } finally {
    f.close();
  }
}

describe('chunk index', () => {
  it('locates every chunk of netcdf-c files and decodes them like HDF5', async () => {
    for (const [file, variable, elem, filters] of [
      ['deflate.nc', 't2m', 2, [{ id: 2, name: 'shuffle', cd_values: [2] }, { id: 1, name: 'deflate', cd_values: [4] }]],
      ['python.nc', 'shuffled', 4, [{ id: 2, name: 'shuffle', cd_values: [4] }, { id: 1, name: 'deflate', cd_values: [6] }]],
    ] as [string, string, number, FilterInfo[]][]) {
      const path = fixture('netcdf4', file);
      const ds = await netcdf4Format.open(await FileSource.open(path));
      const src = await FileSource.open(path);
      try {
        const v = ds.variables.find((x) => x.name === variable)!;
        const chunks = v.storage!.match(/chunked ([0-9x]+)/)![1].split('x').map(Number);
        const index = await readChunkIndex(src, (await superblockBase(src))!, address(path, variable), v.shape, chunks);
        expect(index?.grid).toEqual(v.shape.map((n, d) => Math.ceil(n / chunks[d])));
        expect(index!.chunks.size).toBe(index!.grid.reduce((a, b) => a * b, 1));
        const Ctor = elem === 2 ? Int16Array : Float32Array;
        const reader = new ChunkedReader(src, { file, variable, chunkDims: chunks, elemSize: elem, filters, index: index!, Ctor });
        const mine = await reader.read(v.shape.map(() => 0), v.shape);
        expect(Array.from(mine as ArrayLike<number>)).toEqual(Array.from((await ds.read(variable)) as ArrayLike<number>));
      } finally {
        await Promise.all([ds.close(), src.close()]);
      }
    }
  });

  it('reads superblock v0 files with version 1 object headers', async () => {
    const path = join(dir.path, 'earliest.h5');
    const src = await FileSource.open(path);
    try {
      expect((await src.read(8, 1))[0]).toBe(0); // superblock version 0
      expect((await src.read(address(path, 'v'), 1))[0]).toBe(1); // object header version 1 (no 'OHDR')
      const index = await readChunkIndex(src, (await superblockBase(src))!, address(path, 'v'), [10, 7, 9], [3, 4, 5]);
      expect(index?.chunks.size).toBe(4 * 2 * 2);
      const filters = [{ id: 1, name: 'deflate', cd_values: [3] }];
      const reader = new ChunkedReader(src, { file: path, variable: 'v', chunkDims: [3, 4, 5], elemSize: 4, filters, index: index!, Ctor: Float32Array });
      expect(Array.from((await reader.read([0, 0, 0], [10, 7, 9])) as Float32Array)).toEqual(Array.from(V));
      const part = (await reader.read([2, 3, 4], [5, 2, 3])) as Float32Array;
      expect(part[0]).toBe(V[2 * 63 + 3 * 9 + 4]);
      expect(part[part.length - 1]).toBe(V[6 * 63 + 4 * 9 + 6]);
    } finally {
      await src.close();
    }
  });

  it('declines layouts it does not parse (v4 chunk indexes), leaving them to h5wasm', async () => {
    const path = join(dir.path, 'latest.h5');
    const src = await FileSource.open(path);
    try {
      expect(await readChunkIndex(src, (await superblockBase(src))!, address(path, 'v'), [10, 7, 9], [3, 4, 5])).toBeUndefined();
    } finally {
      await src.close();
    }
    for (const file of ['earliest.h5', 'latest.h5']) {
      const ds = await netcdf4Format.open(await FileSource.open(join(dir.path, file)));
      try {
        expect(ds.formatDetail).toMatch(/^HDF5 \(no NetCDF-4 dimension metadata/);
        expect(ds.variables.map((v) => [v.name, v.dims])).toEqual([['u', ['phony_dim_0', 'phony_dim_1']], ['v', ['phony_dim_1', 'phony_dim_2', 'phony_dim_3']]]);
        expect(Array.from((await ds.read('v')) as Float32Array)).toEqual(Array.from(V));
        expect(Array.from((await ds.read('u', [1, 2], [3, 4])) as Int16Array)).toEqual([12, 13, 14, 15, 22, 23, 24, 25, 32, 33, 34, 35].map((i) => U[i]));
      } finally {
        await ds.close();
      }
    }
  });
});

describe('unshuffle', () => {
  it('reverses HDF5 byte shuffling for 1-, 2-, 4- and 8-byte elements, leaving a partial tail as is', () => {
    for (const size of [1, 2, 4, 8]) {
      const n = 11;
      const plain = Uint8Array.from({ length: n * size + size - 1 }, (_, i) => (i * 31 + 7) & 255);
      const shuffled = new Uint8Array(plain.length);
      for (let i = 0; i < n; i++) for (let k = 0; k < size; k++) shuffled[k * n + i] = plain[i * size + k];
      shuffled.set(plain.subarray(n * size), n * size);
      expect(Array.from(unshuffle(shuffled, size))).toEqual(Array.from(plain));
    }
  });
});
