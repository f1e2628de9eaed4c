/**
 * One channel as a sequence of 2-D frames on the ingest grid: opens every file of a SourceSpec,
 * finds the variable's axes, decodes CF packing and times, checks that every file has the same
 * grid, and reads one time step at a time (never the whole variable) straight into the caller's
 * buffer, north-up, rolled, cropped and coarsened.
 *
 * ```ts
 * const src = await openFrameSource({ files: ['t2m_2020.nc', 't2m_2021.nc'], variable: 't2m' }, { lon: '-180..180' });
 * const frame = await src.readFrame(0); // Float32Array(H*W)
 * ```
 */
import { basename } from 'node:path';
import { CoordinateError, GridMismatchError, InvalidOptionError } from '../errors.js';
import { openRaster } from '../formats/registry.js';
import type { NumericArray, RasterDataset, VariableInfo } from '../formats/types.js';
import { attrString } from '../cf/attributes.js';
import { classifyAxes, findVariable, type AxisInfo } from '../cf/axes.js';
import { decodePacked, packingRule, type PackingRule } from '../cf/packing.js';
import { isoTime } from '../cf/time.js';
import { applyPlan, planAxes, type AxisPlan } from '../grid/axis-plan.js';
import type { ChannelInfo, Crs } from '../grid/types.js';
import type { GridOptions, SourceSpec } from './source-spec.js';
import { crsOf } from './crs.js';
import { fileTimes } from './file-times.js';

/** A channel readable frame by frame. */
export interface FrameSource {
  /** 'path:variable' (or 'first path (+N files):variable'), for messages. */
  readonly label: string;
  readonly channel: ChannelInfo;
  /** Instants of the frames, ms since the epoch, strictly increasing. */
  readonly timesMs: number[];
  /** The output grid (after orientation, roll, crop, coarsening). */
  readonly plan: AxisPlan;
  /** Reads frame `i` (H*W values) into `out` at `offset` (allocated when omitted). */
  readFrame(i: number, out?: Float32Array, offset?: number): Promise<Float32Array>;
  close(): Promise<void>;
}

interface OpenFile {
  ds: RasterDataset;
  variable: VariableInfo;
  axes: AxisInfo[];
  rule: PackingRule;
  /** Fixed start index for every 'other' dimension (level selection or squeeze). */
  fixed: Map<number, number>;
  /** Dimension index that indexes time within the file, or -1 (one time per file). */
  timeDim: number;
  transposed: boolean;
  scratch: Float32Array<ArrayBufferLike>;
  /** Raw slice buffer reused across reads when the reader supports readInto. */
  raw?: NumericArray;
}

function defaultVariable(ds: RasterDataset): string {
  if (ds.format === 'geotiff') return 'band_data';
  const data = ds.variables.filter((v) => v.dims.length >= 2 && !(v.dims.length === 1 && v.dims[0] === v.name));
  if (data.length === 1) return data[0].name;
  throw new InvalidOptionError('the file has several data variables: name one', {
    file: ds.name,
    expected: `variable: one of ${data.map((v) => v.name).join(', ')}`,
  });
}

async function readCoord(ds: RasterDataset, v: VariableInfo): Promise<Float64Array> {
  const raw = await ds.read(v.name);
  return Float64Array.from(raw as ArrayLike<number>, Number);
}

function sameAxis(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const step = a.length > 1 ? Math.abs(a[1] - a[0]) : 1;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-4 * step) return false;
  return true;
}

function describeAxis(c: Float64Array): string {
  return c.length > 1 ? `${c.length} cells ${c[0]}..${c[c.length - 1]} step ${c[1] - c[0]}` : `1 cell at ${c[0]}`;
}

