/**
 * Maps a file's native grid onto the grid that leaves ingest: north-up rows, longitudes in one
 * convention (rolled, as xarray's `roll`/`assign_coords` recipe does), cropped to a bounding box
 * and coarsened by an integer factor. The plan is computed once from the coordinates and applied
 * to every time slice with plain index arithmetic.
 */
import { CoordinateError, InvalidOptionError } from '../errors.js';
import type { Crs, GeoTransform, GridAxes } from './types.js';

/** Longitude convention of the ingested grid; 'keep' leaves the file's own. */
export type LonConvention = '-180..180' | '0..360' | 'keep';

/** A bounding box in the output grid's coordinates (degrees for geographic grids). */
export interface BBox {
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface AxisPlanOptions {
  /** Longitude convention (geographic grids only). Default '-180..180'. */
  lon?: LonConvention;
  /** Crop to cell centres inside this box (inclusive). Default: no crop. */
  bbox?: BBox;
  /** Coarsening factor (1 = none). Default 1. */
  coarsen?: number;
  /** How a coarsened cell is made from its factor×factor block: 'subsample' takes the block's
   *  north-west cell; 'mean' averages the block ignoring NaN. Default 'subsample'. */
  coarsenMethod?: 'subsample' | 'mean';
}

/** Source rows/columns for each output row/column, and the output axes. */
export interface AxisPlan extends GridAxes {
  /** Source rows of each output row's block: output row r uses rowIndex[r*factor .. r*factor+factor-1]. */
  rowIndex: Int32Array;
  /** Source columns of each output column's block, laid out like rowIndex. */
  colIndex: Int32Array;
  factor: number;
  method: 'subsample' | 'mean';
  /** Source grid width and height. */
  srcWidth: number;
  srcHeight: number;
}

interface Ctx { file?: string; variable?: string }

/** Relative tolerance for "regular" spacing: float32 coordinates carry ~1e-7 relative error. */
const REGULAR_TOL = 1e-4;

function checkMonotonic(c: ArrayLike<number>, axis: string, ctx: Ctx): 1 | -1 {
  if (c.length < 1) throw new CoordinateError(`${axis} coordinate is empty`, ctx);
  for (let i = 0; i < c.length; i++) {
    if (!Number.isFinite(c[i])) throw new CoordinateError(`${axis} coordinate #${i} is not finite`, { ...ctx, expected: 'finite coordinates' });
  }
  if (c.length === 1) return 1;
  const dir = c[1] > c[0] ? 1 : -1;
  for (let i = 1; i < c.length; i++) {
    if ((c[i] - c[i - 1]) * dir <= 0) {
      throw new CoordinateError(`${axis} coordinate is not strictly monotonic at index ${i} (${c[i - 1]} then ${c[i]})`, {
        ...ctx,
        expected: 'strictly increasing or decreasing coordinates',
      });
    }
  }
  return dir;
}

/** The constant step of a coordinate, or CoordinateError when it is not regular. */
export function regularStep(c: ArrayLike<number>, axis: string, ctx: Ctx = {}): number {
  if (c.length < 2) return NaN;
  const step = (c[c.length - 1] - c[0]) / (c.length - 1);
  for (let i = 1; i < c.length; i++) {
    const d = c[i] - c[i - 1];
    if (Math.abs(d - step) > REGULAR_TOL * Math.abs(step)) {
      throw new CoordinateError(`${axis} spacing is irregular at index ${i} (step ${d}, mean step ${step})`, {
        ...ctx,
        expected: 'a regular grid (GeoTIFF output needs a constant cell size)',
      });
    }
  }
  return step;
}

function wrapLon(lon: number, conv: LonConvention): number {
  if (conv === '0..360') return ((lon % 360) + 360) % 360;
  if (conv === '-180..180') return ((((lon + 180) % 360) + 360) % 360) - 180;
  return lon;
}

function checkOptions(o: AxisPlanOptions): Required<Omit<AxisPlanOptions, 'bbox'>> & { bbox?: BBox } {
  const lon = o.lon ?? '-180..180';
  if (!['-180..180', '0..360', 'keep'].includes(lon)) throw new InvalidOptionError(`lon must be '-180..180', '0..360' or 'keep', got '${lon}'`);
  const coarsen = o.coarsen ?? 1;
  if (!Number.isInteger(coarsen) || coarsen < 1) throw new InvalidOptionError(`coarsen must be a positive integer, got ${coarsen}`);
  const method = o.coarsenMethod ?? 'subsample';
  if (method !== 'subsample' && method !== 'mean') throw new InvalidOptionError(`coarsenMethod must be 'subsample' or 'mean', got '${method}'`);
  if (o.bbox) {
    const b = o.bbox;
    if (![b.west, b.south, b.east, b.north].every(Number.isFinite) || b.south > b.north || b.west > b.east) {
      throw new InvalidOptionError(`bbox must have finite west <= east and south <= north, got ${JSON.stringify(b)}`);
    }
  }
  return { lon, coarsen, coarsenMethod: method, bbox: o.bbox };
}

/**
 * Plans the output grid from native 1-D coordinates `y` (rows) and `x` (columns) as stored.
 * `geographic` enables the longitude convention; otherwise `lon` is ignored.
 */
export function planAxes(y: ArrayLike<number>, x: ArrayLike<number>, crs: Crs, geographic: boolean, options: AxisPlanOptions = {}, ctx: Ctx = {}): AxisPlan {
  const o = checkOptions(options);
  const ydir = checkMonotonic(y, 'y (latitude)', ctx);
  checkMonotonic(x, 'x (longitude)', ctx);
  // Rows north → south.
  let rowIdx = Array.from({ length: y.length }, (_, i) => (ydir > 0 ? y.length - 1 - i : i));
  // Columns west → east in the chosen convention.
  let colIdx = Array.from({ length: x.length }, (_, i) => i);
  const xs = Array.from(x, (v) => (geographic ? wrapLon(v, o.lon) : v));
  colIdx.sort((a, b) => xs[a] - xs[b]);
  const sortedX = colIdx.map((i) => xs[i]);
  for (let i = 1; i < sortedX.length; i++) {
    if (sortedX[i] === sortedX[i - 1]) throw new CoordinateError(`longitude ${sortedX[i]} appears twice after converting to ${o.lon}`, ctx);
  }
  try {
    regularStep(sortedX, 'x (longitude)', ctx);
  } catch (e) {
    if (geographic && o.lon !== 'keep') {
      throw new CoordinateError(`longitudes are not contiguous in the ${o.lon} convention (the region crosses its seam)`, {
        ...ctx,
        expected: `lon: '${o.lon === '0..360' ? '-180..180' : '0..360'}' or 'keep' in the config`,
        cause: e,
      });
    }
    throw e;
  }
  regularStep(rowIdx.map((i) => y[i]), 'y (latitude)', ctx);
  if (o.bbox) {
    const b = o.bbox;
    rowIdx = rowIdx.filter((i) => y[i] >= b.south && y[i] <= b.north);
    colIdx = colIdx.filter((_, k) => sortedX[k] >= b.west && sortedX[k] <= b.east);
    if (!rowIdx.length || !colIdx.length) {
      throw new InvalidOptionError(`bbox ${JSON.stringify(b)} contains no grid cell centre`, {
        ...ctx,
        expected: `a box overlapping x ${sortedX[0]}..${sortedX[sortedX.length - 1]}, y ${Math.min(y[0], y[y.length - 1])}..${Math.max(y[0], y[y.length - 1])}`,
      });
    }
  }
  const f = o.coarsen;
  const nRows = Math.floor(rowIdx.length / f);
  const nCols = Math.floor(colIdx.length / f);
  if (nRows < 1 || nCols < 1) {
    throw new InvalidOptionError(`coarsen factor ${f} is larger than the grid (${rowIdx.length} x ${colIdx.length})`, ctx);
  }
  const oy = new Float64Array(nRows);
  const ox = new Float64Array(nCols);
  const xOf = (i: number) => (geographic ? wrapLon(x[i], o.lon) : x[i]);
  for (let r = 0; r < nRows; r++) {
    let s = 0;
    for (let k = 0; k < f; k++) s += y[rowIdx[r * f + k]];
    oy[r] = o.coarsenMethod === 'mean' ? s / f : y[rowIdx[r * f]];
  }
  for (let c = 0; c < nCols; c++) {
    let s = 0;
    for (let k = 0; k < f; k++) s += xOf(colIdx[c * f + k]);
    ox[c] = o.coarsenMethod === 'mean' ? s / f : xOf(colIdx[c * f]);
  }
  const dx = nCols > 1 ? regularStep(ox, 'x', ctx) : Math.abs(regularStepOr(sortedX) * f);
  const dyAbs = nRows > 1 ? -regularStep(oy, 'y', ctx) : Math.abs(regularStepOr(Array.from(y)) * f);
  const geotransform: GeoTransform = [ox[0] - dx / 2, dx, 0, oy[0] + dyAbs / 2, 0, -dyAbs];
  return {
    rowIndex: Int32Array.from(rowIdx.slice(0, nRows * f)),
    colIndex: Int32Array.from(colIdx.slice(0, nCols * f)),
    factor: f, method: o.coarsenMethod, srcWidth: x.length, srcHeight: y.length,
    y: oy, x: ox, crs, geotransform, geographic,
  };
}

function regularStepOr(c: ArrayLike<number>): number {
  return c.length > 1 ? (c[c.length - 1] - c[0]) / (c.length - 1) : 1;
}

/**
 * Applies a plan to one 2-D slice `src` (srcHeight × srcWidth, row-major as stored) writing the
 * output (rows × cols) into `out` at `outOffset`.
 */
export function applyPlan(plan: AxisPlan, src: Float32Array, out: Float32Array, outOffset = 0): void {
  const { rowIndex, colIndex, srcWidth, factor, method } = plan;
  const nr = plan.y.length;
  const nc = plan.x.length;
  if (factor === 1 || method === 'subsample') {
    for (let r = 0; r < nr; r++) {
      const base = rowIndex[r * factor] * srcWidth;
      const o = outOffset + r * nc;
      for (let c = 0; c < nc; c++) out[o + c] = src[base + colIndex[c * factor]];
    }
    return;
  }
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      let s = 0;
      let n = 0;
      for (let i = 0; i < factor; i++) {
        const base = rowIndex[r * factor + i] * srcWidth;
        for (let j = 0; j < factor; j++) {
          const v = src[base + colIndex[c * factor + j]];
          if (v === v) { s += v; n++; }
        }
      }
      out[outOffset + r * nc + c] = n ? s / n : NaN;
    }
  }
}
