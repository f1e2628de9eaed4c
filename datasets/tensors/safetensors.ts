/**
 * The safetensors codec: our tensor file and wire format, readable by Python's `safetensors`
 * (https://github.com/huggingface/safetensors#format):
 *
 *   [8 bytes: N, little-endian u64][N bytes: JSON header, space-padded][raw little-endian data]
 *
 * The header maps each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets
 * relative to the data area) plus an optional `__metadata__` of string → string. The reference
 * reader insists that the offsets tile the data area exactly (no gaps, no overlap), so we write
 * tensors back to back, each 8-byte aligned through the header padding and sizes that are whole
 * multiples of their element size.
 *
 * ```ts
 * const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) } }, { note: 'hi' });
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * ```
 */
import { TensorFileError } from '../errors.js';

/** Safetensors dtype names we read and write. */
export type SafeDType = 'F64' | 'F32' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8';

export type TensorData =
  | Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array
  | BigUint64Array | Uint32Array | Uint16Array | Uint8Array;

/** A tensor to write or one that was read. `data.length` equals the product of `shape`. */
export interface Tensor {
  dtype: SafeDType;
  shape: number[];
  data: TensorData;
}

/** Header entry of one tensor as stored in the file. */
export interface TensorHeaderEntry {
  dtype: SafeDType;
  shape: number[];
  data_offsets: [number, number];
}

/** A parsed header: entries by name, metadata, and where the data area starts in the file. */
export interface SafetensorsHeader {
  entries: Record<string, TensorHeaderEntry>;
  metadata: Record<string, string>;
  /** Byte offset of the data area (8 + header length). */
  dataStart: number;
  /** Length of the data area in bytes. */
  dataLength: number;
}

const CTORS: Record<SafeDType, { new (buf: ArrayBuffer, off: number, len: number): TensorData; new (n: number): TensorData; BYTES_PER_ELEMENT: number }> = {
  F64: Float64Array, F32: Float32Array, I64: BigInt64Array, I32: Int32Array, I16: Int16Array,
  I8: Int8Array, U64: BigUint64Array, U32: Uint32Array, U16: Uint16Array, U8: Uint8Array,
} as never;

/** A header larger than this is refused rather than parsed (the reference reader caps it at 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of a dtype. */
export function dtypeSize(dtype: SafeDType): number {
  return CTORS[dtype].BYTES_PER_ELEMENT;
}

/** The dtype matching a typed array. */
export function dtypeOf(data: TensorData): SafeDType {
  for (const [k, C] of Object.entries(CTORS)) if (data instanceof (C as unknown as Function)) return k as SafeDType;
  throw new TensorFileError(`unsupported array type ${Object.prototype.toString.call(data)}`);
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Builds the header bytes (length prefix + padded JSON) for tensors in the given order and returns
 * it with each tensor's data offsets. Exposed so writers can stream the data after it.
 */
export function encodeHeader(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): { header: Uint8Array; dataLength: number } {
  const json: Record<string, unknown> = {};
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TensorFileError(`metadata '${k}' must be a string, got ${typeof v}`);
    }
    json.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new TensorFileError("'__metadata__' is reserved and cannot name a tensor");
    const n = product(t.shape);
    if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new TensorFileError(`shape [${t.shape}] is not a list of non-negative integers`, { variable: name });
    }
    if (n !== t.data.length) {
      throw new TensorFileError(`shape [${t.shape}] holds ${n} values but the array has ${t.data.length}`, { variable: name });
    }
    if (dtypeOf(t.data) !== t.dtype) {
      throw new TensorFileError(`dtype ${t.dtype} does not match the array type ${dtypeOf(t.data)}`, { variable: name });
    }
    const bytes = t.data.byteLength;
    json[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let text = JSON.stringify(json);
  // Pad with spaces so the data area starts 8-byte aligned (as the reference writer does).
  const raw = Buffer.from(text, 'utf8');
  const padded = Math.ceil(raw.length / 8) * 8;
  const header = Buffer.alloc(8 + padded, 0x20);
  header.writeBigUInt64LE(BigInt(padded), 0);
  raw.copy(header, 8);
  text = '';
  return { header, dataLength: offset };
}

