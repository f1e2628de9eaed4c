/**
 * Serialises the front of a COG: the TIFF/BigTIFF header, GDAL's "ghost" structural metadata, then
 * every IFD each followed by its out-of-line tag values — all before any pixel data, as GDAL's COG
 * driver lays it out (https://gdal.org/drivers/raster/cog.html#file-format-details).
 *
 * The size of this header depends only on tag types and counts, never on tile offsets, so it is
 * laid out once with placeholder offsets (to know where data starts) and serialised again with
 * the real ones at the end; both passes give the same length.
 */
import { GridcastError } from '../../errors.js';
import { FieldType, fieldTypeSize } from '../../formats/geotiff/tiff-tags.js';

/** One tag to write. Numbers are written in `type`; text gets its NUL terminator added. */
export interface TagSpec {
  tag: number;
  type: number;
  values: number[] | string;
}

/**
 * GDAL's ghost area, byte for byte as GDAL 3.x writes it (the trailing space after the last line
 * is deliberate in GDAL: it leaves room to flip KNOWN_INCOMPATIBLE_EDITION to YES in place).
 */
export function ghostArea(): Uint8Array {
  const body =
    'LAYOUT=IFDS_BEFORE_DATA\n' +
    'BLOCK_ORDER=ROW_MAJOR\n' +
    'BLOCK_LEADER=SIZE_AS_UINT4\n' +
    'BLOCK_TRAILER=LAST_4_BYTES_REPEATED\n' +
    'KNOWN_INCOMPATIBLE_EDITION=NO\n ';
  const head = `GDAL_STRUCTURAL_METADATA_SIZE=${String(body.length).padStart(6, '0')} bytes\n`;
  return new TextEncoder().encode(head + body);
}

const utf8 = new TextEncoder();

/** Number of values of a tag as the IFD counts them (text: UTF-8 bytes plus the NUL). */
function valueCount(t: TagSpec): number {
  return typeof t.values === 'string' ? utf8.encode(t.values).length + 1 : t.values.length;
}

function valueBytes(t: TagSpec): number {
  return valueCount(t) * fieldTypeSize(t.type)!;
}

/** Serialises header + ghost + IFDs (tags sorted by code). Returns the bytes and each IFD's offset. */
export function serializeHeader(ifds: TagSpec[][], bigTiff: boolean): { bytes: Uint8Array; ifdOffsets: number[] } {
  const ghost = ghostArea();
  const inline = bigTiff ? 8 : 4;
  const entry = bigTiff ? 20 : 12;
  const countSize = bigTiff ? 8 : 2;
  const sorted = ifds.map((tags) => [...tags].sort((a, b) => a.tag - b.tag));
  // Layout pass.
  let pos = (bigTiff ? 16 : 8) + ghost.length;
  pos += pos % 2;
  const ifdOffsets: number[] = [];
  const valueOffsets: number[][] = [];
  for (const tags of sorted) {
    ifdOffsets.push(pos);
    pos += countSize + tags.length * entry + inline;
    const offs: number[] = [];
    for (const t of tags) {
      const n = valueBytes(t);
      if (n > inline) {
        offs.push(pos);
        pos += n + (n % 2);
      } else offs.push(-1);
    }
    valueOffsets.push(offs);
  }
  const bytes = new Uint8Array(pos);
  const v = new DataView(bytes.buffer);
  const putOffset = (at: number, value: number) => (bigTiff ? v.setBigUint64(at, BigInt(value), true) : v.setUint32(at, value, true));
  // Header.
  bytes.set([0x49, 0x49], 0);
  if (bigTiff) {
    v.setUint16(2, 43, true);
    v.setUint16(4, 8, true);
    v.setUint16(6, 0, true);
    v.setBigUint64(8, BigInt(ifdOffsets[0]), true);
    bytes.set(ghost, 16);
  } else {
    v.setUint16(2, 42, true);
    v.setUint32(4, ifdOffsets[0], true);
    bytes.set(ghost, 8);
  }
  sorted.forEach((tags, i) => {
    let p = ifdOffsets[i];
    if (bigTiff) v.setBigUint64(p, BigInt(tags.length), true);
    else v.setUint16(p, tags.length, true);
    p += countSize;
    tags.forEach((t, j) => {
      v.setUint16(p, t.tag, true);
      v.setUint16(p + 2, t.type, true);
      const count = valueCount(t);
      if (bigTiff) v.setBigUint64(p + 4, BigInt(count), true);
      else v.setUint32(p + 4, count, true);
      const field = p + (bigTiff ? 12 : 8);
      const at = valueOffsets[i][j];
      if (at >= 0) putOffset(field, at);
      writeValues(v, bytes, at >= 0 ? at : field, t);
      p += entry;
    });
    putOffset(p, i + 1 < ifdOffsets.length ? ifdOffsets[i + 1] : 0);
  });
  return { bytes, ifdOffsets };
}

function writeValues(v: DataView, bytes: Uint8Array, at: number, t: TagSpec): void {
  if (typeof t.values === 'string') {
    const text = utf8.encode(t.values);
    bytes.set(text, at);
    bytes[at + text.length] = 0;
    return;
  }
  const size = fieldTypeSize(t.type)!;
  t.values.forEach((x, i) => {
    const o = at + i * size;
    switch (t.type) {
      case FieldType.SHORT: v.setUint16(o, x, true); break;
      case FieldType.LONG: v.setUint32(o, x, true); break;
      case FieldType.LONG8: v.setBigUint64(o, BigInt(x), true); break;
      case FieldType.DOUBLE: v.setFloat64(o, x, true); break;
      default: throw new GridcastError(`tag ${t.tag}: cannot write field type ${t.type}`);
    }
  });
}
