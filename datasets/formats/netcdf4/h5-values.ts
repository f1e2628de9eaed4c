/**
 * Values out of an h5wasm instance: HDF5 datatypes mapped to our dtypes, attributes decoded to
 * `AttrValue`, and hyperslabs read straight into native typed arrays (one copy out of the wasm heap,
 * instead of h5wasm's `slice()` which copies twice).
 *
 * NetCDF-4 maps its types onto HDF5 atomic types (NC_CHAR is a 1-byte fixed string, NC_STRING a
 * variable-length string): https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */
import { AbsurdSizeError, CorruptFileError, InvalidOptionError, UnsupportedFeatureError } from '../../errors.js';
import type { AttrValue, DType, NumericArray } from '../types.js';
import type { H5Metadata, H5Module } from './h5-runtime.js';

/** HDF5 type classes (H5T_class_t) as h5wasm reports them in `metadata.type`. */
export const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, REFERENCE: 7, ENUM: 8, VLEN: 9, ARRAY: 10 } as const;

/** Attributes larger than this are treated as corrupt rather than allocated. */
const MAX_ATTRIBUTE_BYTES = 64 << 20;

/** Our dtype for an HDF5 datatype, or undefined for types NetCDF-4 data never uses here (compound, vlen…). */
export function dtypeOf(meta: H5Metadata): DType | undefined {
  const { type, size, signed } = meta;
  if (type === H5T.INTEGER || type === H5T.ENUM) {
    const bits = size * 8;
    if (![8, 16, 32, 64].includes(bits)) return undefined;
    return `${signed ? 'int' : 'uint'}${bits}` as DType;
  }
  if (type === H5T.FLOAT) return size === 4 ? 'float32' : size === 8 ? 'float64' : undefined;
  if (type === H5T.STRING) return meta.vlen ? 'string' : size === 1 ? 'char' : 'string';
  return undefined;
}

type ArrayCtor = { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): NumericArray; BYTES_PER_ELEMENT: number };

const CTORS: Partial<Record<DType, ArrayCtor>> = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array, char: Uint8Array,
};

/** The typed-array constructor holding values of `dtype`, or undefined for text types. */
export function arrayCtorOf(dtype: DType): ArrayCtor | undefined {
  return CTORS[dtype];
}

/** Bytes of wasm heap, re-read after every call because the heap may have grown (detaching old views). */
function heap(m: H5Module): Uint8Array {
  return m.HEAPU8;
}

/** Allocates `nbytes` on the wasm heap, runs `fn`, frees. */
function withBuffer<T>(m: H5Module, nbytes: number, fn: (ptr: number) => T): T {
  const ptr = m._malloc(Math.max(nbytes, 1));
  if (!ptr) throw new AbsurdSizeError(`could not allocate ${nbytes} bytes in the HDF5 heap`, { expected: 'a smaller hyperslab' });
  try {
    return fn(ptr);
  } finally {
    m._free(ptr);
  }
}

/** Decodes `n` fixed-size strings of `size` bytes (NUL-terminated or padded). */
function fixedStrings(bytes: Uint8Array, size: number, n: number, utf8: boolean): string[] {
  const dec = new TextDecoder(utf8 ? 'utf-8' : 'latin1');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = bytes.subarray(i * size, (i + 1) * size);
    const nul = s.indexOf(0);
    if (nul >= 0) s = s.subarray(0, nul);
    out.push(dec.decode(s));
  }
  return out;
}

/**
 * Reads attribute `name` of the object at `path`. Numbers come back as number[] (64-bit integers
 * as the nearest double), text as a string (several strings joined by ', '); types NetCDF does not
 * use for attributes (compound, reference, vlen of numbers) give undefined.
 */
export function readAttribute(m: H5Module, fid: bigint, path: string, name: string): AttrValue | undefined {
  const meta = m.get_attribute_metadata(fid, path, name);
  const dtype = dtypeOf(meta);
  if (dtype === undefined) return undefined;
  if (!meta.shape) return dtype === 'string' || dtype === 'char' ? '' : []; // HDF5 null dataspace
  const n = meta.total_size;
  const nbytes = meta.size * n;
  if (!Number.isSafeInteger(nbytes) || nbytes < 0 || nbytes > MAX_ATTRIBUTE_BYTES) {
    throw new AbsurdSizeError(`attribute '${name}' claims ${nbytes} bytes`, { expected: `at most ${MAX_ATTRIBUTE_BYTES} bytes` });
  }
  return withBuffer(m, nbytes, (ptr) => {
    m.get_attribute_data(fid, path, name, BigInt(ptr));
    if (meta.type === H5T.STRING) {
      const utf8 = meta.cset === 1;
      if (meta.vlen) {
        const ptrs = new Uint32Array(heap(m).buffer, ptr, n).slice();
        try {
          const reader = utf8 ? m.UTF8ToString : m.AsciiToString;
          return ptrs.length === 0 ? '' : Array.from(ptrs, (p) => (p ? reader(p) : '')).join(', ');
        } finally {
          m.reclaim_vlen_memory(fid, path, name, BigInt(ptr));
        }
      }
      return fixedStrings(heap(m).subarray(ptr, ptr + nbytes), meta.size, n, utf8).join(', ');
    }
    const Ctor = arrayCtorOf(dtype)!;
    const copy = heap(m).slice(ptr, ptr + nbytes);
    const values = new Ctor(copy.buffer, 0, n);
    return Array.from(values as ArrayLike<number | bigint>, Number);
  });
}

