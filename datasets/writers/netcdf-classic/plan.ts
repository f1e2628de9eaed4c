/**
 * Definitions → file plan for the NetCDF classic writer: validates dimensions, variables and
 * attributes (InvalidOptionError naming the field), encodes the header, places every variable's
 * data and chooses CDF-1 or CDF-2 (64-bit offsets when a variable starts beyond 2 GiB or is too
 * large for CDF-1's 32-bit sizes).
 *
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 * ("Classic Format Limitations" for the CDF-1 limits).
 */
import { InvalidOptionError } from '../../errors.js';
import { encodeValues, HeaderEncoder, type NcWriteType, WRITE_TYPES } from './encode.js';

/** An attribute: a string (char), numbers (double), or numbers with an explicit type. */
export type NcAttributeInput = string | number | number[] | { type: NcWriteType; value: string | number | number[] };

export interface NcDimensionSpec {
  name: string;
  /** Length; `null` (or 0) makes it the unlimited record dimension (at most one). */
  size: number | null;
}

export interface NcVariableSpec {
  name: string;
  type: NcWriteType;
  /** Dimension names, slowest varying first; the unlimited one may only come first. [] = scalar. */
  dims: string[];
  /**
   * Default: none. Untyped numbers are stored as double, except _FillValue, missing_value,
   * valid_min/max/range and actual_range, which take the variable's type as CF requires.
   */
  attributes?: Record<string, NcAttributeInput>;
}

export interface NetcdfClassicWriterOptions {
  dimensions: NcDimensionSpec[];
  variables: NcVariableSpec[];
  /** Global attributes. Default: none. */
  attributes?: Record<string, NcAttributeInput>;
  /** 'auto' (default): CDF-1 unless offsets or sizes need CDF-2; or force one. */
  format?: 'auto' | 'cdf1' | 'cdf2';
}

/** Where one variable goes. */
export interface VarPlan {
  spec: NcVariableSpec;
  shape: number[]; // record dim as 0
  record: boolean;
  /** Elements per index of the first dimension (per record for record variables). */
  inner: number;
  /** Bytes of the variable (per record for record variables), unpadded. */
  bytes: number;
  begin: number;
}

const LIMIT_CDF1 = 2 ** 31 - 4;

function checkName(name: unknown, field: string, file: string): asserts name is string {
  // netcdf-c's rules: UTF-8, no '/', no control characters, no trailing space, and a first
  // character that is a letter, digit, '_' or non-ASCII.
  if (typeof name !== 'string' || name.length === 0 || /[/\u0000-\u001f\u007f]/.test(name) || /\s$/.test(name) || !/^[\p{L}\p{N}_]|^[^\x00-\x7f]/u.test(name)) {
    throw new InvalidOptionError(`${field} must be a valid NetCDF name, got ${JSON.stringify(name)}`, {
      file,
      expected: "a name starting with a letter, digit or '_', without '/' or control characters",
    });
  }
}

/** CF attributes that must have the variable's own type; untyped numbers for them take it. */
const VALUE_TYPED = new Set(['_FillValue', 'missing_value', 'valid_min', 'valid_max', 'valid_range', 'actual_range']);

function encodeAttributes(
  enc: HeaderEncoder, atts: Record<string, NcAttributeInput> | undefined, field: string, file: string, varType?: NcWriteType,
): void {
  const entries = Object.entries(atts ?? {});
  if (entries.length === 0) {
    enc.u32(0).u32(0); // ABSENT
    return;
  }
  enc.u32(12).u32(entries.length); // NC_ATTRIBUTE nelems
  for (const [name, raw] of entries) {
    checkName(name, `${field} name`, file);
    const typed = typeof raw === 'object' && !Array.isArray(raw) ? raw : undefined;
    const numeric: NcWriteType = varType && varType !== 'char' && VALUE_TYPED.has(name) ? varType : 'double';
    const type: NcWriteType = typed ? typed.type : typeof raw === 'string' ? 'char' : numeric;
    const value = typed ? typed.value : raw;
    if (!WRITE_TYPES[type]) throw new InvalidOptionError(`${field} '${name}' has unknown type ${JSON.stringify(type)}`, { file });
    if (type !== 'char' && typeof value === 'string') {
      throw new InvalidOptionError(`${field} '${name}' of type ${type} must be numbers, got a string`, { file });
    }
    const list = typeof value === 'number' ? [value] : (value as string | number[]);
    const bytes = encodeValues(type, list, `${field} '${name}'`, { file });
    enc.name(name).u32(WRITE_TYPES[type].code).u32(bytes.length / WRITE_TYPES[type].size).bytes(bytes);
  }
}

