/**
 * Walks the TIFF header and the chain of image file directories (IFDs), validating every count
 * and offset against the file size before anything is allocated, and loads every tag value.
 *
 * Why our own walker and not geotiff.js's `ImageFileDirectoryParser`: geotiff.js trusts the file
 * (a corrupt tag count makes it allocate gigabytes, a corrupt next-IFD offset can loop forever)
 * and its 3.0.5 `DeferredArray` reads tile offsets as little-endian even in big-endian files.
 * Tag values are small next to the pixel data, so we read them all up front, once.
 *
 * ```ts
 * const tiff = await readTiffStructure(source);
 * const width = tiff.ifds[0].number(Tag.ImageWidth);
 * ```
 * Spec: TIFF 6.0 §2 (https://www.itu.int/itudoc/itu-t/com16/tiff-fx/docs/tiff6.pdf) and BigTIFF.
 */
import { AbsurdSizeError, CorruptFileError, TruncatedFileError, UnknownFormatError } from '../../errors.js';
import type { ByteSource } from '../../source/byte-source.js';
import { fieldTypeSize } from './tiff-tags.js';

/** At most this many IFDs are followed (a loop or garbage chain stops here). */
const MAX_IFDS = 4096;
/** Tag values larger than this in total are refused (a real GeoTIFF header is kilobytes). */
const MAX_TAG_BYTES = 256 * 1024 * 1024;

/** One tag's decoded value: numbers (64-bit ones as JS numbers) or text. */
export type TagValue = number[] | string;

/** An image file directory: its tags with their values. */
export class Ifd {
  constructor(
    /** Byte offset of the IFD in the file. */
    readonly offset: number,
    /** Tag code → value. */
    readonly tags: Map<number, TagValue>,
  ) {}

  /** True when the tag is present. */
  has(tag: number): boolean {
    return this.tags.has(tag);
  }

  /** The tag's numbers, or undefined when absent (text tags also give undefined). */
  numbers(tag: number): number[] | undefined {
    const v = this.tags.get(tag);
    return Array.isArray(v) ? v : undefined;
  }

  /** The tag's first number, or `fallback`. */
  number(tag: number, fallback?: number): number | undefined {
    const v = this.numbers(tag);
    return v && v.length > 0 ? v[0] : fallback;
  }

  /** The tag's text without the trailing NUL(s), or undefined. */
  text(tag: number): string | undefined {
    const v = this.tags.get(tag);
    return typeof v === 'string' ? v.replace(/\0+$/, '') : undefined;
  }
}

/** The structure of a TIFF file. */
export interface TiffStructure {
  littleEndian: boolean;
  bigTiff: boolean;
  /** IFDs in file order: the first is the full-resolution image. */
  ifds: Ifd[];
}

/** Reads and validates the header and every IFD of `source`. */
export async function readTiffStructure(source: ByteSource): Promise<TiffStructure> {
  const file = source.name;
  if (source.size < 8) throw new TruncatedFileError(`a TIFF header needs 8 bytes, the file has ${source.size}`, { file });
  const head = await source.read(0, Math.min(16, source.size));
  const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const bo = hv.getUint16(0, false);
  if (bo !== 0x4949 && bo !== 0x4d4d) {
    throw new UnknownFormatError('not a TIFF file (bad byte-order mark)', { file, expected: "'II' or 'MM'" });
  }
  const le = bo === 0x4949;
  const magic = hv.getUint16(2, le);
  let bigTiff: boolean;
  let first: number;
  if (magic === 42) {
    bigTiff = false;
    first = hv.getUint32(4, le);
  } else if (magic === 43) {
    bigTiff = true;
    if (head.byteLength < 16) throw new TruncatedFileError('a BigTIFF header needs 16 bytes', { file });
    if (hv.getUint16(4, le) !== 8) throw new CorruptFileError('BigTIFF offset size is not 8', { file });
    first = safeNumber(hv.getBigUint64(8, le), file, 'first IFD offset');
  } else {
    throw new UnknownFormatError(`not a TIFF file (magic number ${magic})`, { file, expected: '42 (TIFF) or 43 (BigTIFF)' });
  }

  const ifds: Ifd[] = [];
  const seen = new Set<number>();
  let tagBytes = 0;
  let offset = first;
  while (offset !== 0) {
    if (seen.has(offset)) throw new CorruptFileError(`IFD chain loops back to byte ${offset}`, { file });
    if (ifds.length >= MAX_IFDS) throw new AbsurdSizeError(`more than ${MAX_IFDS} IFDs`, { file });
    seen.add(offset);
    const { ifd, next, bytes } = await readIfd(source, offset, le, bigTiff);
    tagBytes += bytes;
    if (tagBytes > MAX_TAG_BYTES) throw new AbsurdSizeError(`tag values exceed ${MAX_TAG_BYTES} bytes`, { file });
    ifds.push(ifd);
    offset = next;
  }
  if (ifds.length === 0) throw new CorruptFileError('the file has no image (first IFD offset is 0)', { file });
  return { littleEndian: le, bigTiff, ifds };
}

