/**
 * Our own NetCDF classic header parser, for what netcdfjs 4 cannot read:
 *
 * - CDF-5 (64-bit data): netcdfjs rejects version byte 5 ("unknown version"). CDF-5 widens every
 *   count, name length, dimension length, dimension id and vsize to 64 bits and adds the types
 *   NC_UBYTE … NC_UINT64, so netcdfjs's 32-bit grammar cannot be reused for it.
 * - CDF-2 files whose data starts beyond 4 GiB: netcdfjs refuses any 64-bit offset with a
 *   non-zero high word ("offsets larger than 4GB not supported").
 * - Headers longer than the first window we read: unlike netcdfjs it says how many bytes it
 *   needs and checks every count against the file size first, so a corrupt count can never
 *   make us read or allocate more than the file holds.
 *
 * It reads the grammar of the spec (https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html):
 *
 *   header = magic numrecs dim_list gatt_list var_list
 *   dim_list = ABSENT | NC_DIMENSION nelems [dim ...]       dim = name dim_length
 *   att_list = ABSENT | NC_ATTRIBUTE nelems [attr ...]      attr = name nc_type nelems [values] pad
 *   var_list = ABSENT | NC_VARIABLE nelems [var ...]        var = name nelems [dimid ...] vatt_list nc_type vsize begin
 *
 * where tags and nc_type are 32-bit, NON_NEG (nelems, lengths, dimids, vsize) is 32-bit in
 * CDF-1/2 and 64-bit in CDF-5, and begin is 32-bit in CDF-1 and 64-bit otherwise.
 */
import { AbsurdSizeError, CorruptFileError, TruncatedFileError } from '../../errors.js';
import { type ClassicHeader, type ClassicVersion, NeedMoreBytes, type RawAttribute, type RawDimension, type RawVariable, STREAMING } from './header-model.js';
import { NC_CHAR, ncType } from './nc-types.js';

const NC_DIMENSION = 10;
const NC_VARIABLE = 11;
const NC_ATTRIBUTE = 12;
const utf8 = new TextDecoder('utf-8');

/**
 * Parses the header at the start of `bytes` (a prefix of a file of `fileSize` bytes).
 * Throws NeedMoreBytes when the prefix ends inside the header and the file is longer,
 * TruncatedFileError when the file itself ends there, CorruptFileError/AbsurdSizeError on
 * contradictions.
 */
export function parseClassicHeader(bytes: Uint8Array, fileSize: number, file: string): ClassicHeader {
  return new Parser(bytes, fileSize, file).header();
}

class Parser {
  private pos = 0;
  private readonly view: DataView;
  private version: ClassicVersion = 1;

