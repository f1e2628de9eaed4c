/**
 * Reads a window (bands × rows × columns) of a tiled or stripped TIFF image into one band-major
 * typed array, fetching and decoding only the blocks the window touches, a few at a time so that
 * decompression overlaps on the thread pool and memory stays bounded.
 *
 * Handles PlanarConfiguration 1 (pixel-interleaved: one block holds every band) and 2
 * (band-separate: blocks of band b follow those of band b-1), and sparse blocks (offset or byte
 * count 0), which GDAL reads as nodata, or 0 without nodata.
 * Spec: TIFF 6.0 §15 (tiles), §3 (strips), PlanarConfiguration (tag 284).
 */
import { AbsurdSizeError, TruncatedFileError } from '../../errors.js';
import type { ByteSource } from '../../source/byte-source.js';
import type { DType, NumericArray } from '../types.js';
import { decodeBlock, type BlockCoding } from './block-decoder.js';

/** Largest array one read may return (bytes). */
export const MAX_READ_BYTES = 2 ** 31;
/** Most blocks one read may touch (a file of 1-pixel tiles would otherwise need millions of jobs). */
const MAX_BLOCKS_PER_READ = 4_000_000;
/** Blocks fetched and decoded concurrently. */
const CONCURRENCY = 4;

/** Everything needed to read pixels of one image (IFD). */
export interface ImageLayout extends BlockCoding {
  width: number;
  height: number;
  /** Bands (SamplesPerPixel). */
  samples: number;
  dtype: DType;
  planar: 1 | 2;
  tiled: boolean;
  offsets: number[];
  byteCounts: number[];
  /** Value of sparse blocks. */
  fill: number;
}

/** Allocates a typed array of `dtype`. */
export function allocate(dtype: DType, n: number): NumericArray {
  switch (dtype) {
    case 'int8': return new Int8Array(n);
    case 'uint8': return new Uint8Array(n);
    case 'int16': return new Int16Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'int32': return new Int32Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'uint64': return new BigUint64Array(n);
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    default: throw new AbsurdSizeError(`cannot allocate ${dtype}`);
  }
}

function view(dtype: DType, b: Uint8Array): NumericArray {
  const { buffer, byteOffset: o, byteLength: n } = b;
  switch (dtype) {
    case 'int8': return new Int8Array(buffer, o, n);
    case 'uint8': return b;
    case 'int16': return new Int16Array(buffer, o, n / 2);
    case 'uint16': return new Uint16Array(buffer, o, n / 2);
    case 'int32': return new Int32Array(buffer, o, n / 4);
    case 'uint32': return new Uint32Array(buffer, o, n / 4);
    case 'int64': return new BigInt64Array(buffer, o, n / 8);
    case 'uint64': return new BigUint64Array(buffer, o, n / 8);
    case 'float32': return new Float32Array(buffer, o, n / 4);
    default: return new Float64Array(buffer, o, n / 8);
  }
}

/** Reads bands b0..b0+nb, rows y0..y0+ny, columns x0..x0+nx (already validated against the image). */
export async function readWindow(
  source: ByteSource, img: ImageLayout,
  b0: number, nb: number, y0: number, ny: number, x0: number, nx: number,
): Promise<NumericArray> {
  const bytes = nb * ny * nx * img.bytesPerSample;
  if (bytes > MAX_READ_BYTES) {
    throw new AbsurdSizeError(`a read of ${nb}x${ny}x${nx} values (${bytes} bytes) is too large`, {
      file: img.file, variable: 'band_data', expected: `at most ${MAX_READ_BYTES} bytes per read; read a smaller window`,
    });
  }
  const out = allocate(img.dtype, nb * ny * nx);
  if (out.length === 0) return out;
  const bw = img.blockWidth;
  const bh = img.blockHeight;
  const across = Math.ceil(img.width / bw);
  const down = Math.ceil(img.height / bh);
  const touched = (Math.floor((y0 + ny - 1) / bh) - Math.floor(y0 / bh) + 1) * (Math.floor((x0 + nx - 1) / bw) - Math.floor(x0 / bw) + 1)
    * (img.planar === 2 ? nb : 1);
  if (touched > MAX_BLOCKS_PER_READ) {
    throw new AbsurdSizeError(`a read touching ${touched} blocks of ${bw}x${bh} pixels`, {
      file: img.file, variable: 'band_data', expected: `at most ${MAX_BLOCKS_PER_READ} blocks per read`,
    });
  }
  const jobs: { index: number; bx: number; by: number; band: number }[] = [];
  for (let by = Math.floor(y0 / bh); by * bh < y0 + ny; by++) {
    for (let bx = Math.floor(x0 / bw); bx * bw < x0 + nx; bx++) {
      if (img.planar === 1) jobs.push({ index: by * across + bx, bx, by, band: -1 });
      else for (let b = b0; b < b0 + nb; b++) jobs.push({ index: b * across * down + by * across + bx, bx, by, band: b });
    }
  }
  const plane = ny * nx;
  const copy = async (job: (typeof jobs)[number]) => {
    const rows = Math.min(bh, img.height - job.by * bh);
    // Tiles always hold full blocks; the last strip only the rows that remain.
    const blockRows = img.tiled ? bh : rows;
    const block = await fetchBlock(source, img, job.index, blockRows);
    const top = job.by * bh;
    const left = job.bx * bw;
    const ya = Math.max(y0, top);
    const yb = Math.min(y0 + ny, top + rows);
    const xa = Math.max(x0, left);
    const xb = Math.min(x0 + nx, left + bw, img.width);
    const bands = img.planar === 1 ? range(b0, nb) : [job.band];
    const stride = img.stride;
    for (const b of bands) {
      const dst = (b - b0) * plane;
      for (let y = ya; y < yb; y++) {
        const o = dst + (y - y0) * nx - x0;
        const rowStart = (y - top) * bw;
        if (block === null) {
          fillRange(out, o + xa, o + xb, img.fill);
        } else if (stride === 1) {
          (out as Float32Array).set((block as Float32Array).subarray(rowStart + xa - left, rowStart + xb - left), o + xa);
        } else {
          const sb = img.planar === 1 ? b : 0;
          for (let x = xa, s = (rowStart + xa - left) * stride + sb; x < xb; x++, s += stride) (out as Float64Array)[o + x] = (block as Float64Array)[s];
        }
      }
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await copy(jobs[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker));
  return out;
}

async function fetchBlock(source: ByteSource, img: ImageLayout, index: number, rows: number): Promise<NumericArray | null> {
  const offset = img.offsets[index];
  const count = img.byteCounts[index];
  if (offset === 0 || count === 0 || offset === undefined || count === undefined) return null;
  const where = `block ${index}`;
  if (offset + count > source.size) {
    throw new TruncatedFileError(`${where} (bytes ${offset}..${offset + count}) lies past the end of the file`, {
      file: img.file, expected: `at least ${offset + count} bytes`,
    });
  }
  const raw = await source.read(offset, count);
  return view(img.dtype, await decodeBlock(raw, rows, img, where));
}

function fillRange(out: NumericArray, a: number, b: number, v: number): void {
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) out.fill(BigInt(Math.trunc(v)), a, b);
  else out.fill(v, a, b);
}

function range(a: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => a + i);
}
