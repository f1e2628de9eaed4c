/**
 * Writes a Grid (T, C, H, W) as a CF-1.8 NetCDF classic file — time as the record dimension and
 * a coordinate, latitude/longitude coordinates with CF attributes, one variable per channel —
 * the layout xarray users expect (`xr.open_dataset` decodes times and coordinates).
 */
import { InvalidOptionError } from '../errors.js';
import type { Grid } from '../grid/types.js';
import { withNetcdfClassicWriter, type NcVariableSpec } from './netcdf-classic-writer.js';

export interface GridNetcdfOptions {
  /** Store latitudes south → north (as many models do), so ingest must flip. Default false. */
  latAscending?: boolean;
  /** Store longitudes in 0..360 (as ERA5 does), so ingest must roll. Default false. */
  lon0360?: boolean;
  /** Pack these channels as int16 with scale_factor/add_offset (lossy). Default none. */
  packed?: string[];
  /** Time units. Default 'hours since 1900-01-01 00:00:0.0' (ERA5's). */
  timeUnits?: string;
  /** Global attributes to add (title, source, history…). */
  attributes?: Record<string, string>;
  /** Extra per-time variables, e.g. forecast lead times: name → values (one per time step) + attributes. */
  timeVariables?: { name: string; values: number[]; attributes: Record<string, string> }[];
}

const FILL16 = -32767;

/**
 * Writes all channels of `grid` into one NetCDF classic file at `path` with dimensions
 * (time, lat, lon) and CF attributes.
 */
export async function writeGridNetcdf(grid: Grid, path: string, o: GridNetcdfOptions = {}): Promise<void> {
  const T = grid.times.length;
  const H = grid.y.length;
  const W = grid.x.length;
  const C = grid.channels.length;
  const plane = H * W;
  const units = o.timeUnits ?? 'hours since 1900-01-01 00:00:0.0';
  const m = /^hours since (\d{4}-\d{2}-\d{2})/.exec(units);
  if (!m) throw new InvalidOptionError(`timeUnits must be 'hours since YYYY-MM-DD…', got '${units}'`);
  if (grid.crs.epsg !== undefined && grid.crs.epsg !== 4326) {
    throw new InvalidOptionError(`NetCDF output writes latitude/longitude grids; this grid is EPSG:${grid.crs.epsg}`, { expected: 'a geographic (EPSG:4326) grid, or GeoTIFF output' });
  }
  const ref = Date.parse(`${m[1]}T00:00:00Z`);
  const rows = Array.from({ length: H }, (_, i) => (o.latAscending ? H - 1 - i : i));
  // Column order after optional conversion to 0..360, kept ascending.
  let cols = Array.from({ length: W }, (_, j) => j);
  const lonOf = (j: number) => (o.lon0360 ? ((grid.x[j] % 360) + 360) % 360 : grid.x[j]);
  cols = cols.sort((a, b) => lonOf(a) - lonOf(b));
  const packing = new Map<string, { scale: number; offset: number }>();
  for (const name of o.packed ?? []) {
    const c = grid.channels.findIndex((ch) => ch.name === name);
    if (c < 0) throw new InvalidOptionError(`packed channel '${name}' does not exist`);
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = 0; t < T; t++) for (let k = 0; k < plane; k++) {
      const v = grid.values[(t * C + c) * plane + k];
      if (v === v) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    const scale = (hi - lo) / 65000 || 1;
    packing.set(name, { scale, offset: (hi + lo) / 2 });
  }
  const variables: NcVariableSpec[] = [
    { name: 'time', type: 'double', dims: ['time'], attributes: { standard_name: 'time', units, calendar: 'gregorian', axis: 'T' } },
    { name: 'latitude', type: 'float', dims: ['latitude'], attributes: { standard_name: 'latitude', units: 'degrees_north', axis: 'Y' } },
    { name: 'longitude', type: 'float', dims: ['longitude'], attributes: { standard_name: 'longitude', units: 'degrees_east', axis: 'X' } },
    ...grid.channels.map((ch): NcVariableSpec => {
      const p = packing.get(ch.name);
      const attributes: NcVariableSpec['attributes'] = { units: ch.units ?? '1', long_name: ch.longName ?? ch.name };
      if (p) Object.assign(attributes, { scale_factor: { type: 'double', value: p.scale }, add_offset: { type: 'double', value: p.offset }, _FillValue: FILL16 });
      else attributes._FillValue = { type: 'float', value: NaN };
      return { name: ch.name, type: p ? 'short' : 'float', dims: ['time', 'latitude', 'longitude'], attributes };
    }),
  ];
  await withNetcdfClassicWriter(
    path,
    {
      dimensions: [{ name: 'time', size: null }, { name: 'latitude', size: H }, { name: 'longitude', size: W }],
      attributes: { Conventions: 'CF-1.8', ...(o.attributes ?? {}) },
      variables: [...variables, ...(o.timeVariables ?? []).map((v): NcVariableSpec => ({ name: v.name, type: 'double', dims: ['time'], attributes: v.attributes }))],
    },
    async (w) => {
      await w.write('latitude', rows.map((i) => grid.y[i]));
      await w.write('longitude', cols.map(lonOf));
      for (let t = 0; t < T; t++) {
        await w.write('time', [(Date.parse(grid.times[t]) - ref) / 3_600_000], t);
        for (const v of o.timeVariables ?? []) await w.write(v.name, [v.values[t]], t);
        for (const [c, ch] of grid.channels.entries()) {
          const p = packing.get(ch.name);
          const out = p ? new Int16Array(plane) : new Float32Array(plane);
          for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
            const v = grid.values[(t * C + c) * plane + rows[i] * W + cols[j]];
            out[i * W + j] = p ? (v === v ? Math.round((v - p.offset) / p.scale) : FILL16) : v;
          }
          await w.write(ch.name, out, t);
        }
      }
    },
  );
}