  constructor(private readonly bytes: Uint8Array, private readonly fileSize: number, private readonly file: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  header(): ClassicHeader {
    this.need(4);
    const b = this.bytes;
    if (b[0] !== 0x43 || b[1] !== 0x44 || b[2] !== 0x46 || (b[3] !== 1 && b[3] !== 2 && b[3] !== 5)) {
      throw new CorruptFileError('not a NetCDF classic file', { file: this.file, expected: "magic 'CDF' and version 1, 2 or 5" });
    }
    this.version = b[3] as ClassicVersion;
    this.pos = 4;
    const numrecs = this.numrecs();
    const dimensions = this.dimList();
    const attributes = this.attList('global attributes');
    const variables = this.varList();
    return { version: this.version, numrecs, dimensions, attributes, variables, headerSize: this.pos, parser: 'gridcast' };
  }

  /** Makes sure `n` more bytes are available. */
  private need(n: number): void {
    const end = this.pos + n;
    if (end <= this.bytes.length) return;
    if (end <= this.fileSize) throw new NeedMoreBytes(end);
    throw new TruncatedFileError(`file ends at byte ${this.fileSize} inside the header`, {
      file: this.file,
      expected: `a header of at least ${end} bytes`,
    });
  }

  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** A 64-bit unsigned value; null when all bits are set (STREAMING). */
  private u64(what: string): number | null {
    this.need(8);
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    if (hi === 0xffffffff && lo === 0xffffffff) return null;
    if (hi > 0x1fffff) {
      throw new AbsurdSizeError(`${what} is ${(BigInt(hi) << 32n) | BigInt(lo)}, beyond 2^53`, { file: this.file });
    }
    return hi * 0x100000000 + lo;
  }

  /** NON_NEG: 32-bit in CDF-1/2, 64-bit in CDF-5. */
  private nonNeg(what: string): number {
    if (this.version !== 5) return this.u32();
    const v = this.u64(what);
    if (v === null) throw new AbsurdSizeError(`${what} is 2^64-1`, { file: this.file });
    return v;
  }

  private numrecs(): number {
    if (this.version === 5) return this.u64('numrecs') ?? STREAMING;
    const n = this.u32();
    return n === 0xffffffff ? STREAMING : n;
  }

  /**
   * Checks that `n` entries of at least `unit` bytes can follow: more entries than the whole file
   * has bytes is an absurd count; otherwise running past the end means the file was cut short.
   */
  private fits(n: number, unit: number, what: string): void {
    if (n * unit <= this.fileSize - this.pos) return;
    if (n > this.fileSize) {
      throw new AbsurdSizeError(`header declares ${what} of ${n} entries, more than a file of ${this.fileSize} bytes can hold`, {
        file: this.file,
      });
    }
    throw new TruncatedFileError(`file ends at byte ${this.fileSize} inside the header (${what})`, {
      file: this.file,
      expected: `a header of at least ${this.pos + n * unit} bytes`,
    });
  }

  /** An element count followed by entries of at least `minEntry` bytes each. */
  private count(what: string, minEntry: number): number {
    const n = this.nonNeg(`number of ${what}`);
    this.fits(n, minEntry, `a list of ${what}`);
    return n;
  }

  /** The list tag; returns false for ABSENT (tag ZERO then a zero count). */
  private listTag(tag: number, what: string): boolean {
    const t = this.u32();
    if (t === tag) return true;
    if (t === 0) {
      if (this.nonNeg(`empty ${what} count`) !== 0) {
        throw new CorruptFileError(`bad empty ${what} list`, { file: this.file, expected: 'ABSENT = ZERO ZERO' });
      }
      return false;
    }
    throw new CorruptFileError(`bad tag ${t} for the ${what} list`, { file: this.file, expected: `tag ${tag} or 0` });
  }

  private pad(): void {
    const r = this.pos % 4;
    if (r) {
      this.need(4 - r);
      this.pos += 4 - r;
    }
  }

  private name(what: string): string {
    const n = this.nonNeg(`length of a ${what} name`);
    this.fits(n, 1, `a ${what} name`);
    this.need(n);
    const s = utf8.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    this.pad();
    return s;
  }

  private dimList(): RawDimension[] {
    if (!this.listTag(NC_DIMENSION, 'dimension')) return [];
    const unit = this.version === 5 ? 16 : 8;
    const n = this.count('dimensions', unit);
    const dims: RawDimension[] = [];
    for (let i = 0; i < n; i++) {
      const name = this.name('dimension');
      dims.push({ name, size: this.nonNeg(`length of dimension '${name}'`) });
    }
    return dims;
  }

  private attList(owner: string): RawAttribute[] {
    if (!this.listTag(NC_ATTRIBUTE, 'attribute')) return [];
    const n = this.count(`attributes of ${owner}`, this.version === 5 ? 20 : 12);
    const atts: RawAttribute[] = [];
    for (let i = 0; i < n; i++) atts.push(this.attribute(owner));
    return atts;
  }

  private attribute(owner: string): RawAttribute {
    const name = this.name('attribute');
    const type = this.u32();
    const t = ncType(type);
    if (!t || (t.cdf5Only && this.version !== 5)) {
      throw new CorruptFileError(`attribute '${name}' of ${owner} has type code ${type}`, {
        file: this.file,
        expected: this.version === 5 ? 'a type code 1..11' : 'a type code 1..6',
      });
    }
    const nelems = this.nonNeg(`length of attribute '${name}'`);
    const bytes = nelems * t.size;
    this.fits(nelems, t.size, `attribute '${name}' of ${owner}`);
    this.need(bytes);
    let value: string | number[];
    if (type === NC_CHAR) {
      value = utf8.decode(this.bytes.subarray(this.pos, this.pos + bytes)).replace(/\0+$/, '');
    } else {
      value = new Array<number>(nelems);
      for (let k = 0, p = this.pos; k < nelems; k++, p += t.size) value[k] = this.number(t.dtype, p);
    }
    this.pos += bytes;
    this.pad();
    return { name, type, value };
  }

  /** One attribute value; 64-bit integers become the nearest double. */
  private number(dtype: string, p: number): number {
    const v = this.view;
    switch (dtype) {
      case 'int8': return v.getInt8(p);
      case 'uint8': return v.getUint8(p);
      case 'int16': return v.getInt16(p);
      case 'uint16': return v.getUint16(p);
      case 'int32': return v.getInt32(p);
      case 'uint32': return v.getUint32(p);
      case 'float32': return v.getFloat32(p);
      case 'float64': return v.getFloat64(p);
      case 'int64': return Number(v.getBigInt64(p));
      default: return Number(v.getBigUint64(p)); // uint64
    }
  }

  private varList(): RawVariable[] {
    if (!this.listTag(NC_VARIABLE, 'variable')) return [];
    const n = this.count('variables', this.version === 5 ? 48 : 28);
    const vars: RawVariable[] = [];
    for (let i = 0; i < n; i++) {
      const name = this.name('variable');
      const ndims = this.count(`dimensions of variable '${name}'`, this.version === 5 ? 8 : 4);
      const dimIds: number[] = [];
      for (let d = 0; d < ndims; d++) dimIds.push(this.nonNeg('dimension id'));
      const attributes = this.attList(`variable '${name}'`);
      const type = this.u32();
      this.nonNeg('vsize'); // redundant (the spec says so); we compute sizes from the shape
      const begin = this.offset(name);
      vars.push({ name, dimIds, attributes, type, begin });
    }
    return vars;
  }

  /** OFFSET: 32-bit signed in CDF-1, 64-bit signed otherwise. */
  private offset(variable: string): number {
    if (this.version === 1) {
      this.need(4);
      const v = this.view.getInt32(this.pos);
      this.pos += 4;
      if (v < 0) throw new CorruptFileError(`negative data offset ${v}`, { file: this.file, variable });
      return v;
    }
    const v = this.u64(`data offset of '${variable}'`);
    if (v === null) throw new CorruptFileError('negative data offset -1', { file: this.file, variable });
    return v;
  }
}
