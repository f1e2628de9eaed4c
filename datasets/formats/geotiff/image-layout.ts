/**
 * Validates the structural tags of a TIFF image (IFD) and turns them into an `ImageLayout`: size,
 * bands, one sample type shared by all bands, tiles or strips, interleave, compression and the
 * block offset tables, each checked against the others and against the file size.
 *
 * Spec: TIFF 6.0 baseline tags (§8) and tiles (§15); SampleFormat (tag 339) from TIFF 6.0 §19.
 */
import { AbsurdSizeError, CorruptFileError, UnsupportedFeatureError } from '../../errors.js';
import type { DType } from '../types.js';
import type { Ifd } from './ifd-reader.js';
import { Tag } from './tiff-tags.js';
import type { ImageLayout } from './window-reader.js';

/** Largest width or height we accept. */
const MAX_DIM = 2 ** 31 - 1;

/** The sample type of a TIFF image; UnsupportedFeatureError for mixed or odd-sized samples. */
export function sampleType(ifd: Ifd, samples: number, file: string): { dtype: DType; bytes: number } {
  const bits = ifd.numbers(Tag.BitsPerSample) ?? [1];
  const formats = ifd.numbers(Tag.SampleFormat) ?? [1];
  const bitsOf = (i: number) => bits[Math.min(i, bits.length - 1)];
  const fmtOf = (i: number) => formats[Math.min(i, formats.length - 1)];
  for (let i = 1; i < samples; i++) {
    if (bitsOf(i) !== bitsOf(0) || fmtOf(i) !== fmtOf(0)) {
      throw new UnsupportedFeatureError(
        `bands have different sample types (band 1: ${fmtOf(0)}/${bitsOf(0)} bits, band ${i + 1}: ${fmtOf(i)}/${bitsOf(i)} bits)`,
        { file, expected: 'one data type for all bands' },
      );
    }
  }
  const b = bitsOf(0);
  const f = fmtOf(0);
  const table: Record<string, DType> = {
    '1/8': 'uint8', '1/16': 'uint16', '1/32': 'uint32', '1/64': 'uint64',
    '2/8': 'int8', '2/16': 'int16', '2/32': 'int32', '2/64': 'int64',
    '3/32': 'float32', '3/64': 'float64',
  };
  const dtype = table[`${f === 4 ? 1 : f}/${b}`];
  if (!dtype) {
    const kind = f === 3 ? 'float' : f === 2 ? 'signed integer' : f === 1 || f === 4 ? 'unsigned integer' : `sample format ${f}`;
    throw new UnsupportedFeatureError(`${b}-bit ${kind} samples are not supported`, {
      file, expected: '8/16/32/64-bit integers or 32/64-bit floats',
    });
  }
  return { dtype, bytes: b / 8 };
}

/** Builds and checks the layout of the image in `ifd`. `fill` is the value of sparse blocks. */
export function imageLayout(ifd: Ifd, file: string, littleEndian: boolean, fill: number): ImageLayout {
  const width = ifd.number(Tag.ImageWidth);
  const height = ifd.number(Tag.ImageLength);
  if (!width || !height || width > MAX_DIM || height > MAX_DIM || !Number.isInteger(width) || !Number.isInteger(height)) {
    throw new CorruptFileError(`image size ${width}x${height} is invalid`, { file, expected: 'a positive width and height' });
  }
  const samples = ifd.number(Tag.SamplesPerPixel, 1)!;
  if (samples < 1 || samples > 65535) throw new CorruptFileError(`SamplesPerPixel is ${samples}`, { file });
  const { dtype, bytes } = sampleType(ifd, samples, file);
  const planarTag = ifd.number(Tag.PlanarConfiguration, 1)!;
  if (planarTag !== 1 && planarTag !== 2) {
    throw new CorruptFileError(`PlanarConfiguration is ${planarTag}`, { file, expected: '1 (pixel-interleaved) or 2 (band-separate)' });
  }
  const planar = samples === 1 ? 1 : planarTag;
  const tiled = ifd.has(Tag.TileWidth) || ifd.has(Tag.TileOffsets);
  let blockWidth: number;
  let blockHeight: number;
  if (tiled) {
    blockWidth = ifd.number(Tag.TileWidth, 0)!;
    blockHeight = ifd.number(Tag.TileLength, 0)!;
    if (blockWidth < 1 || blockHeight < 1 || blockWidth > 65536 || blockHeight > 65536) {
      throw new CorruptFileError(`tile size ${blockWidth}x${blockHeight} is invalid`, { file, expected: 'between 1 and 65536' });
    }
  } else {
    blockWidth = width;
    const rps = ifd.number(Tag.RowsPerStrip, height)!;
    if (rps < 1) throw new CorruptFileError(`RowsPerStrip is ${rps}`, { file, expected: 'a positive number' });
    blockHeight = Math.min(rps, height);
  }
  const offsets = ifd.numbers(tiled ? Tag.TileOffsets : Tag.StripOffsets);
  const byteCounts = ifd.numbers(tiled ? Tag.TileByteCounts : Tag.StripByteCounts);
  const blocks = Math.ceil(width / blockWidth) * Math.ceil(height / blockHeight) * (planar === 2 ? samples : 1);
  const what = tiled ? 'tile' : 'strip';
  if (!offsets || !byteCounts) throw new CorruptFileError(`${what} offsets or byte counts are missing`, { file });
  if (offsets.length < blocks || byteCounts.length < blocks) {
    throw new CorruptFileError(`the image needs ${blocks} ${what}s but the file lists ${Math.min(offsets.length, byteCounts.length)}`, {
      file, expected: `${blocks} ${what} offsets and byte counts`,
    });
  }
  if (width * height * samples * bytes > Number.MAX_SAFE_INTEGER) throw new AbsurdSizeError(`image size ${width}x${height}x${samples}`, { file });
  return {
    file, width, height, samples, dtype, planar, tiled, offsets, byteCounts, fill, littleEndian,
    blockWidth, blockHeight,
    compression: ifd.number(Tag.Compression, 1)!,
    predictor: ifd.number(Tag.Predictor, 1)!,
    stride: planar === 1 ? samples : 1,
    bytesPerSample: bytes,
    float: dtype.startsWith('float'),
  };
}
