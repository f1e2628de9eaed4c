/**
 * Where each variable's bytes are: checks a parsed header against itself and against the file
 * size, then computes shapes, byte strides and the record size. Nothing is allocated from header
 * numbers until they pass these checks.
 *
 * Layout rules (https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html,
 * "Variable data"): a non-record variable is stored contiguously from `begin`, padded to 4 bytes;
 * record variables interleave — record r of variable v starts at begin_v + r × recsize, where
 * recsize is the sum of the 4-byte-padded per-record sizes of all record variables, except when
 * there is exactly one record variable: then records are not padded (netcdf-c NC_computeshapes).
 * The header's vsize field is redundant (and capped at 2^32-1), so sizes come from the shapes.
 */
import { AbsurdSizeError, CorruptFileError } from '../../errors.js';
import type { AttrValue, DimensionInfo, DType } from '../types.js';
import { type ClassicHeader, type RawAttribute, STREAMING } from './header-model.js';
import { ncType, typeAllowed } from './nc-types.js';

/** A variable with everything needed to read any box of it. */
export interface VariableLayout {
  name: string;
  dims: string[];
  /** Record variables: the first entry is the current number of records. */
  shape: number[];
  dtype: DType;
  /** nc_type name as ncdump prints it ('float'). */
  cdlType: string;
  typeSize: number;
  attributes: Record<string, AttrValue>;
  record: boolean;
  begin: number;
  /** Byte distance between consecutive indices of each dimension (recsize for the record dim). */
  strides: number[];
}

export interface ClassicLayout {
  version: 1 | 2 | 5;
  numrecs: number;
  recsize: number;
  dimensions: DimensionInfo[];
  attributes: Record<string, AttrValue>;
  variables: VariableLayout[];
}

