/**
 * Reads a box (start, count) of a NetCDF classic variable straight into a typed array.
 *
 * The box is cut into runs of bytes that are contiguous in the file: the innermost dimensions
 * merge into one run while they are read whole and lie back to back (a time slice of a record
 * variable is one run; so is a whole non-record variable, or consecutive records of the sole
 * record variable). Runs are then grouped into blocks read with one call each when the gaps
 * between them are small (a lat/lon sub-box of a grid is one block), up to BLOCK_MAX bytes, and
 * copied into the output in C order; the output is byte-swapped once at the end.
 *
 * Copies cost as much as the reads themselves at page-cache speed, so a block that is one run
 * goes straight into the output when the source allows it, through its optional
 * `readInto(offset, target)` method (FileSource and MemorySource have one).
 *
 * Layout: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */
import { AbsurdSizeError, InvalidOptionError, TruncatedFileError } from '../../errors.js';
import type { ByteSource } from '../../source/byte-source.js';
import type { NumericArray } from '../types.js';
import type { VariableLayout } from './layout.js';
import { swapInPlace, typedView } from './nc-types.js';

/** Largest gap (bytes) read through rather than starting a new read. */
export const GAP_MAX = 64 * 1024;
/** Largest single read (bytes); longer runs are read in pieces. */
export const BLOCK_MAX = 16 * 1024 * 1024;

/** Largest output we allocate in one typed array. */
const OUTPUT_MAX: number =
  (globalThis as { Buffer?: { constants?: { MAX_LENGTH?: number } } }).Buffer?.constants?.MAX_LENGTH ?? 2 ** 31 - 1;

type ReadIntoSource = ByteSource & Required<Pick<ByteSource, 'readInto'>>;

const canReadInto = (s: ByteSource): s is ReadIntoSource => typeof s.readInto === 'function';

/** Checks start/count against the variable's shape and fills in the defaults (the whole variable). */
export function normaliseBox(v: VariableLayout, file: string, start?: number[], count?: number[]): { start: number[]; count: number[] } {
  const n = v.shape.length;
  const s = start ?? new Array<number>(n).fill(0);
  const c = count ?? v.shape.map((len, k) => len - s[k]!);
  for (const [field, arr] of [['start', s], ['count', c]] as const) {
    if (!Array.isArray(arr) || arr.length !== n) {
      throw new InvalidOptionError(`${field} must have ${n} entries (dimensions ${v.dims.join(', ') || 'none'}), got ${JSON.stringify(arr)}`, {
        file,
        variable: v.name,
      });
    }
  }
  for (let k = 0; k < n; k++) {
    const a = s[k]!;
    const b = c[k]!;
    if (!Number.isSafeInteger(a) || a < 0 || !Number.isSafeInteger(b) || b < 0 || a + b > v.shape[k]!) {
      throw new InvalidOptionError(`start[${k}]=${a}, count[${k}]=${b} is outside dimension '${v.dims[k]}' of length ${v.shape[k]}`, {
        file,
        variable: v.name,
        expected: `non-negative integers with start + count <= ${v.shape[k]}`,
      });
    }
  }
  return { start: s, count: c };
}

/** A run of `length` bytes at file offset `offset`. */
interface Run { offset: number; length: number }

/** Yields the contiguous runs of the box in file (= C) order. */
function* runs(v: VariableLayout, start: number[], count: number[]): Generator<Run> {
  const n = v.shape.length;
  if (n === 0) {
    yield { offset: v.begin, length: v.typeSize };
    return;
  }
  // Merge trailing dimensions into one run while they lie back to back: dimension k joins when
  // its stride equals the bytes of the (whole) block below it; a partly read one ends the merging.
  let j = n;
  let runLength = v.typeSize;
  while (j > 0) {
    const k = j - 1;
    if (v.strides[k] !== runLength) break;
    runLength = count[k]! * v.strides[k]!;
    j = k;
    if (count[k] !== v.shape[k]) break;
  }
  let base = v.begin;
  for (let k = 0; k < n; k++) base += start[k]! * v.strides[k]!;
  if (j === 0) {
    yield { offset: base, length: runLength };
    return;
  }
  const idx = new Array<number>(j).fill(0);
  for (;;) {
    let off = base;
    for (let k = 0; k < j; k++) off += idx[k]! * v.strides[k]!;
    yield { offset: off, length: runLength };
    let k = j - 1;
    while (k >= 0 && ++idx[k]! === count[k]!) idx[k--] = 0;
    if (k < 0) return;
  }
}

