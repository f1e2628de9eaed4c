import { describe, expect, it } from 'vitest';
import { applyPlan, planAxes } from '../../../datasets/grid/axis-plan.js';
import { isGridcastError } from '../../../datasets/errors.js';

const lat = [-10, 0, 10]; // ascending: must be flipped
const lon = [0, 90, 180, 270]; // 0..360: must be rolled to -180..180
const src = Float32Array.from({ length: 12 }, (_, i) => i); // row-major (lat, lon)

describe('axis plan', () => {
  it('flips to north-up and rolls longitudes into -180..180', () => {
    const p = planAxes(lat, lon, { epsg: 4326 }, true);
    expect(Array.from(p.y)).toEqual([10, 0, -10]);
    expect(Array.from(p.x)).toEqual([-180, -90, 0, 90]);
    const out = new Float32Array(12);
    applyPlan(p, src, out);
    // source row 2 (lat 10) first; columns 180, 270, 0, 90
    expect(Array.from(out)).toEqual([10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1]);
    expect(p.geotransform).toEqual([-225, 90, 0, 15, 0, -10]);
  });

  it('keeps 0..360 when asked, crops to a box and coarsens', () => {
    const p = planAxes(lat, lon, { epsg: 4326 }, true, { lon: '0..360', bbox: { west: 80, east: 300, south: -5, north: 20 } });
    expect(Array.from(p.x)).toEqual([90, 180, 270]);
    expect(Array.from(p.y)).toEqual([10, 0]);
    const m = planAxes([3, 2, 1, 0], [0, 1, 2, 3], {}, false, { coarsen: 2, coarsenMethod: 'mean' });
    const out = new Float32Array(4);
    applyPlan(m, Float32Array.from([0, 1, 2, 3, 4, 5, 6, NaN, 8, 9, 10, 11, 12, 13, 14, 15]), out);
    expect(Array.from(out)).toEqual([2.5, Math.fround(11 / 3), 10.5, 12.5]);
    expect(Array.from(m.y)).toEqual([2.5, 0.5]);
  });

  it('names the problem: non-monotonic, irregular, seam-crossing, empty box', () => {
    const expectKind = (f: () => unknown, kind: string, re: RegExp) => {
      let err: unknown;
      try { f(); } catch (e) { err = e; }
      expect(isGridcastError(err, kind)).toBe(true);
      expect(String(err)).toMatch(re);
    };
    expectKind(() => planAxes([0, 2, 1], lon, {}, true, {}, { file: 'a.nc', variable: 't' }), 'Coordinate', /a\.nc, variable 't'.*not strictly monotonic/);
    expectKind(() => planAxes(lat, [0, 1, 3], {}, false), 'Coordinate', /irregular/);
    expectKind(() => planAxes(lat, [170, 180, 190], {}, true), 'Coordinate', /crosses its seam.*0\.\.360/);
    expectKind(() => planAxes(lat, lon, {}, true, { bbox: { west: 1, east: 2, south: 0, north: 1 } }), 'InvalidOption', /no grid cell/);
    expectKind(() => planAxes(lat, lon, {}, true, { coarsen: 0 }), 'InvalidOption', /coarsen must be a positive integer, got 0/);
  });
});
