/**
 * The fast read path for chunked, deflate(+shuffle)-compressed NetCDF-4 variables: fetch each
 * chunk's bytes from the ByteSource, inflate with Node's zlib (native code, asynchronously on the
 * libuv thread pool, so several chunks inflate on several cores), undo HDF5's byte shuffle, and
 * copy the part inside the requested box into the output. A read that needs an unwritten chunk
 * (fill values) returns undefined and h5wasm, which knows the fill value, reads it instead.
 *
 * HDF5 filters: https://support.hdfgroup.org/documentation/hdf5/latest/_h5_z__u_g.html (deflate =
 * zlib stream of the chunk; shuffle = byte k of every element stored together, k = 0..size-1).
 */
import { inflate } from 'node:zlib';
import { CorruptFileError } from '../../errors.js';
import type { ByteSource } from '../../source/byte-source.js';
import type { NumericArray } from '../types.js';
import type { ChunkIndex } from './chunk-index.js';
import type { FilterInfo } from './filters.js';

/** Filters this path decodes; any other makes the caller use h5wasm. */
export const FAST_FILTERS = new Set([1, 2]);

/** What a chunked read needs to know about the variable. */
export interface ChunkedVariable {
  file: string;
  variable: string;
  chunkDims: number[];
  elemSize: number;
  filters: FilterInfo[];
  index: ChunkIndex;
  /** Typed array constructor of the variable's dtype. */
  Ctor: { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): NumericArray };
}