/** Encodes tensors (in insertion order) and metadata into one safetensors buffer. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const { header, dataLength } = encodeHeader(tensors, metadata);
  const out = new Uint8Array(header.length + dataLength);
  out.set(header, 0);
  let pos = header.length;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/**
 * Parses and validates a header from the first bytes of a file. `prefix` must hold at least the
 * 8-byte length; when it is shorter than the header, the return says how many bytes are needed.
 */
export function parseHeader(prefix: Uint8Array, fileSize: number, file?: string): SafetensorsHeader | { needBytes: number } {
  if (fileSize < 8 || prefix.length < 8) {
    throw new TensorFileError('too short to be a safetensors file', { file, expected: 'an 8-byte header length' });
  }
  const n = Number(new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES || 8 + n > fileSize) {
    throw new TensorFileError(`header length ${n} is impossible for a ${fileSize}-byte file`, { file, expected: 'a safetensors file' });
  }
  if (prefix.length < 8 + n) return { needBytes: 8 + n };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(prefix.buffer, prefix.byteOffset + 8, n).toString('utf8'));
  } catch (cause) {
    throw new TensorFileError('header is not valid JSON', { file, cause });
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new TensorFileError('header is not a JSON object', { file });
  const entries: Record<string, TensorHeaderEntry> = {};
  let metadata: Record<string, string> = {};
  const dataLength = fileSize - 8 - n;
  const spans: [number, number, string][] = [];
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!value || typeof value !== 'object' || Object.values(value).some((v) => typeof v !== 'string')) {
        throw new TensorFileError('__metadata__ must map strings to strings', { file });
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as TensorHeaderEntry;
    if (!e || typeof e !== 'object' || !(e.dtype in CTORS) || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
      throw new TensorFileError(`bad header entry ${JSON.stringify(value)?.slice(0, 200)}`, { file, variable: name, expected: `{dtype: one of ${Object.keys(CTORS).join('/')}, shape, data_offsets}` });
    }
    const [b, en] = e.data_offsets;
    if (e.shape.some((d) => !Number.isSafeInteger(d) || d < 0) || !Number.isSafeInteger(b) || !Number.isSafeInteger(en) || b < 0 || en < b || en > dataLength) {
      throw new TensorFileError(`offsets [${b}, ${en}] or shape [${e.shape}] out of range (data area is ${dataLength} bytes)`, { file, variable: name });
    }
    if (product(e.shape) * dtypeSize(e.dtype) !== en - b) {
      throw new TensorFileError(`shape [${e.shape}] of ${e.dtype} needs ${product(e.shape) * dtypeSize(e.dtype)} bytes but offsets span ${en - b}`, { file, variable: name });
    }
    entries[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [b, en] };
    spans.push([b, en, name]);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let end = 0;
  for (const [b, en, name] of spans) {
    if (b !== end) throw new TensorFileError(`tensor data is not contiguous at byte ${b} (previous tensor ends at ${end})`, { file, variable: name });
    end = en;
  }
  if (end !== dataLength) {
    throw new TensorFileError(`tensors cover ${end} bytes but the data area holds ${dataLength}`, { file, expected: 'no trailing or missing bytes' });
  }
  return { entries, metadata, dataStart: 8 + n, dataLength };
}

/** Wraps stored bytes as a typed array, copying only when they are not aligned for the type. */
export function viewTensor(entry: TensorHeaderEntry, bytes: Uint8Array): Tensor {
  const C = CTORS[entry.dtype];
  const count = product(entry.shape);
  let data: TensorData;
  if (bytes.byteOffset % C.BYTES_PER_ELEMENT === 0) {
    data = new C(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  } else {
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    data = new C(copy.buffer, 0, count);
  }
  return { dtype: entry.dtype, shape: [...entry.shape], data };
}

/** Decodes a whole safetensors buffer (views share its memory where aligned). */
export function decodeSafetensors(bytes: Uint8Array, file?: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const header = parseHeader(bytes, bytes.length, file);
  if ('needBytes' in header) throw new TensorFileError('truncated header', { file });
  const tensors: Record<string, Tensor> = {};
  for (const [name, e] of Object.entries(header.entries)) {
    const [b, en] = e.data_offsets;
    tensors[name] = viewTensor(e, bytes.subarray(header.dataStart + b, header.dataStart + en));
  }
  return { tensors, metadata: header.metadata };
}