/** A read covering one or more runs: copy each run's bytes to consecutive output positions. */
interface Block { offset: number; length: number; runs: Run[] }

function* blocks(it: Iterable<Run>): Generator<Block> {
  let cur: Block | undefined;
  for (const r of it) {
    if (cur && r.offset >= cur.offset + cur.length && r.offset - (cur.offset + cur.length) <= GAP_MAX && r.offset + r.length - cur.offset <= BLOCK_MAX) {
      cur.length = r.offset + r.length - cur.offset;
      cur.runs.push(r);
      continue;
    }
    if (cur) yield cur;
    if (r.length > BLOCK_MAX) {
      // A very long run: read it in pieces so the transient buffer stays small.
      for (let o = 0; o < r.length; o += BLOCK_MAX) {
        const piece = { offset: r.offset + o, length: Math.min(BLOCK_MAX, r.length - o) };
        yield { ...piece, runs: [piece] };
      }
      cur = undefined;
    } else {
      cur = { offset: r.offset, length: r.length, runs: [r] };
    }
  }
  if (cur) yield cur;
}

type NodeBuffer = { allocUnsafeSlow(n: number): Uint8Array };
const NodeBufferCtor = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/**
 * Memory for an output every byte of which will be written: uninitialised where Node allows it
 * (zero-filling 1 MB costs about as much as reading it from the page cache).
 */
function outputBytes(n: number): Uint8Array {
  if (!NodeBufferCtor || n < 4096) return new Uint8Array(n);
  const b = NodeBufferCtor.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

/**
 * Reads the box of `v` from `source` into a new typed array of the variable's type (host byte
 * order), or into `target` (the raw bytes of an array of that type, exactly the box's size).
 * Checks the box, the output size and the file extent before allocating anything.
 */
export async function readBox(source: ByteSource, v: VariableLayout, start?: number[], count?: number[], target?: Uint8Array): Promise<NumericArray> {
  const box = normaliseBox(v, source.name, start, count);
  let elements = 1;
  for (const c of box.count) elements *= c;
  const outBytes = elements * v.typeSize;
  if (target && target.byteLength !== outBytes) {
    throw new InvalidOptionError(`target holds ${target.byteLength / v.typeSize} values but the box has ${elements}`, {
      file: source.name,
      variable: v.name,
      expected: `a ${v.dtype} array of ${elements} values`,
    });
  }
  if (elements === 0) return typedView(v.dtype, target ?? new Uint8Array(0));

  let last = v.begin + v.typeSize;
  for (let k = 0; k < box.count.length; k++) last += (box.start[k]! + box.count[k]! - 1) * v.strides[k]!;
  if (last > source.size) {
    const records = v.record ? ` (the header declares ${v.shape[0]} records)` : '';
    throw new TruncatedFileError(`file ends at byte ${source.size} but the data asked for extends to byte ${last}${records}`, {
      file: source.name,
      variable: v.name,
      expected: `a file of at least ${last} bytes`,
    });
  }

  if (outBytes > OUTPUT_MAX) {
    throw new AbsurdSizeError(`the box asked for needs ${outBytes} bytes, more than one array can hold; read it in slices`, {
      file: source.name,
      variable: v.name,
      expected: `at most ${OUTPUT_MAX} bytes per read`,
    });
  }
  const plan = blocks(runs(v, box.start, box.count));
  const first = plan.next();
  if (first.done) return typedView(v.dtype, new Uint8Array(0)); // unreachable: elements > 0
  const only = first.value;
  const out = target ?? outputBytes(outBytes);
  let pos = 0;
  const direct = canReadInto(source) ? source : undefined;
  // One read at a time: a source may hand out views of a buffer it reuses on the next read.
  for (let b: Block | undefined = only; b; ) {
    if (direct && (b.runs.length === 1 || b.runs.reduce((n, r) => n + r.length, 0) === b.length)) {
      await direct.readInto(b.offset, out.subarray(pos, pos + b.length));
      pos += b.length;
    } else {
      const bytes = await source.read(b.offset, b.length);
      for (const r of b.runs) {
        const from = r.offset - b.offset;
        out.set(bytes.subarray(from, from + r.length), pos);
        pos += r.length;
      }
    }
    const next = plan.next();
    b = next.done ? undefined : next.value;
  }
  return finish(v, out);
}

/** Swaps `bytes` to host order and views them as the variable's type. */
function finish(v: VariableLayout, bytes: Uint8Array): NumericArray {
  swapInPlace(bytes, v.typeSize);
  return typedView(v.dtype, bytes);
}
