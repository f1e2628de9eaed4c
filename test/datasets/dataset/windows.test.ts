import { describe, expect, it } from 'vitest';
import { planWindows } from '../../../datasets/dataset/windows.js';
import { StatsAccumulator } from '../../../datasets/dataset/stats.js';

const hours = (n: number) => Array.from({ length: n }, (_, i) => i * 3_600_000);

describe('windows', () => {
  it('never lets a window cross a split boundary', () => {
    const plan = planWindows(hours(20), { tIn: 3, tOut: 2, split: { train: 0.5, val: 0.25, test: 0.25 } });
    expect(plan.bounds).toEqual({ train: [0, 10], val: [10, 15], test: [15, 20] });
    for (const w of plan.windows) {
      const [lo, hi] = plan.bounds[w.split];
      expect(w.start).toBeGreaterThanOrEqual(lo);
      expect(w.start + 5).toBeLessThanOrEqual(hi);
    }
    expect(plan.windows.filter((w) => w.split === 'train').map((w) => w.start)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(plan.windows.filter((w) => w.split === 'val').map((w) => w.start)).toEqual([10]);
  });

  it('applies the stride and skips windows spanning a gap', () => {
    const t = hours(12);
    t.splice(6, 1); // a missing time step between index 5 and 6
    const plan = planWindows(t, { tIn: 2, tOut: 1, stride: 2, split: { train: 1, val: 0, test: 0 } });
    expect(plan.stepMs).toBe(3_600_000);
    expect(plan.windows.map((w) => w.start)).toEqual([0, 2, 6, 8]);
    expect(plan.skippedGaps).toBe(1);
  });

  it('explains options that cannot work', () => {
    expect(() => planWindows(hours(5), { tIn: 0, tOut: 1 })).toThrow('tIn must be a positive integer, got 0');
    expect(() => planWindows(hours(5), { tIn: 4, tOut: 4 })).toThrow(/no training window/);
    expect(() => planWindows(hours(5), { tIn: 1, tOut: 1, split: { train: 0.5, val: 0.1, test: 0.1 } })).toThrow(/add up to 1/);
  });
});

describe('statistics', () => {
  it('ignores NaN and keeps precision with large offsets', () => {
    const s = new StatsAccumulator(2, 3);
    s.add(Float32Array.from([1, 2, NaN, 1000, 1001, 1002]));
    s.add(Float32Array.from([3, NaN, NaN, 1003, 1004, 1005]));
    const r = s.result();
    expect(r.count).toEqual([3, 6]);
    expect(r.mean[0]).toBeCloseTo(2, 12);
    expect(r.std[0]).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(r.mean[1]).toBeCloseTo(1002.5, 10);
    expect(r.std[1]).toBeCloseTo(Math.sqrt(17.5 / 6), 10);
    expect(Array.from(s.climatology())).toEqual([2, 2, NaN, 1001.5, 1002.5, 1003.5]);
  });
});
