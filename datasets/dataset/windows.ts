/**
 * Sliding windows over a time axis, split chronologically. A window of `tIn` input steps and
 * `tOut` target steps belongs to a split only when every one of its frames lies inside that split,
 * so no target ever leaks from validation or test into training. Windows that would span a gap in
 * the time axis (a missing time step) are skipped and counted.
 */
import { InvalidOptionError } from '../errors.js';

export type SplitName = 'train' | 'val' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

export interface WindowOptions {
  /** Input steps per sample (T_in). */
  tIn: number;
  /** Target steps per sample (T_out). */
  tOut: number;
  /** Step between consecutive window starts. Default 1. */
  stride?: number;
  /** Fractions of the time axis for train/val/test, chronological. Default 0.7/0.15/0.15. */
  split?: { train: number; val: number; test: number };
}

export interface Window {
  /** Index of the first input frame. */
  start: number;
  split: SplitName;
}

export interface WindowPlan {
  windows: Window[];
  /** Frame index ranges [begin, end) of each split. */
  bounds: Record<SplitName, [number, number]>;
  /** The regular time step in milliseconds (the most common difference). */
  stepMs: number;
  /** Windows dropped because they span a gap in the time axis. */
  skippedGaps: number;
}

/** Validates window options and fills defaults; messages name the field. */
export function resolveWindowOptions(o: WindowOptions): Required<WindowOptions> {
  const positive = (v: unknown, name: string) => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new InvalidOptionError(`${name} must be a positive integer, got ${v}`);
  };
  positive(o.tIn, 'tIn');
  positive(o.tOut, 'tOut');
  const stride = o.stride ?? 1;
  positive(stride, 'stride');
  const split = o.split ?? { train: 0.7, val: 0.15, test: 0.15 };
  for (const k of SPLITS) {
    if (!(split[k] >= 0)) throw new InvalidOptionError(`split.${k} must be a fraction >= 0, got ${split[k]}`);
  }
  const sum = split.train + split.val + split.test;
  if (Math.abs(sum - 1) > 1e-6) throw new InvalidOptionError(`split fractions must add up to 1, got ${sum}`);
  if (split.train <= 0) throw new InvalidOptionError('split.train must be > 0: normalisation statistics come from the training split');
  return { tIn: o.tIn, tOut: o.tOut, stride, split };
}

function modalStep(times: number[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < times.length; i++) counts.set(times[i] - times[i - 1], (counts.get(times[i] - times[i - 1]) ?? 0) + 1);
  let best = 0;
  let n = -1;
  for (const [d, c] of counts) if (c > n || (c === n && d < best)) { best = d; n = c; }
  return best;
}

/** Plans windows over `timesMs` (strictly increasing). */
export function planWindows(timesMs: number[], options: WindowOptions): WindowPlan {
  const o = resolveWindowOptions(options);
  const n = timesMs.length;
  const len = o.tIn + o.tOut;
  const a = Math.round(n * o.split.train);
  const b = Math.round(n * (o.split.train + o.split.val));
  const bounds: Record<SplitName, [number, number]> = { train: [0, a], val: [a, b], test: [b, n] };
  const stepMs = n > 1 ? modalStep(timesMs) : 0;
  const windows: Window[] = [];
  let skippedGaps = 0;
  for (const split of SPLITS) {
    const [lo, hi] = bounds[split];
    for (let s = lo; s + len <= hi; s += o.stride) {
      let gap = false;
      for (let k = s + 1; k < s + len && !gap; k++) gap = timesMs[k] - timesMs[k - 1] !== stepMs;
      if (gap) skippedGaps++;
      else windows.push({ start: s, split });
    }
  }
  if (!windows.some((w) => w.split === 'train')) {
    throw new InvalidOptionError(
      `no training window: the training split has ${a} time steps but a window needs tIn + tOut = ${len}`,
      { expected: `at least ${Math.ceil(len / o.split.train)} time steps in total, or shorter windows` },
    );
  }
  return { windows, bounds, stepMs, skippedGaps };
}
