/**
 * Stacks several sources (files × variables) into channels on one time axis and one grid. Every
 * disagreement — grid, resolution, CRS, time steps — is an error naming both sources: we never
 * resample silently, because a forecast on silently interpolated data is a wrong forecast.
 */
import { GridMismatchError, InvalidOptionError } from '../errors.js';
import { isoTime } from '../cf/time.js';
import type { ChannelInfo, GridAxes } from '../grid/types.js';
import { openFrameSource, type FrameSource } from './frame-source.js';
import type { GridOptions, SourceSpec } from './source-spec.js';

/** Channels on a common grid and time axis, read one time step (all channels) at a time. */
export interface FrameStack {
  readonly channels: ChannelInfo[];
  readonly sources: FrameSource[];
  /** Instants of the frames, ms since the epoch. */
  readonly timesMs: number[];
  readonly axes: GridAxes;
  readonly height: number;
  readonly width: number;
  /** Reads time step `t` as (C, H, W) into `out` at `offset` (allocated when omitted). */
  readFrame(t: number, out?: Float32Array, offset?: number): Promise<Float32Array>;
  close(): Promise<void>;
}

function axesEqual(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const tol = 1e-4 * (a.length > 1 ? Math.abs(a[1] - a[0]) : 1);
  return a.every((v, i) => Math.abs(v - b[i]) <= tol);
}

function firstTimeDifference(a: number[], b: number[]): string {
  const setB = new Set(b);
  const setA = new Set(a);
  const onlyA = a.filter((t) => !setB.has(t));
  const onlyB = b.filter((t) => !setA.has(t));
  const show = (xs: number[]) => xs.slice(0, 3).map(isoTime).join(', ') + (xs.length > 3 ? `, … (${xs.length})` : '');
  return [onlyA.length ? `missing in the second: ${show(onlyA)}` : '', onlyB.length ? `missing in the first: ${show(onlyB)}` : '']
    .filter(Boolean)
    .join('; ');
}

/** Opens every source and checks that they line up. Closes everything on failure. */
export async function openStack(specs: SourceSpec[], grid: GridOptions = {}): Promise<FrameStack> {
  if (!specs.length) throw new InvalidOptionError('no sources given', { expected: 'at least one source (files and a variable)' });
  const sources: FrameSource[] = [];
  try {
    for (const spec of specs) sources.push(await openFrameSource(spec, grid));
    const names = new Set<string>();
    const ref = sources[0];
    for (const s of sources) {
      if (names.has(s.channel.name)) {
        throw new InvalidOptionError(`channel name '${s.channel.name}' is used twice`, { variable: s.label, expected: "distinct names (set 'name' on a source)" });
      }
      names.add(s.channel.name);
      if (s === ref) continue;
      const both = `${s.label} vs ${ref.label}`;
      if (!axesEqual(s.plan.y, ref.plan.y) || !axesEqual(s.plan.x, ref.plan.x)) {
        throw new GridMismatchError(
          `grids differ (${both}): ${s.plan.y.length}x${s.plan.x.length} cells, geotransform [${s.plan.geotransform.join(', ')}] vs ${ref.plan.y.length}x${ref.plan.x.length}, [${ref.plan.geotransform.join(', ')}]`,
          { variable: s.channel.name, expected: 'every source on the same grid and resolution (no resampling is done)' },
        );
      }
      if ((s.plan.crs.epsg ?? null) !== (ref.plan.crs.epsg ?? null) || (s.plan.crs.wkt ?? '') !== (ref.plan.crs.wkt ?? '')) {
        throw new GridMismatchError(`CRS differ (${both}): ${JSON.stringify(s.plan.crs)} vs ${JSON.stringify(ref.plan.crs)}`, { variable: s.channel.name });
      }
      const a = s.timesMs;
      const b = ref.timesMs;
      if (a.length !== b.length || a.some((t, i) => t !== b[i])) {
        throw new GridMismatchError(`time axes differ (${both}): ${firstTimeDifference(b, a)}`, {
          variable: s.channel.name,
          expected: 'the same time steps in every source',
        });
      }
    }
  } catch (e) {
    await Promise.all(sources.map((s) => s.close().catch(() => {})));
    throw e;
  }
  const ref = sources[0];
  const height = ref.plan.y.length;
  const width = ref.plan.x.length;
  const plane = height * width;
  const { y, x, crs, geotransform, geographic } = ref.plan;
  return {
    channels: sources.map((s) => s.channel),
    sources,
    timesMs: ref.timesMs,
    axes: { y, x, crs, geotransform, geographic },
    height,
    width,
    async readFrame(t, out, offset = 0) {
      const dest = out ?? new Float32Array(sources.length * plane);
      for (const [c, s] of sources.entries()) await s.readFrame(t, dest, offset + c * plane);
      return dest;
    },
    async close() {
      await Promise.all(sources.map((s) => s.close()));
    },
  };
}