async function readIfd(source: ByteSource, offset: number, le: boolean, big: boolean) {
  const file = source.name;
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const inlineSize = big ? 8 : 4;
  if (offset + countSize > source.size) {
    throw new TruncatedFileError(`IFD at byte ${offset} is past the end of the file (${source.size} bytes)`, { file });
  }
  const cb = await source.read(offset, countSize);
  const cv = new DataView(cb.buffer, cb.byteOffset, cb.byteLength);
  const n = big ? safeNumber(cv.getBigUint64(0, le), file, 'IFD entry count') : cv.getUint16(0, le);
  if (n === 0) throw new CorruptFileError(`IFD at byte ${offset} has no entries`, { file });
  const total = countSize + n * entrySize + inlineSize;
  if (offset + total > source.size) {
    throw new TruncatedFileError(`IFD at byte ${offset} declares ${n} entries, which run past the end of the file`, {
      file, expected: `at least ${offset + total} bytes`,
    });
  }
  const raw = (await source.read(offset, total)).slice();
  const v = new DataView(raw.buffer);
  const tags = new Map<number, TagValue>();
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const p = countSize + i * entrySize;
    const tag = v.getUint16(p, le);
    const type = v.getUint16(p + 2, le);
    const count = big ? safeNumber(v.getBigUint64(p + 4, le), file, `count of tag ${tag}`) : v.getUint32(p + 4, le);
    const size = fieldTypeSize(type);
    if (size === undefined) continue; // unknown field types are skipped, as libtiff does
    const byteLen = size * count;
    let data: DataView;
    let base: number;
    if (byteLen <= inlineSize) {
      data = v;
      base = p + (big ? 12 : 8);
    } else {
      const at = big ? safeNumber(v.getBigUint64(p + 12, le), file, `offset of tag ${tag}`) : v.getUint32(p + 8, le);
      if (byteLen > MAX_TAG_BYTES) throw new AbsurdSizeError(`tag ${tag} declares ${count} values`, { file });
      if (at + byteLen > source.size) {
        throw new TruncatedFileError(`values of tag ${tag} (bytes ${at}..${at + byteLen}) lie past the end of the file`, {
          file, expected: `at least ${at + byteLen} bytes`,
        });
      }
      const b = (await source.read(at, byteLen)).slice();
      data = new DataView(b.buffer);
      base = 0;
      bytes += byteLen;
    }
    tags.set(tag, decodeValues(data, base, type, count, le, file, tag));
  }
  const np = countSize + n * entrySize;
  const next = big ? safeNumber(v.getBigUint64(np, le), file, 'next IFD offset') : v.getUint32(np, le);
  if (next !== 0 && next >= source.size) {
    throw new TruncatedFileError(`next IFD offset ${next} is past the end of the file`, { file, expected: `at least ${next + 2} bytes` });
  }
  return { ifd: new Ifd(offset, tags), next, bytes };
}

function decodeValues(v: DataView, base: number, type: number, count: number, le: boolean, file: string, tag: number): TagValue {
  if (type === 2) {
    return new TextDecoder('utf-8').decode(new Uint8Array(v.buffer, v.byteOffset + base, count));
  }
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 1: case 7: out[i] = v.getUint8(base + i); break;
      case 6: out[i] = v.getInt8(base + i); break;
      case 3: out[i] = v.getUint16(base + 2 * i, le); break;
      case 8: out[i] = v.getInt16(base + 2 * i, le); break;
      case 4: case 13: out[i] = v.getUint32(base + 4 * i, le); break;
      case 9: out[i] = v.getInt32(base + 4 * i, le); break;
      case 11: out[i] = v.getFloat32(base + 4 * i, le); break;
      case 12: out[i] = v.getFloat64(base + 8 * i, le); break;
      case 5: out[i] = v.getUint32(base + 8 * i, le) / v.getUint32(base + 8 * i + 4, le); break;
      case 10: out[i] = v.getInt32(base + 8 * i, le) / v.getInt32(base + 8 * i + 4, le); break;
      case 16: case 18: out[i] = safeNumber(v.getBigUint64(base + 8 * i, le), file, `value of tag ${tag}`); break;
      case 17: out[i] = Number(v.getBigInt64(base + 8 * i, le)); break;
    }
  }
  return out;
}

function safeNumber(b: bigint, file: string, what: string): number {
  if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw new CorruptFileError(`${what} is ${b}, larger than any file`, { file });
  return Number(b);
}
