/**
 * NetCDF semantics for record variables: every variable on an unlimited dimension has that
 * dimension's full length (the longest variable's), and records a variable never wrote read as its
 * fill value. HDF5 stores each dataset's own, possibly shorter, extent, so reads past it are
 * filled here.
 *
 * Default fill values: https://docs.unidata.ucar.edu/netcdf-c/current/netcdf_8h.html (NC_FILL_*).
 */
import type { AttrValue, DType, NumericArray } from '../types.js';

/** netcdf-c's NC_FILL_* defaults, used when a variable has no `_FillValue` attribute. */
const DEFAULT_FILL: Record<string, number | bigint> = {
  int8: -127, uint8: 255, int16: -32767, uint16: 65535, int32: -2147483647, uint32: 4294967295,
  int64: -9223372036854775806n, uint64: 18446744073709551614n, float32: 9.969209968386869e36, float64: 9.969209968386869e36, char: 0,
};

/** The value unwritten elements read as: `_FillValue` when set, else netCDF's default. */
export function fillValueOf(dtype: DType, attributes: Record<string, AttrValue>): number | bigint {
  const attr = attributes._FillValue;
  const def = DEFAULT_FILL[dtype] ?? 0;
  if (Array.isArray(attr) && attr.length > 0) return typeof def === 'bigint' ? BigInt(Math.trunc(attr[0])) : attr[0];
  return def;
}

/**
 * Copies `inner` (C order, shape `innerCount`) into `outer` (shape `outerCount`) at `offset`,
 * one innermost run at a time.
 */
export function placeBox(outer: NumericArray, outerCount: number[], inner: NumericArray, innerCount: number[], offset: number[]): void {
  const rank = outerCount.length;
  if (innerCount.some((n) => n === 0)) return;
  if (rank === 0) {
    (outer as Float64Array).set(inner as Float64Array);
    return;
  }
  const run = innerCount[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (;;) {
    let dst = 0;
    for (let d = 0; d < rank; d++) dst = dst * outerCount[d] + offset[d] + idx[d];
    (outer as Float64Array).set((inner as Float64Array).subarray(src, src + run), dst);
    src += run;
    let d = rank - 2;
    for (; d >= 0; d--) {
      if (++idx[d] < innerCount[d]) break;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
}