function inflateAsync(data: Uint8Array, expected: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // maxOutputLength stops a corrupt stream from inflating without bound; one output chunk avoids
    // zlib's default 16 KiB pieces being concatenated afterwards.
    inflate(data, { maxOutputLength: Math.max(expected, 1), chunkSize: Math.max(expected, 64) }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/** Reverses HDF5's shuffle filter: byte k of element i sits at k * n + i. */
export function unshuffle(src: Uint8Array, size: number): Uint8Array {
  const n = Math.floor(src.length / size);
  const out = new Uint8Array(src.length);
  if (size === 4) {
    const o = new Uint32Array(out.buffer, 0, n); // little-endian hosts only (x86, ARM)
    const b0 = src.subarray(0, n), b1 = src.subarray(n, 2 * n), b2 = src.subarray(2 * n, 3 * n), b3 = src.subarray(3 * n, 4 * n);
    for (let i = 0; i < n; i++) o[i] = (b0[i] | (b1[i] << 8) | (b2[i] << 16) | (b3[i] << 24)) >>> 0;
  } else if (size === 2) {
    const o = new Uint16Array(out.buffer, 0, n);
    const b0 = src.subarray(0, n), b1 = src.subarray(n, 2 * n);
    for (let i = 0; i < n; i++) o[i] = b0[i] | (b1[i] << 8);
  } else {
    for (let k = 0; k < size; k++) {
      const base = k * n;
      for (let i = 0; i < n; i++) out[i * size + k] = src[base + i];
    }
  }
  out.set(src.subarray(n * size), n * size); // HDF5 leaves a partial trailing element as is
  return out;
}

/** Decodes one stored chunk through the pipeline in reverse, skipping filters masked for it. */
async function decodeChunk(v: ChunkedVariable, raw: Uint8Array, mask: number, chunkBytes: number, where: string): Promise<Uint8Array> {
  let buf = raw;
  for (let i = v.filters.length - 1; i >= 0; i--) {
    if (mask & (1 << i)) continue;
    const f = v.filters[i];
    if (f.id === 1) {
      try {
        buf = await inflateAsync(buf, chunkBytes);
      } catch (cause) {
        throw new CorruptFileError(`deflate stream of chunk ${where} is damaged (${(cause as Error).message})`, { file: v.file, variable: v.variable, cause });
      }
    } else if (f.id === 2) {
      buf = unshuffle(buf, f.cd_values[0] || v.elemSize);
    }
  }
  if (buf.length !== chunkBytes) {
    throw new CorruptFileError(`chunk ${where} decodes to ${buf.length} bytes`, { file: v.file, variable: v.variable, expected: `${chunkBytes} bytes` });
  }
  return buf;
}

/** Chunks of one read being fetched and inflated at the same time. */
const IN_FLIGHT = 8;
/** Chunks decoded ahead of a read at least: two keep both cores busy during slice-by-slice reads. */
const MIN_READ_AHEAD = 2;
/** Decoded chunks kept ahead of a sequential reader at most (bytes). */
const READ_AHEAD_BYTES = 64 << 20;

/**
 * Reads boxes of one variable from its chunks. After each read it starts decoding the chunks that
 * follow (the next time steps, for the usual slice-by-slice ingest), so inflating the next slice on
 * the thread pool overlaps with the caller's work on this one.
 */
export class ChunkedReader {
  private readonly chunkBytes: number;
  /** Decodes started ahead of need, by linear chunk index, oldest first. */
  private readonly ahead = new Map<number, Promise<Uint8Array>>();

  constructor(private readonly src: ByteSource, private readonly v: ChunkedVariable) {
    this.chunkBytes = v.chunkDims.reduce((a, b) => a * b, v.elemSize);
  }

  private linear(c: number[]): number {
    return c.reduce((acc, x, d) => acc * this.v.index.grid[d] + x, 0);
  }

  /** The decoded chunk at linear index `k` (which must be stored), reusing a read-ahead. */
  private fetch(k: number): Promise<Uint8Array> {
    const early = this.ahead.get(k);
    if (early) {
      this.ahead.delete(k);
      return early;
    }
    const loc = this.v.index.chunks.get(k)!;
    return this.src.read(loc.address, loc.size).then((raw) => decodeChunk(this.v, raw, loc.filterMask, this.chunkBytes, `#${k}`));
  }

  /** Starts decoding the `n` stored chunks after linear index `last`, within the memory budget. */
  private readAhead(last: number, n: number): void {
    const budget = Math.max(1, Math.floor(READ_AHEAD_BYTES / this.chunkBytes));
    for (let k = last + 1; k <= last + Math.min(n, budget); k++) {
      if (this.ahead.has(k) || !this.v.index.chunks.has(k)) continue;
      const p = this.fetch(k);
      p.catch(() => {}); // reported if and when that chunk is actually asked for
      this.ahead.set(k, p);
    }
    while (this.ahead.size > budget) this.ahead.delete(this.ahead.keys().next().value as number);
  }

  /**
   * Reads the box start..start+count, or undefined when a chunk it needs was never written.
   * Output is a fresh typed array in C order.
   */
  async read(start: number[], count: number[]): Promise<NumericArray | undefined> {
    const { v, chunkBytes } = this;
    const rank = start.length;
    const { chunkDims, elemSize } = v;
    const total = count.reduce((a, b) => a * b, 1);
    // Chunk coordinates covering the box, in C order.
    const lo = start.map((s, d) => Math.floor(s / chunkDims[d]));
    const hi = start.map((s, d) => Math.floor((s + count[d] - 1) / chunkDims[d]));
    const wanted: number[][] = [];
    if (total > 0) {
      const c = lo.slice();
      for (;;) {
        wanted.push(c.slice());
        let d = rank - 1;
        for (; d >= 0; d--) {
          if (++c[d] <= hi[d]) break;
          c[d] = lo[d];
        }
        if (d < 0) break;
      }
    }
    if (wanted.some((c) => !v.index.chunks.has(this.linear(c)))) return undefined;

    // A box that is exactly one whole chunk needs no copy.
    const whole = wanted.length === 1 && count.every((n, d) => n === chunkDims[d] && start[d] % chunkDims[d] === 0);
    const out = whole ? undefined : new Uint8Array(total * elemSize);
    let result: NumericArray | undefined;

    const place = (c: number[], data: Uint8Array): void => {
      if (!out) {
        const own = data.byteOffset % elemSize === 0 ? data : data.slice();
        result = new v.Ctor(own.buffer as ArrayBuffer, own.byteOffset, total);
        return;
      }
      // Intersection of this chunk with the box, copied one innermost run at a time.
      const a = c.map((x, d) => Math.max(start[d], x * chunkDims[d]));
      const b = c.map((x, d) => Math.min(start[d] + count[d], (x + 1) * chunkDims[d]));
      const run = (b[rank - 1] - a[rank - 1]) * elemSize;
      const idx = a.slice(0, rank - 1);
      for (;;) {
        let srcOff = 0;
        let dstOff = 0;
        for (let d = 0; d < rank; d++) {
          const i = d < rank - 1 ? idx[d] : a[d];
          srcOff = srcOff * chunkDims[d] + (i - c[d] * chunkDims[d]);
          dstOff = dstOff * count[d] + (i - start[d]);
        }
        out.set(data.subarray(srcOff * elemSize, srcOff * elemSize + run), dstOff * elemSize);
        let d = rank - 2;
        for (; d >= 0; d--) {
          if (++idx[d] < b[d]) break;
          idx[d] = a[d];
        }
        if (d < 0) break;
      }
    };

    // Up to IN_FLIGHT chunks are read and inflated at once (on the thread pool), bounding memory.
    const keys = wanted.map((c) => this.linear(c));
    const pending: (Promise<Uint8Array> | undefined)[] = [];
    const begin = (i: number): void => {
      const p = this.fetch(keys[i]);
      p.catch(() => {}); // awaited below; this only stops an early failure being "unhandled"
      pending[i] = p;
    };
    for (let i = 0; i < Math.min(IN_FLIGHT, keys.length); i++) begin(i);
    this.readAhead(keys[keys.length - 1] ?? -1, Math.max(keys.length, MIN_READ_AHEAD));
    for (let i = 0; i < keys.length; i++) {
      const data = await pending[i]!;
      pending[i] = undefined;
      if (i + IN_FLIGHT < keys.length) begin(i + IN_FLIGHT);
      place(wanted[i], data);
    }
    return result ?? new v.Ctor(out!.buffer as ArrayBuffer, 0, total);
  }
}