/** Attributes as the RasterDataset contract has them (text or number[]). */
export function attributeRecord(atts: RawAttribute[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  // defineProperty, so that an attribute named '__proto__' is just an attribute.
  for (const a of atts) Object.defineProperty(out, a.name, { value: a.value, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Validates `h` and computes the layout of a file of `fileSize` bytes named `file`.
 * CorruptFileError for contradictions, AbsurdSizeError for sizes the header's own offsets (or
 * 2^53) cannot hold. Data past the end of the file is left for read() to report.
 */
export function computeLayout(h: ClassicHeader, fileSize: number, file: string): ClassicLayout {
  const dimNames = h.dimensions.map((d) => d.name);
  const recordDims = h.dimensions.flatMap((d, i) => (d.size === 0 ? [i] : []));
  if (recordDims.length > 1) {
    throw new CorruptFileError(`dimensions ${recordDims.map((i) => `'${dimNames[i]}'`).join(', ')} are all unlimited`, {
      file,
      expected: 'at most one unlimited dimension',
    });
  }
  const recDim = recordDims[0];

  // First pass: shapes and per-record (or whole-variable) sizes, each checked against the file.
  const pre = h.variables.map((v) => {
    const t = ncType(v.type);
    if (!t || !typeAllowed(v.type, h.version)) {
      throw new CorruptFileError(`type code ${v.type} is not a CDF-${h.version} type`, {
        file,
        variable: v.name,
        expected: h.version === 5 ? 'a type code 1..11' : 'a type code 1..6',
      });
    }
    if (v.begin < h.headerSize) {
      throw new CorruptFileError(`data offset ${v.begin} lies inside the header (which ends at byte ${h.headerSize})`, {
        file,
        variable: v.name,
      });
    }
    v.dimIds.forEach((id, k) => {
      if (!Number.isInteger(id) || id < 0 || id >= h.dimensions.length) {
        throw new CorruptFileError(`dimension id ${id} does not exist (the file has ${h.dimensions.length})`, { file, variable: v.name });
      }
      if (id === recDim && k !== 0) {
        throw new CorruptFileError(`the unlimited dimension '${dimNames[id]}' is not its first dimension`, { file, variable: v.name });
      }
    });
    const record = recDim !== undefined && v.dimIds[0] === recDim;
    let bytes = t.size; // of one record for record variables, of the whole variable otherwise
    for (let k = record ? 1 : 0; k < v.dimIds.length; k++) {
      bytes *= h.dimensions[v.dimIds[k]!]!.size;
      if (bytes > Number.MAX_SAFE_INTEGER) {
        throw new AbsurdSizeError(`declares ${describeShape(h, v.dimIds, recDim)} ${t.cdl} values, more than 2^53 bytes`, {
          file,
          variable: v.name,
          expected: 'variables of less than 2^53 bytes',
        });
      }
    }
    return { v, t, record, bytes };
  });

  const recVars = pre.filter((p) => p.record);
  const padded = (n: number) => n + ((4 - (n % 4)) % 4);
  const recsize = recVars.length === 1 ? recVars[0]!.bytes : recVars.reduce((s, p) => s + padded(p.bytes), 0);

  checkOverlaps(pre.filter((p) => !p.record), recVars, recsize, h, recDim, file);

  let numrecs = h.numrecs;
  if (numrecs === STREAMING) {
    // Being written: as many whole records as the file holds (what netcdf-c does too).
    const beginRec = recVars.reduce((m, p) => Math.min(m, p.v.begin), Infinity);
    numrecs = recVars.length && recsize > 0 ? Math.max(0, Math.floor((fileSize - beginRec) / recsize)) : 0;
  }
  // Data beyond the end of the file (a truncated file, or a header claiming more records or larger
  // dimensions than were written) is reported by read() for the variables concerned, before it
  // allocates; the other variables stay readable.

  const variables: VariableLayout[] = pre.map(({ v, t, record }) => {
    const shape = v.dimIds.map((id) => (id === recDim ? numrecs : h.dimensions[id]!.size));
    const strides = new Array<number>(shape.length);
    let s = t.size;
    for (let k = shape.length - 1; k >= 0; k--) {
      strides[k] = record && k === 0 ? recsize : s;
      s *= shape[k]!;
    }
    return {
      name: v.name,
      dims: v.dimIds.map((id) => dimNames[id]!),
      shape,
      dtype: t.dtype,
      cdlType: t.cdl,
      typeSize: t.size,
      attributes: attributeRecord(v.attributes),
      record,
      begin: v.begin,
      strides,
    };
  });

  return {
    version: h.version,
    numrecs,
    recsize,
    dimensions: h.dimensions.map((d, i) => (i === recDim ? { name: d.name, size: numrecs, unlimited: true } : { name: d.name, size: d.size })),
    attributes: attributeRecord(h.attributes),
    variables,
  };
}

type Sized = { v: { name: string; begin: number; dimIds: number[] }; t: { cdl: string }; bytes: number };

function describeShape(h: ClassicHeader, dimIds: number[], recDim: number | undefined): string {
  return dimIds.map((id) => (id === recDim ? 'records' : String(h.dimensions[id]!.size))).join(' × ') || 'one';
}

/**
 * The header's own offsets bound every variable's size: a variable whose data would run into the
 * next one (or records that would run into each other) declares sizes its file cannot hold.
 */
function checkOverlaps(fixed: Sized[], records: Sized[], recsize: number, h: ClassicHeader, recDim: number | undefined, file: string): void {
  const byBegin = (a: Sized, b: Sized) => a.v.begin - b.v.begin;
  const beginRec = records.reduce((m, p) => Math.min(m, p.v.begin), Infinity);
  const sortedFixed = [...fixed].sort(byBegin);
  sortedFixed.forEach((p, k) => {
    const next = sortedFixed[k + 1];
    const limit = Math.min(next ? next.v.begin : Infinity, beginRec);
    if (p.v.begin + p.bytes > limit) {
      const what = next && next.v.begin <= beginRec ? `variable '${next.v.name}' starts` : 'the record data starts';
      throw new AbsurdSizeError(
        `declares ${describeShape(h, p.v.dimIds, recDim)} ${p.t.cdl} values (${p.bytes} bytes) but ${what} ${limit - p.v.begin} bytes after it`,
        { file, variable: p.v.name, expected: 'dimension sizes that fit the offsets in the header' },
      );
    }
  });
  const sortedRec = [...records].sort(byBegin);
  sortedRec.forEach((p, k) => {
    const next = sortedRec[k + 1];
    const limit = next ? next.v.begin : sortedRec[0]!.v.begin + recsize;
    if (p.v.begin + p.bytes > limit) {
      throw new AbsurdSizeError(
        `declares records of ${describeShape(h, p.v.dimIds, recDim)} ${p.t.cdl} values (${p.bytes} bytes) but only ${limit - p.v.begin} bytes are between its offset and the next`,
        { file, variable: p.v.name, expected: 'dimension sizes that fit the offsets in the header' },
      );
    }
  });
}
