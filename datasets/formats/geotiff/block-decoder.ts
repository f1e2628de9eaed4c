/**
 * Turns the stored bytes of one tile or strip into native-order sample bytes: decompression,
 * byte swapping for big-endian files, and undoing the predictor.
 *
 * DEFLATE goes through node:zlib's asynchronous inflate, which runs on the libuv thread pool, so
 * several blocks decode in parallel on several cores; ZSTD through zstddec (the WASM zstd that
 * geotiff.js itself uses) with a bounded output size; LZW and PackBits through our bounded
 * decoders in codecs.ts (geotiff.js's LZW can loop until V8 aborts on corrupt input). Compressions neither handles are refused before
 * any pixel is read (see `SUPPORTED_COMPRESSIONS`).
 *
 * Spec: TIFF 6.0 §13 (LZW), §14 (predictor), Adobe TIFF Tech Note 3 (predictor 3, DEFLATE).
 */
import { inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { CorruptFileError, UnsupportedFeatureError, isGridcastError } from '../../errors.js';
import { lzwDecode, packbitsDecode } from './codecs.js';
import { undoFloatingPoint, undoHorizontal } from './predictor.js';
import { compressionName } from './tiff-tags.js';
import type { ZSTDDecoder } from 'zstddec';

const inflateAsync = promisify(inflate) as (buf: Uint8Array, opts: { maxOutputLength: number }) => Promise<Buffer>;

/** Compression codes we decode: none, LZW, DEFLATE (both codes), PackBits, ZSTD. */
export const SUPPORTED_COMPRESSIONS = new Set([1, 5, 8, 32946, 32773, 50000]);

/** How the blocks of one image are stored. */
export interface BlockCoding {
  /** File shown in errors. */
  file: string;
  compression: number;
  predictor: number;
  littleEndian: boolean;
  /** Block width in pixels (tile width, or image width for strips). */
  blockWidth: number;
  /** Full block height in rows (tile height, or rows per strip). */
  blockHeight: number;
  /** Interleaved samples per pixel in a block: the band count for PlanarConfiguration 1, else 1. */
  stride: number;
  bytesPerSample: number;
  /** True for float samples (predictor 3 needs them). */
  float: boolean;
}

/** Throws UnsupportedFeatureError unless the compression and predictor can be decoded. */
export function checkCoding(c: BlockCoding): void {
  if (!SUPPORTED_COMPRESSIONS.has(c.compression)) {
    throw new UnsupportedFeatureError(`compression ${compressionName(c.compression)} is not supported`, {
      file: c.file, expected: 'NONE, LZW, DEFLATE, PACKBITS or ZSTD',
    });
  }
  if (c.predictor !== 1 && c.predictor !== 2 && c.predictor !== 3) {
    throw new UnsupportedFeatureError(`predictor ${c.predictor} is not supported`, { file: c.file, expected: '1, 2 or 3' });
  }
  if (c.predictor === 3 && !c.float) {
    throw new UnsupportedFeatureError('predictor 3 (floating point) on integer samples', { file: c.file, expected: 'float samples' });
  }
}

let zstdDecoder: Promise<ZSTDDecoder> | undefined;
function zstd(): Promise<ZSTDDecoder> {
  zstdDecoder ??= import('zstddec').then(async ({ ZSTDDecoder: Z }) => {
    const d = new Z();
    await d.init();
    return d;
  }, (cause: unknown) => {
    zstdDecoder = undefined;
    throw new UnsupportedFeatureError('ZSTD needs the zstddec package, which cannot be loaded', { cause, expected: 'zstddec installed' });
  });
  return zstdDecoder;
}

async function decompress(raw: Uint8Array, c: BlockCoding, maxBytes: number): Promise<Uint8Array> {
  switch (c.compression) {
    case 1:
      return raw;
    case 8:
    case 32946:
      return inflateAsync(raw, { maxOutputLength: maxBytes });
    case 50000:
      // zstddec directly, with the output size bounded: geotiff.js's ZSTD decoder trusts the frame
      // header's size and, without one, streams in a loop that never ends on a corrupt frame.
      return (await zstd()).decode(raw, maxBytes);
    case 5:
      return lzwDecode(raw, maxBytes);
    default:
      return packbitsDecode(raw, maxBytes);
  }
}

/**
 * Decodes one block holding `rows` rows (a last strip may be shorter than `blockHeight`) into a
 * fresh, aligned buffer of exactly `blockWidth * rows * stride * bytesPerSample` native bytes.
 * Rejects with CorruptFileError when the stream is damaged or too short.
 */
export async function decodeBlock(raw: Uint8Array, rows: number, c: BlockCoding, where: string): Promise<Uint8Array> {
  const need = c.blockWidth * rows * c.stride * c.bytesPerSample;
  const full = c.blockWidth * c.blockHeight * c.stride * c.bytesPerSample;
  let data: Uint8Array;
  try {
    data = await decompress(raw, c, Math.max(full, need));
  } catch (cause) {
    if (isGridcastError(cause)) throw cause;
    throw new CorruptFileError(`${where} cannot be decompressed (${compressionName(c.compression)}): ${(cause as Error)?.message ?? cause}`, {
      file: c.file, cause,
    });
  }
  if (data.byteLength < need) {
    throw new CorruptFileError(`${where} decodes to ${data.byteLength} bytes`, { file: c.file, expected: `${need} bytes` });
  }
  const out = new Uint8Array(need);
  out.set(data.subarray(0, need));
  if (c.predictor === 3) {
    undoFloatingPoint(out, c.blockWidth, rows, c.stride, c.bytesPerSample);
    return out;
  }
  if (!c.littleEndian && c.bytesPerSample > 1) swapBytes(out, c.bytesPerSample);
  if (c.predictor === 2) undoHorizontal(out, c.blockWidth, rows, c.stride, c.bytesPerSample);
  return out;
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const t = b[lo];
      b[lo] = b[hi];
      b[hi] = t;
    }
  }
}
