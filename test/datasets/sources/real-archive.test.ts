/**
 * Files with the quirks of real archives, written by netCDF4-python (test/fixtures/archive):
 * packed int16 with scale/offset, _FillValue and missing_value, pressure levels, descending
 * latitudes, 0..360 longitudes, one NetCDF-4 file per year, deflate + shuffle; plus a NetCDF-4
 * classic-model and an nccopy'd CDF-2 precipitation file. Ingest must give what the reference
 * tool decodes, rolled to -180..180 and north-up.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openStack } from '../../../datasets/sources/stack.js';
import { openFrameSource } from '../../../datasets/sources/frame-source.js';
import { fixture } from '../../helpers.js';

const [T, H, W] = [24, 9, 16];
const load = (f: string) => new Float32Array(readFileSync(fixture('archive', f)).buffer.slice(0));

/** Reference frame t rolled from 0..360 to -180..180 (column j comes from (j + 8) % 16). */
function rolled(ref: Float32Array, t: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) out.push(ref[t * H * W + i * W + ((j + 8) % W)]);
  return out;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) expect(a[i], `element ${i}`).toBeNaN();
    else expect(Math.abs(a[i] - b[i]), `element ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol);
  }
}

describe('real-archive quirks', () => {
  it('stacks a packed multi-file level variable with a NetCDF-4 classic-model variable', async () => {
    const stack = await openStack(
      [
        { files: [fixture('archive', 'era5_t_2021.nc'), fixture('archive', 'era5_t_2020.nc')], variable: 't', level: { value: 850 }, name: 't850' },
        { files: [fixture('archive', 'era5_tp.nc')], variable: 'tp' },
      ],
      { lon: '-180..180' },
    );
    try {
      expect(stack.timesMs.length).toBe(T);
      expect(new Date(stack.timesMs[0]).toISOString()).toBe('2020-01-01T00:00:00.000Z');
      expect(Array.from(stack.axes.x).slice(0, 3)).toEqual([-180, -157.5, -135]);
      expect(Array.from(stack.axes.y).slice(0, 2)).toEqual([60, 57.5]);
      expect(stack.channels[0]).toMatchObject({ name: 't850', units: 'K', longName: 'Temperature' });
      const t850 = load('expected_t850.f32');
      const tp = load('expected_tp.f32');
      for (const t of [0, 3, 11, 12, 23]) {
        const f = await stack.readFrame(t);
        close(f.subarray(0, H * W), rolled(t850, t), 2e-5 * 300);
        close(f.subarray(H * W), rolled(tp, t), 1e-6);
      }
    } finally {
      await stack.close();
    }
  });

  it('reads the nccopy CDF-2 copy identically, and asks which level when none is chosen', async () => {
    const a = await openFrameSource({ files: [fixture('archive', 'era5_tp.nc')], variable: 'tp' }, { lon: '0..360' });
    const b = await openFrameSource({ files: [fixture('archive', 'era5_tp_cdf2.nc')], variable: 'tp' }, { lon: '0..360' });
    try {
      expect(Array.from(await b.readFrame(5))).toEqual(Array.from(await a.readFrame(5)));
      expect(Array.from(a.plan.x).slice(0, 2)).toEqual([0, 22.5]);
    } finally {
      await a.close();
      await b.close();
    }
    await expect(openFrameSource({ files: [fixture('archive', 'era5_t_2020.nc')], variable: 't' })).rejects.toThrow(/dimension 'level' has 3 entries; choose one/);
    await expect(openFrameSource({ files: [fixture('archive', 'era5_t_2020.nc')], variable: 't', level: { value: 700 } })).rejects.toThrow(/level value 700 not found.*1000, 850, 500/);
  });
});
