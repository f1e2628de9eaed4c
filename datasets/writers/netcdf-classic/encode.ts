/**
 * Encoding for the NetCDF classic writer: values to big-endian bytes and the header grammar
 * (magic numrecs dim_list gatt_list var_list) of CDF-1 and CDF-2.
 *
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */
import { InvalidOptionError } from '../../errors.js';

/** Types the writer stores (the CDF-1/CDF-2 set). */
export type NcWriteType = 'byte' | 'char' | 'short' | 'int' | 'float' | 'double';

/** nc_type code and element size of each writable type. */
export const WRITE_TYPES: Record<NcWriteType, { code: number; size: number; min?: number; max?: number }> = {
  byte: { code: 1, size: 1, min: -128, max: 127 },
  char: { code: 2, size: 1, min: 0, max: 255 },
  short: { code: 3, size: 2, min: -32768, max: 32767 },
  int: { code: 4, size: 4, min: -2147483648, max: 2147483647 },
  float: { code: 5, size: 4 },
  double: { code: 6, size: 8 },
};

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

type Numbers = ArrayLike<number>;

/**
 * `values` as big-endian bytes of `type` in a fresh, 8-byte-aligned buffer. Integer types reject
 * non-integers and values out of range (InvalidOptionError naming `what`) unless the input is
 * already a typed array of that very type; `char` takes a string (UTF-8) or bytes.
 */
export function encodeValues(type: NcWriteType, values: Numbers | string, what: string, context: { file?: string; variable?: string } = {}): Uint8Array {
  if (type === 'char') {
    if (typeof values === 'string') return utf8.encode(values);
    return checkedCopy(new Uint8Array(values.length), values, type, what, context);
  }
  if (typeof values === 'string') {
    throw new InvalidOptionError(`${what} must be numbers for type ${type}, got a string`, context);
  }
  const t = WRITE_TYPES[type];
  const out = new Uint8Array(values.length * t.size);
  switch (type) {
    case 'byte':
      values instanceof Int8Array ? new Int8Array(out.buffer).set(values) : checkedCopy(new Int8Array(out.buffer), values, type, what, context);
      break;
    case 'short':
      values instanceof Int16Array ? new Int16Array(out.buffer).set(values) : checkedCopy(new Int16Array(out.buffer), values, type, what, context);
      break;
    case 'int':
      values instanceof Int32Array ? new Int32Array(out.buffer).set(values) : checkedCopy(new Int32Array(out.buffer), values, type, what, context);
      break;
    case 'float':
      new Float32Array(out.buffer).set(values);
      break;
    case 'double':
      new Float64Array(out.buffer).set(values);
      break;
  }
  toBigEndian(out, t.size);
  return out;
}

function checkedCopy<T extends { [i: number]: number; length: number }>(
  target: T, values: Numbers, type: NcWriteType, what: string, context: { file?: string; variable?: string },
): T {
  const { min, max } = WRITE_TYPES[type];
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isInteger(x) || x < min! || x > max!) {
      throw new InvalidOptionError(`${what}[${i}] = ${x} is not a ${type} value`, {
        ...context,
        expected: `integers in ${min}..${max}`,
      });
    }
    target[i] = x;
  }
  return target;
}

/** Swaps host-order elements of `width` bytes to big-endian in place. */
export function toBigEndian(bytes: Uint8Array, width: number): void {
  if (width === 1 || !hostLittleEndian || bytes.length === 0) return;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (width === 2) b.swap16();
  else if (width === 4) b.swap32();
  else b.swap64();
}

/** Appends big-endian header fields to a growing buffer. */
export class HeaderEncoder {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  constructor(private readonly offsetBytes: 4 | 8) {}

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  bytes(b: Uint8Array): this {
    this.room(b.length + 3);
    this.buf.set(b, this.length);
    this.length += b.length;
    while (this.length % 4) this.buf[this.length++] = 0; // zero padding to 4 bytes
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
    return this;
  }

  /** OFFSET: 32-bit in CDF-1, 64-bit in CDF-2. */
  offset(v: number): this {
    if (this.offsetBytes === 4) return this.u32(v);
    return this.u32(Math.floor(v / 0x100000000)).u32(v % 0x100000000);
  }

  name(s: string): this {
    const b = utf8.encode(s);
    return this.u32(b.length).bytes(b);
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
