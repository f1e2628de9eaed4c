/**
 * What `gridcast inspect FILE` shows, for every format: like `ncdump -h` and `gdalinfo` in one —
 * dimensions, variables with types, shapes, storage and attributes, global attributes, and for
 * each data variable the grid we would ingest (size, resolution, extent, CRS) and its time range.
 */
import type { RasterDataset, AttrValue } from './formats/types.js';
import { classifyAxes } from './cf/axes.js';
import { attrString } from './cf/attributes.js';
import { crsOf } from './sources/crs.js';
import { decodeTimesMs, isoTime } from './cf/time.js';

export interface GridSummary {
  variable: string;
  /** Dimension roles, e.g. { time: 'time', y: 'lat', x: 'lon', other: ['level'] }. */
  dims: { time?: string; y: string; x: string; other: string[] };
  height: number;
  width: number;
  yRange: [number, number];
  xRange: [number, number];
  resolution: [number, number];
  crs: string;
  times?: { count: number; first: string; last: string; step?: string };
  /** Why no grid could be described (then only `variable` is meaningful). */
  problem?: string;
}

export interface InspectReport {
  file: string;
  format: string;
  dimensions: { name: string; size: number; unlimited?: boolean }[];
  variables: { name: string; dtype: string; dims: string[]; shape: number[]; storage?: string; attributes: Record<string, AttrValue> }[];
  attributes: Record<string, AttrValue>;
  grids: GridSummary[];
}

function isCoordinate(v: { name: string; dims: string[] }): boolean {
  return v.dims.length === 1 && v.dims[0] === v.name;
}

function stepText(ms: number): string {
  const h = ms / 3_600_000;
  return Number.isInteger(h) ? `${h} h` : `${ms / 1000} s`;
}

/** Builds the inspect report of an open dataset (reads only coordinate variables). */
export async function inspectRaster(ds: RasterDataset): Promise<InspectReport> {
  const grids: GridSummary[] = [];
  for (const v of ds.variables.filter((x) => !isCoordinate(x) && x.dims.length >= 2)) {
    try {
      const axes = classifyAxes(ds, v.name);
      const y = axes.find((a) => a.kind === 'y')!;
      const x = axes.find((a) => a.kind === 'x')!;
      const t = axes.find((a) => a.kind === 'time');
      const yc = Array.from((await ds.read(y.coord!.name)) as ArrayLike<number>, Number);
      const xc = Array.from((await ds.read(x.coord!.name)) as ArrayLike<number>, Number);
      const crs = crsOf(ds, v, y.geographic && x.geographic);
      const g: GridSummary = {
        variable: v.name,
        dims: { time: t?.dim, y: y.dim, x: x.dim, other: axes.filter((a) => a.kind === 'other').map((a) => `${a.dim}(${a.size})`) },
        height: y.size,
        width: x.size,
        yRange: [yc[0], yc[yc.length - 1]],
        xRange: [xc[0], xc[xc.length - 1]],
        resolution: [yc.length > 1 ? Math.abs(yc[1] - yc[0]) : NaN, xc.length > 1 ? Math.abs(xc[1] - xc[0]) : NaN],
        crs: crs.epsg ? `EPSG:${crs.epsg}` : crs.wkt ? crs.wkt.slice(0, 60) : 'unknown',
      };
      if (t?.coord) {
        const units = attrString(t.coord.attributes, 'units');
        if (units) {
          const ms = decodeTimesMs(Array.from((await ds.read(t.coord.name)) as ArrayLike<number>, Number), units, attrString(t.coord.attributes, 'calendar'), { file: ds.name, variable: t.coord.name });
          g.times = { count: ms.length, first: isoTime(ms[0]), last: isoTime(ms[ms.length - 1]), step: ms.length > 1 ? stepText(ms[1] - ms[0]) : undefined };
        }
      }
      grids.push(g);
    } catch (e) {
      grids.push({ variable: v.name, problem: (e as Error).message } as GridSummary);
    }
  }
  return {
    file: ds.name,
    format: ds.formatDetail,
    dimensions: ds.dimensions.map((d) => ({ ...d })),
    variables: ds.variables.map((v) => ({ name: v.name, dtype: v.dtype, dims: v.dims, shape: v.shape, storage: v.storage, attributes: v.attributes })),
    attributes: ds.attributes,
    grids,
  };
}

function attrText(v: AttrValue): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v);
  return v.length > 8 ? `${v.slice(0, 8).join(', ')}, … (${v.length})` : v.join(', ');
}

/** Formats a report as text in the spirit of `ncdump -h`. */
export function formatInspectReport(r: InspectReport): string {
  const lines: string[] = [`${r.file}`, `  format: ${r.format}`, 'dimensions:'];
  for (const d of r.dimensions) lines.push(`  ${d.name} = ${d.unlimited ? `UNLIMITED ; // (${d.size} currently)` : d.size}`);
  lines.push('variables:');
  for (const v of r.variables) {
    lines.push(`  ${v.dtype} ${v.name}(${v.dims.join(', ')})  shape [${v.shape.join(', ')}]${v.storage ? `  ${v.storage}` : ''}`);
    for (const [k, a] of Object.entries(v.attributes)) lines.push(`    ${v.name}:${k} = ${attrText(a)}`);
  }
  if (Object.keys(r.attributes).length) {
    lines.push('global attributes:');
    for (const [k, a] of Object.entries(r.attributes)) lines.push(`  :${k} = ${attrText(a)}`);
  }
  if (r.grids.length) lines.push('grids:');
  for (const g of r.grids) {
    if (g.problem) {
      lines.push(`  ${g.variable}: not a grid we can ingest: ${g.problem}`);
      continue;
    }
    lines.push(
      `  ${g.variable}: ${g.height} x ${g.width} cells, ${g.dims.y} ${g.yRange[0]}..${g.yRange[1]}, ${g.dims.x} ${g.xRange[0]}..${g.xRange[1]}, resolution ${g.resolution.join(' x ')}, CRS ${g.crs}` +
        (g.dims.other.length ? `, other dimensions ${g.dims.other.join(', ')}` : ''),
    );
    if (g.times) lines.push(`    time: ${g.times.count} steps ${g.times.first} .. ${g.times.last}${g.times.step ? `, step ${g.times.step}` : ''}`);
  }
  return lines.join('\n');
}
