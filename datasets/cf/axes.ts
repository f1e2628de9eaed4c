/**
 * Finds which dimension of a data variable is time, latitude/y, longitude/x or something else
 * (a level), the way CF asks readers to: by the coordinate variable's `axis`, `standard_name` and
 * `units` (https://cfconventions.org/cf-conventions/cf-conventions.html#coordinate-types), with
 * the usual names only as the last resort.
 */
import { CoordinateError, UnknownVariableError } from '../errors.js';
import type { RasterDataset, VariableInfo } from '../formats/types.js';
import { attrString } from './attributes.js';
import { isTimeUnits } from './time.js';

export type AxisKind = 'time' | 'y' | 'x' | 'other';

/** One dimension of a data variable, classified. */
export interface AxisInfo {
  dim: string;
  /** Position among the variable's dimensions. */
  index: number;
  size: number;
  kind: AxisKind;
  /** The 1-D coordinate variable of this dimension, when the file has one. */
  coord?: VariableInfo;
  /** Latitude/longitude (degrees) rather than projected coordinates. */
  geographic: boolean;
}

const LAT_UNITS = /^degrees?_?n(orth)?$/i;
const LON_UNITS = /^degrees?_?e(ast)?$/i;

function classify(dim: string, coord: VariableInfo | undefined): { kind: AxisKind; geographic: boolean } {
  const a = coord?.attributes ?? {};
  const axis = attrString(a, 'axis')?.toUpperCase();
  const sn = attrString(a, 'standard_name')?.toLowerCase();
  const units = attrString(a, 'units');
  if (axis === 'T' || sn === 'time' || isTimeUnits(units)) return { kind: 'time', geographic: false };
  if (sn === 'latitude' || (units && LAT_UNITS.test(units))) return { kind: 'y', geographic: true };
  if (sn === 'longitude' || (units && LON_UNITS.test(units))) return { kind: 'x', geographic: true };
  if (sn === 'projection_y_coordinate' || sn === 'grid_latitude') return { kind: 'y', geographic: false };
  if (sn === 'projection_x_coordinate' || sn === 'grid_longitude') return { kind: 'x', geographic: false };
  if (axis === 'Y') return { kind: 'y', geographic: false };
  if (axis === 'X') return { kind: 'x', geographic: false };
  if (axis === 'Z' || sn) return { kind: 'other', geographic: false };
  const n = dim.toLowerCase();
  if (n === 'time' || n === 't' || n === 'valid_time') return { kind: 'time', geographic: false };
  if (n === 'lat' || n === 'latitude') return { kind: 'y', geographic: true };
  if (n === 'lon' || n === 'longitude') return { kind: 'x', geographic: true };
  if (n === 'y' || n === 'rlat') return { kind: 'y', geographic: false };
  if (n === 'x' || n === 'rlon') return { kind: 'x', geographic: false };
  return { kind: 'other', geographic: false };
}

/** The variable's description, or UnknownVariableError listing the data variables there are. */
export function findVariable(ds: RasterDataset, name: string): VariableInfo {
  const v = ds.variables.find((x) => x.name === name);
  if (v) return v;
  const dataVars = ds.variables.filter((x) => !(x.dims.length === 1 && x.dims[0] === x.name)).map((x) => x.name);
  throw new UnknownVariableError(`no variable '${name}'`, {
    file: ds.name,
    variable: name,
    expected: `one of: ${(dataVars.length ? dataVars : ds.variables.map((x) => x.name)).join(', ') || '(the file has no variables)'}`,
  });
}

/** Classifies every dimension of `variable`; exactly one y and one x are required. */
export function classifyAxes(ds: RasterDataset, variable: string): AxisInfo[] {
  const v = findVariable(ds, variable);
  const axes = v.dims.map((dim, index): AxisInfo => {
    const coord = ds.variables.find((c) => c.name === dim && c.dims.length === 1 && c.dims[0] === dim);
    const { kind, geographic } = classify(dim, coord);
    return { dim, index, size: v.shape[index], kind, coord, geographic };
  });
  for (const kind of ['y', 'x'] as const) {
    const found = axes.filter((a) => a.kind === kind);
    if (found.length !== 1) {
      throw new CoordinateError(
        found.length ? `several ${kind} dimensions (${found.map((a) => a.dim).join(', ')})` : `no ${kind === 'y' ? 'latitude/y' : 'longitude/x'} dimension among (${v.dims.join(', ')})`,
        { file: ds.name, variable, expected: `one dimension with a coordinate variable whose standard_name, units or axis marks it as ${kind === 'y' ? 'latitude or projection_y_coordinate' : 'longitude or projection_x_coordinate'}` },
      );
    }
    if (!found[0].coord) {
      throw new CoordinateError(`dimension '${found[0].dim}' has no coordinate variable`, { file: ds.name, variable, expected: 'coordinates to georeference the grid' });
    }
  }
  if (axes.filter((a) => a.kind === 'time').length > 1) {
    throw new CoordinateError(`several time dimensions (${axes.filter((a) => a.kind === 'time').map((a) => a.dim)})`, { file: ds.name, variable });
  }
  return axes;
}
