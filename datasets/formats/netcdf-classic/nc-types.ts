/**
 * NetCDF classic external data types: the nc_type codes of the header, their sizes on disk and
 * the typed arrays they decode into. Data on disk is big-endian (XDR); this module turns bytes
 * into native typed arrays with Node's Buffer swap16/swap32/swap64, which run in native code and
 * are many times faster than a DataView loop, falling back to a loop where Buffer is missing.
 *
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 * ("nc_type", and the CDF-5 additions NC_UBYTE … NC_UINT64).
 */
import { UnsupportedFeatureError } from '../../errors.js';
import type { DType, NumericArray } from '../types.js';

/** nc_type codes of the header. */
export const NC_BYTE = 1;
export const NC_CHAR = 2;
export const NC_SHORT = 3;
export const NC_INT = 4;
export const NC_FLOAT = 5;
export const NC_DOUBLE = 6;
export const NC_UBYTE = 7;
export const NC_USHORT = 8;
export const NC_UINT = 9;
export const NC_INT64 = 10;
export const NC_UINT64 = 11;

interface TypeEntry {
  /** CDL name, as ncdump prints it. */
  cdl: string;
  dtype: DType;
  size: number;
  /** True for the types CDF-5 added (invalid in CDF-1 and CDF-2). */
  cdf5Only: boolean;
}

const TYPES: Record<number, TypeEntry> = {
  [NC_BYTE]: { cdl: 'byte', dtype: 'int8', size: 1, cdf5Only: false },
  [NC_CHAR]: { cdl: 'char', dtype: 'char', size: 1, cdf5Only: false },
  [NC_SHORT]: { cdl: 'short', dtype: 'int16', size: 2, cdf5Only: false },
  [NC_INT]: { cdl: 'int', dtype: 'int32', size: 4, cdf5Only: false },
  [NC_FLOAT]: { cdl: 'float', dtype: 'float32', size: 4, cdf5Only: false },
  [NC_DOUBLE]: { cdl: 'double', dtype: 'float64', size: 8, cdf5Only: false },
  [NC_UBYTE]: { cdl: 'ubyte', dtype: 'uint8', size: 1, cdf5Only: true },
  [NC_USHORT]: { cdl: 'ushort', dtype: 'uint16', size: 2, cdf5Only: true },
  [NC_UINT]: { cdl: 'uint', dtype: 'uint32', size: 4, cdf5Only: true },
  [NC_INT64]: { cdl: 'int64', dtype: 'int64', size: 8, cdf5Only: true },
  [NC_UINT64]: { cdl: 'uint64', dtype: 'uint64', size: 8, cdf5Only: true },
};

/** The type entry of an nc_type code, or undefined when the code is not a classic type. */
export function ncType(code: number): TypeEntry | undefined {
  return Object.prototype.hasOwnProperty.call(TYPES, code) ? TYPES[code] : undefined;
}

/** True when `code` names a type a file of `version` (1, 2 or 5) may use. */
export function typeAllowed(code: number, version: number): boolean {
  const t = ncType(code);
  return t !== undefined && (version === 5 || !t.cdf5Only);
}

/** The nc_type code of a CDL type name ('float' → 5), or undefined. */
export function typeCodeOf(cdl: string): number | undefined {
  for (const [code, t] of Object.entries(TYPES)) if (t.cdl === cdl) return Number(code);
  return undefined;
}

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type BufferLike = { swap16(): unknown; swap32(): unknown; swap64(): unknown };
const NodeBuffer = (globalThis as { Buffer?: { from(ab: ArrayBufferLike, off: number, len: number): BufferLike } }).Buffer;

/**
 * Reverses the byte order of every `width`-byte element of `bytes` in place (big-endian file
 * order ↔ little-endian host order). No-op on big-endian hosts and for 1-byte types.
 */
export function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width === 1 || !hostLittleEndian || bytes.byteLength === 0) return;
  if (NodeBuffer) {
    const b = NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (width === 2) b.swap16();
    else if (width === 4) b.swap32();
    else b.swap64();
    return;
  }
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, z = i + width - 1; a < z; a++, z--) {
      const t = bytes[a]!;
      bytes[a] = bytes[z]!;
      bytes[z] = t;
    }
  }
}

/**
 * A typed array of `dtype` over `bytes` (which must be aligned to the element size and already
 * in host order). `char` data comes back as Uint8Array.
 */
export function typedView(dtype: DType, bytes: Uint8Array): NumericArray {
  const { buffer, byteOffset: o, byteLength: n } = bytes;
  switch (dtype) {
    case 'int8': return new Int8Array(buffer, o, n);
    case 'uint8': case 'char': return new Uint8Array(buffer, o, n);
    case 'int16': return new Int16Array(buffer, o, n / 2);
    case 'uint16': return new Uint16Array(buffer, o, n / 2);
    case 'int32': return new Int32Array(buffer, o, n / 4);
    case 'uint32': return new Uint32Array(buffer, o, n / 4);
    case 'float32': return new Float32Array(buffer, o, n / 4);
    case 'float64': return new Float64Array(buffer, o, n / 8);
    case 'int64': return new BigInt64Array(buffer, o, n / 8);
    case 'uint64': return new BigUint64Array(buffer, o, n / 8);
    default: throw new UnsupportedFeatureError(`no typed array for data type ${dtype}`); // unreachable for classic types
  }
}