/** Opens every file of `spec` and prepares frame reads. Closes what it opened on failure. */
export async function openFrameSource(spec: SourceSpec, grid: GridOptions = {}): Promise<FrameSource> {
  if (!spec.files.length) throw new InvalidOptionError('source has no files', { variable: spec.variable, expected: 'at least one file (check the glob)' });
  const files: OpenFile[] = [];
  const frames: { file: number; index: number; ms: number }[] = [];
  let plan: AxisPlan | undefined;
  let crs: Crs | undefined;
  let channel: ChannelInfo | undefined;
  try {
    for (const [fi, path] of spec.files.entries()) {
      const ds = await openRaster(path);
      const variableName = spec.variable ?? defaultVariable(ds);
      files.push({ ds } as OpenFile);
      const variable = findVariable(ds, variableName);
      const axes = classifyAxes(ds, variableName);
      const ctx = { file: path, variable: variableName };
      const y = axes.find((a) => a.kind === 'y')!;
      const x = axes.find((a) => a.kind === 'x')!;
      const t = axes.find((a) => a.kind === 'time');
      const fixed = new Map<number, number>();
      let timeDim = t ? t.index : -1;
      // Extra dimensions: squeeze length 1, select a level, or (GeoTIFF bands) use as time.
      const others = axes.filter((a) => a.kind === 'other');
      for (const a of others) {
        const named = spec.level && (spec.level.dim === undefined || spec.level.dim === a.dim);
        if (named && a.size > 1) fixed.set(a.index, await levelIndex(ds, a, spec, ctx));
        else if (a.size === 1) fixed.set(a.index, 0);
        else if (ds.format === 'geotiff' && a.dim === 'band' && timeDim < 0) timeDim = a.index;
        else {
          throw new InvalidOptionError(`dimension '${a.dim}' has ${a.size} entries; choose one`, {
            ...ctx,
            expected: `level: { dim: '${a.dim}', index: 0..${a.size - 1} } (or value) in the source`,
          });
        }
      }
      if (spec.level?.dim && !axes.some((a) => a.dim === spec.level!.dim)) {
        throw new InvalidOptionError(`level dimension '${spec.level.dim}' does not exist`, { ...ctx, expected: `one of ${axes.map((a) => a.dim).join(', ')}` });
      }
      const nTimes = timeDim >= 0 ? variable.shape[timeDim] : 1;
      const times = await fileTimes(ds, spec, timeDim >= 0 ? axes[timeDim] : undefined, nTimes, ctx);
      for (let i = 0; i < nTimes; i++) frames.push({ file: fi, index: i, ms: times[i] });

      const geographic = y.geographic && x.geographic;
      const fileCrs = crsOf(ds, variable, geographic);
      const yc = await readCoord(ds, y.coord!);
      const xc = await readCoord(ds, x.coord!);
      const filePlan = planAxes(yc, xc, fileCrs, geographic, grid, ctx);
      if (plan) {
        const first = spec.files[0];
        if (!sameAxis(plan.y, filePlan.y) || !sameAxis(plan.x, filePlan.x)) {
          throw new GridMismatchError(
            `grid differs from ${first}: y ${describeAxis(filePlan.y)} vs ${describeAxis(plan.y)}; x ${describeAxis(filePlan.x)} vs ${describeAxis(plan.x)}`,
            { ...ctx, expected: 'every file of a source on the same grid (no resampling is done)' },
          );
        }
        if (crs && (crs.epsg !== fileCrs.epsg || (crs.wkt ?? '') !== (fileCrs.wkt ?? ''))) {
          throw new GridMismatchError(`CRS ${JSON.stringify(fileCrs)} differs from ${first}'s ${JSON.stringify(crs)}`, ctx);
        }
      } else {
        plan = filePlan;
        crs = fileCrs;
        const a = variable.attributes;
        channel = {
          name: spec.name ?? variableName,
          units: attrString(a, 'units') ?? attrString(ds.attributes, 'units') ?? attrString(ds.attributes, 'UNITS'),
          longName: attrString(a, 'long_name') ?? attrString(a, 'standard_name'),
          source: `${path}:${variableName}`,
        };
      }
      Object.assign(files[fi], {
        variable, axes, fixed, timeDim, rule: packingRule(variable.dtype, variable.attributes),
        transposed: x.index < y.index, scratch: new Float32Array(y.size * x.size),
      });
    }
    frames.sort((a, b) => a.ms - b.ms);
    for (let i = 1; i < frames.length; i++) {
      if (frames[i].ms === frames[i - 1].ms) {
        const a = spec.files[frames[i - 1].file];
        const b = spec.files[frames[i].file];
        throw new CoordinateError(`time ${isoTime(frames[i].ms)} appears twice (${a === b ? basename(a) : `${basename(a)} and ${basename(b)}`})`, {
          file: b,
          variable: spec.variable,
          expected: 'each time step once across the files of a source',
        });
      }
    }
  } catch (e) {
    await Promise.all(files.map((f) => f.ds.close().catch(() => {})));
    throw e;
  }
  const outPlan = plan!;
  const label = spec.files.length > 1 ? `${spec.files[0]} (+${spec.files.length - 1} files):${channel!.name}` : channel!.source!;
  return {
    label,
    channel: channel!,
    timesMs: frames.map((f) => f.ms),
    plan: outPlan,
    async readFrame(i, out, offset = 0) {
      const fr = frames[i];
      if (!fr) throw new InvalidOptionError(`frame ${i} out of range 0..${frames.length - 1}`, { variable: label });
      const f = files[fr.file];
      const start = f.axes.map((a) => (a.index === f.timeDim ? fr.index : f.fixed.get(a.index) ?? 0));
      const count = f.axes.map((a) => (a.kind === 'y' || a.kind === 'x' ? a.size : 1));
      const raw = f.raw && f.ds.readInto ? await f.ds.readInto(f.variable.name, f.raw, start, count) : await f.ds.read(f.variable.name, start, count);
      if (f.ds.readInto) f.raw = raw;
      let slice: Float32Array = decodePacked(raw, f.rule, f.scratch);
      if (f.transposed) slice = transpose(slice, outPlan.srcHeight, outPlan.srcWidth);
      const dest = out ?? new Float32Array(outPlan.y.length * outPlan.x.length);
      applyPlan(outPlan, slice, dest, offset);
      return dest;
    },
    async close() {
      await Promise.all(files.map((f) => f.ds.close()));
    },
  };
}

/** (x, y) storage → (y, x). */
function transpose(src: Float32Array, ny: number, nx: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) out[j * nx + i] = src[i * ny + j];
  return out;
}

async function levelIndex(ds: RasterDataset, a: AxisInfo, spec: SourceSpec, ctx: { file: string; variable: string }): Promise<number> {
  const lv = spec.level!;
  if (lv.index !== undefined) {
    if (!Number.isInteger(lv.index) || lv.index < 0 || lv.index >= a.size) {
      throw new InvalidOptionError(`level index must be an integer in 0..${a.size - 1}, got ${lv.index}`, ctx);
    }
    return lv.index;
  }
  if (lv.value === undefined) throw new InvalidOptionError('level needs an index or a value', ctx);
  if (!a.coord) throw new InvalidOptionError(`dimension '${a.dim}' has no coordinate variable to match value ${lv.value}`, { ...ctx, expected: 'level.index instead' });
  const values = await readCoord(ds, a.coord);
  const idx = values.findIndex((v) => Math.abs(v - lv.value!) <= 1e-6 * Math.max(1, Math.abs(lv.value!)));
  if (idx < 0) throw new InvalidOptionError(`level value ${lv.value} not found on '${a.dim}'`, { ...ctx, expected: `one of ${Array.from(values).join(', ')}` });
  return idx;
}
