/**
 * CF packed-data decoding (https://cfconventions.org/cf-conventions/cf-conventions.html#packed-data
 * and #missing-data): stored values → float32 physical values with NaN where data are missing.
 *
 * Order, as CF and netCDF4-python apply it: values equal to `_FillValue` or any `missing_value`, or
 * outside `valid_min`/`valid_max`/`valid_range` (all in stored units) become NaN; the rest are
 * unpacked as `stored * scale_factor + add_offset`. `_Unsigned = "true"` makes signed integer
 * storage unsigned first. Without `_FillValue`, NetCDF's default fill value of the type applies.
 */
import type { DType, NumericArray } from '../formats/types.js';
import { attrNumber, attrNumbers, attrString, type Attributes } from './attributes.js';

/** NetCDF default fill values (netcdf.h NC_FILL_*), used when a variable has no `_FillValue`. */
const DEFAULT_FILL: Partial<Record<DType, number>> = {
  int16: -32767,
  int32: -2147483647,
  uint16: 65535,
  uint32: 4294967295,
  float32: 9.969209968386869e36,
  float64: 9.969209968386869e36,
};

/** What decoding will do to a variable, resolved once from its attributes. */
export interface PackingRule {
  scale: number;
  offset: number;
  /** Stored values that mean "missing" (compared after the _Unsigned reinterpretation). */
  missing: number[];
  validMin: number;
  validMax: number;
  unsigned: boolean;
}

/** Resolves the decoding rule of a variable from its dtype and attributes. */
export function packingRule(dtype: DType, attrs: Attributes): PackingRule {
  const unsigned = attrString(attrs, '_Unsigned')?.toLowerCase() === 'true' && /^int/.test(dtype);
  const bits = dtype === 'int8' ? 8 : dtype === 'int16' ? 16 : dtype === 'int32' ? 32 : 0;
  const toUnsigned = (v: number) => (unsigned && v < 0 && bits ? v + 2 ** bits : v);
  const missing: number[] = [];
  const fill = attrNumber(attrs, '_FillValue');
  if (fill !== undefined) missing.push(toUnsigned(fill));
  else if (DEFAULT_FILL[dtype] !== undefined && !unsigned) missing.push(DEFAULT_FILL[dtype]!);
  for (const m of attrNumbers(attrs, 'missing_value')) missing.push(toUnsigned(m));
  let validMin = -Infinity;
  let validMax = Infinity;
  const range = attrNumbers(attrs, 'valid_range');
  if (range.length >= 2) {
    validMin = toUnsigned(range[0]);
    validMax = toUnsigned(range[1]);
  }
  const vmin = attrNumber(attrs, 'valid_min');
  const vmax = attrNumber(attrs, 'valid_max');
  if (vmin !== undefined) validMin = toUnsigned(vmin);
  if (vmax !== undefined) validMax = toUnsigned(vmax);
  return {
    scale: attrNumber(attrs, 'scale_factor') ?? 1,
    offset: attrNumber(attrs, 'add_offset') ?? 0,
    missing,
    validMin,
    validMax,
    unsigned,
  };
}

/**
 * Decodes stored values into `out` (allocated when omitted). Float32 stored values are compared
 * as float32, so a `_FillValue` given as a double still matches.
 */
export function decodePacked(raw: NumericArray, rule: PackingRule, out: Float32Array = new Float32Array(raw.length)): Float32Array {
  const n = raw.length;
  const { scale, offset, validMin, validMax } = rule;
  const isF32 = raw instanceof Float32Array;
  const missing = isF32 ? rule.missing.map((m) => Math.fround(m)) : rule.missing;
  const identity = scale === 1 && offset === 0;
  const checkRange = validMin !== -Infinity || validMax !== Infinity;
  let src: ArrayLike<number>;
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
    src = Float64Array.from(raw, (v) => Number(v));
  } else if (rule.unsigned && raw instanceof Int8Array) src = new Uint8Array(raw.buffer, raw.byteOffset, n);
  else if (rule.unsigned && raw instanceof Int16Array) src = new Uint16Array(raw.buffer, raw.byteOffset, n);
  else if (rule.unsigned && raw instanceof Int32Array) src = new Uint32Array(raw.buffer, raw.byteOffset, n);
  else src = raw as ArrayLike<number>;
  // Fast paths keep the common float32 case at memory speed.
  if (missing.length === 1 && !checkRange && identity) {
    const m = missing[0];
    for (let i = 0; i < n; i++) {
      const v = src[i];
      out[i] = v === m ? NaN : v;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const v = src[i];
    let bad = v !== v || v < validMin || v > validMax;
    for (let k = 0; !bad && k < missing.length; k++) bad = v === missing[k];
    out[i] = bad ? NaN : identity ? v : v * scale + offset;
  }
  return out;
}
