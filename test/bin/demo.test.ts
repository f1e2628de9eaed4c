/**
 * The README's first command: `gridcast demo` must run end to end from nothing, write its config
 * beside its outputs, and that config must repeat the run with `gridcast run` (reusing the work).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { gridcast } from '../pipeline/helpers.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

describe('gridcast demo', () => {
  it('generates data, trains, evaluates, forecasts, and leaves a config that `run` repeats', () => {
    const out = join(tmp.path, 'demo');
    const r = gridcast('demo', '--out', out, '--epochs', '2', '--json');
    expect(r.code, r.err).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const evaluation = events.find((e) => e.event === 'evaluation').report;
    expect(evaluation.summary.map((s: { channel: string }) => s.channel)).toEqual(['precip', 'tcw']);
    const forecast = events.find((e) => e.event === 'forecast');
    const files = readdirSync(forecast.dir);
    expect(files.filter((f) => f.endsWith('.tif'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.png'))).toHaveLength(2);
    expect(files.some((f) => f.endsWith('.nc'))).toBe(true);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.data.sources).toHaveLength(3);
    expect(existsSync(join(out, 'data', 'storms_tcw.nc'))).toBe(true);
    expect(readdirSync(join(out, 'data', 'precip')).filter((f) => f.endsWith('.tif')).length).toBe(240);

    const again = gridcast('run', join(out, 'config.json'), '--json');
    expect(again.code, again.err).toBe(0);
    const ev2 = again.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(ev2.find((e) => e.event === 'ingest').skipped).toBe(true);
    expect(ev2.find((e) => e.event === 'train-end').skipped).toBe(true);
  });
});