/**
 * Object addresses referenced by a DIMENSION_LIST attribute (a vlen of object references per
 * dimension; HDF5 Dimension Scales spec), the first per dimension, undefined where there is none.
 * Decoded here rather than with H5DSiterate_scales, which can loop forever on a corrupt file.
 */
export function readDimensionList(m: H5Module, fid: bigint, path: string, rank: number): (number | undefined)[] | undefined {
  const meta = m.get_attribute_metadata(fid, path, 'DIMENSION_LIST');
  const ref = meta.vlen_type;
  if (meta.type !== H5T.VLEN || !ref || ref.type !== H5T.REFERENCE || ref.size !== 8 || meta.size !== 8 || meta.total_size !== rank) return undefined;
  const nbytes = meta.size * rank;
  return withBuffer(m, nbytes, (ptr) => {
    m.get_attribute_data(fid, path, 'DIMENSION_LIST', BigInt(ptr));
    try {
      const h = heap(m);
      const pairs = new DataView(h.buffer, h.byteOffset + ptr, nbytes); // hvl_t {size_t len; void *p} on wasm32
      return Array.from({ length: rank }, (_, i) => {
        const len = pairs.getUint32(8 * i, true);
        const at = pairs.getUint32(8 * i + 4, true);
        if (len < 1 || at + 8 > h.length) return undefined;
        return Number(new DataView(h.buffer, h.byteOffset + at, 8).getBigUint64(0, true));
      });
    } finally {
      m.reclaim_vlen_memory(fid, path, 'DIMENSION_LIST', BigInt(ptr));
    }
  });
}

/** The file address of the object at `path` (an HDF5 object reference is that address). */
export function objectAddress(m: H5Module, fid: bigint, path: string): number {
  const ref = m.create_object_reference(fid, path) as ArrayLike<number>;
  return Array.from(ref).reduceRight((acc, b) => acc * 256 + b, 0);
}

/** Checks start/count against `shape` and fills defaults (the whole variable). */
export function checkBox(shape: number[], start: number[] | undefined, count: number[] | undefined, ctx: { file: string; variable: string }): { start: number[]; count: number[] } {
  const rank = shape.length;
  const s = start ?? new Array<number>(rank).fill(0);
  const c = count ?? shape.map((n, i) => n - s[i]);
  for (const [label, arr] of [['start', s], ['count', c]] as const) {
    if (!Array.isArray(arr) || arr.length !== rank) {
      throw new InvalidOptionError(`${label} must have one entry per dimension (${rank}), got ${JSON.stringify(arr)}`, { ...ctx, expected: `${rank} entries` });
    }
    arr.forEach((v, i) => {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new InvalidOptionError(`${label}[${i}] must be a non-negative integer, got ${v}`, ctx);
      }
    });
  }
  s.forEach((v, i) => {
    if (v + c[i] > shape[i]) {
      throw new InvalidOptionError(`start[${i}] + count[${i}] = ${v + c[i]} exceeds dimension size ${shape[i]}`, { ...ctx, expected: `a box inside shape [${shape.join(', ')}]` });
    }
  });
  return { start: s, count: c };
}

/** Upper bound on one hyperslab read; larger boxes must be read in parts (by time slices). */
export const MAX_READ_BYTES = 2 ** 31 - 1;

/**
 * Reads the box start..start+count of the dataset at `path` into a fresh native typed array
 * (HDF5 converts big-endian data to little-endian on the way).
 */
export function readHyperslab(m: H5Module, fid: bigint, path: string, meta: H5Metadata, dtype: DType, start: number[], count: number[], file: string, variable: string): NumericArray {
  const Ctor = arrayCtorOf(dtype);
  if (!Ctor) {
    throw new UnsupportedFeatureError(`variable-length ${dtype} data is listed but not read`, { file, variable, expected: 'a numeric or char variable' });
  }
  const n = count.reduce((a, b) => a * b, 1);
  const nbytes = n * meta.size;
  if (nbytes > MAX_READ_BYTES) {
    throw new AbsurdSizeError(`hyperslab of ${nbytes} bytes is too large for one read`, { file, variable, expected: `at most ${MAX_READ_BYTES} bytes per read; read by time slices` });
  }
  if (meta.size !== Ctor.BYTES_PER_ELEMENT) {
    throw new CorruptFileError(`element size ${meta.size} does not match ${dtype}`, { file, variable });
  }
  const out = new Ctor(new ArrayBuffer(nbytes), 0, n);
  if (n === 0) return out;
  withBuffer(m, nbytes, (ptr) => {
    const whole = meta.shape === null || meta.shape.length === 0;
    const status = whole
      ? m.get_dataset_data(fid, path, null, null, null, BigInt(ptr))
      : m.get_dataset_data(fid, path, count.map(BigInt), start.map(BigInt), count.map(() => 1n), BigInt(ptr));
    if (status < 0) throw new CorruptFileError(`HDF5 could not read the data (status ${status})`, { file, variable });
    new Uint8Array(out.buffer).set(heap(m).subarray(ptr, ptr + nbytes));
  });
  return out;
}