/** Validates the options and lays out header and data; picks CDF-1 or CDF-2. */
export function planFile(file: string, options: NetcdfClassicWriterOptions) {
  if (!options || !Array.isArray(options.dimensions) || !Array.isArray(options.variables)) {
    throw new InvalidOptionError('options.dimensions and options.variables must be arrays', { file });
  }
  const format = options.format ?? 'auto';
  if (!['auto', 'cdf1', 'cdf2'].includes(format)) {
    throw new InvalidOptionError(`format must be 'auto', 'cdf1' or 'cdf2', got ${JSON.stringify(format)}`, { file });
  }
  const dimIndex = new Map<string, number>();
  let recordDim: string | undefined;
  options.dimensions.forEach((d, i) => {
    checkName(d?.name, `dimensions[${i}].name`, file);
    if (dimIndex.has(d.name)) throw new InvalidOptionError(`dimensions[${i}].name '${d.name}' is defined twice`, { file });
    const unlimited = d.size === null || d.size === 0;
    // dim_length is a non-negative 32-bit signed INT in CDF-1 and CDF-2.
    if (!unlimited && !(Number.isSafeInteger(d.size) && d.size! > 0 && d.size! < 2 ** 31)) {
      throw new InvalidOptionError(`dimensions[${i}].size must be a positive integer below 2^31 or null (unlimited), got ${d.size}`, { file });
    }
    if (unlimited && recordDim !== undefined) {
      throw new InvalidOptionError(`dimensions[${i}] '${d.name}' is a second unlimited dimension (first: '${recordDim}')`, { file });
    }
    if (unlimited) recordDim = d.name;
    dimIndex.set(d.name, i);
  });
  const sizeOf = (name: string) => options.dimensions[dimIndex.get(name)!]!.size ?? 0;

  const names = new Set<string>();
  const vars: VarPlan[] = options.variables.map((spec, i) => {
    checkName(spec?.name, `variables[${i}].name`, file);
    if (names.has(spec.name)) throw new InvalidOptionError(`variables[${i}].name '${spec.name}' is defined twice`, { file });
    names.add(spec.name);
    if (!Object.prototype.hasOwnProperty.call(WRITE_TYPES, spec.type)) {
      throw new InvalidOptionError(`variables[${i}].type must be one of ${Object.keys(WRITE_TYPES).join(', ')}, got ${JSON.stringify(spec.type)}`, { file, variable: spec.name });
    }
    if (!Array.isArray(spec.dims)) throw new InvalidOptionError(`variables[${i}].dims must be an array of dimension names`, { file, variable: spec.name });
    spec.dims.forEach((d, k) => {
      if (!dimIndex.has(d)) throw new InvalidOptionError(`variables[${i}].dims[${k}] '${d}' is not a defined dimension`, { file, variable: spec.name });
      if (d === recordDim && k !== 0) throw new InvalidOptionError(`variables[${i}].dims: the unlimited dimension '${d}' must come first`, { file, variable: spec.name });
    });
    const record = recordDim !== undefined && spec.dims[0] === recordDim;
    const shape = spec.dims.map(sizeOf);
    const inner = shape.slice(1).reduce((a, b) => a * b, 1);
    const bytes = (record ? inner : shape.reduce((a, b) => a * b, 1)) * WRITE_TYPES[spec.type].size;
    return { spec, shape, record, inner, bytes, begin: 0 };
  });

  const build = (fmt: 'cdf1' | 'cdf2') => {
    const pad4 = (n: number) => n + ((4 - (n % 4)) % 4);
    const fixed = vars.filter((v) => !v.record);
    const recs = vars.filter((v) => v.record);
    const recsize = recs.length === 1 ? recs[0]!.bytes : recs.reduce((s, v) => s + pad4(v.bytes), 0);
    const encodeHeader = () => {
      const enc = new HeaderEncoder(fmt === 'cdf1' ? 4 : 8);
      enc.bytes(new Uint8Array([0x43, 0x44, 0x46, fmt === 'cdf1' ? 1 : 2])).u32(0); // magic, numrecs
      if (options.dimensions.length === 0) enc.u32(0).u32(0);
      else {
        enc.u32(10).u32(options.dimensions.length);
        for (const d of options.dimensions) enc.name(d.name).u32(d.size ?? 0);
      }
      encodeAttributes(enc, options.attributes, 'attributes', file);
      if (vars.length === 0) enc.u32(0).u32(0);
      else {
        enc.u32(11).u32(vars.length);
        for (const v of vars) {
          enc.name(v.spec.name).u32(v.spec.dims.length);
          for (const d of v.spec.dims) enc.u32(dimIndex.get(d)!);
          encodeAttributes(enc, v.spec.attributes, `variables '${v.spec.name}' attributes`, file, v.spec.type);
          const vsize = pad4(v.bytes);
          enc.u32(WRITE_TYPES[v.spec.type].code).u32(vsize > 2 ** 32 - 4 ? 2 ** 32 - 1 : vsize).offset(v.begin);
        }
      }
      return enc.result();
    };
    // The header's length does not depend on the offsets' values: size it, then place the data.
    let at = encodeHeader().length;
    for (const v of fixed) { v.begin = at; at += pad4(v.bytes); }
    const dataEnd = at;
    for (const v of recs) { v.begin = at; at += pad4(v.bytes); }
    const tooBig = vars.some((v) => v.begin > 2 ** 31 - 1 || v.bytes > LIMIT_CDF1) || recsize > LIMIT_CDF1;
    return { header: encodeHeader(), recsize, dataEnd, tooBig };
  };

  let chosen: 'cdf1' | 'cdf2' = format === 'cdf2' ? 'cdf2' : 'cdf1';
  let plan = build(chosen);
  if (plan.tooBig && format === 'auto') plan = build((chosen = 'cdf2'));
  else if (plan.tooBig && format === 'cdf1') {
    throw new InvalidOptionError('format cdf1 cannot hold these variables (an offset beyond 2 GiB or a variable over 2 GiB)', {
      file,
      expected: "format 'cdf2' or 'auto'",
    });
  }
  return { format: chosen, header: plan.header, recsize: plan.recsize, dataEnd: plan.dataEnd, vars: new Map(vars.map((v) => [v.spec.name, v])) };
}
