/**
 * Benchmark (not a test): peak memory of ingesting an archive much larger than the windows in
 * flight. Writes a NetCDF classic archive of `--size-gb` (default 2.2) GB with our streaming
 * writer, then runs `buildDataset` on it in a child process and reports the child's peak RSS
 * (getrusage maxrss) beside the archive size, plus the same child's RSS right after loading
 * gridcast (the baseline any run pays).
 *
 *   npm run bench:ingest-memory -- [--size-gb 2.2] [--keep] [--dir bench/out]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { withNetcdfClassicWriter } from '../datasets/writers/netcdf-classic-writer.js';
import { buildDataset } from '../datasets/dataset/build-dataset.js';

const H = 361;
const W = 720;
const VARS = ['u', 'v'];

async function child(file: string, out: string): Promise<void> {
  const before = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const info = await buildDataset({
    sources: VARS.map((v) => ({ files: [file], variable: v })),
    window: { tIn: 4, tOut: 2, stride: 6, split: { train: 0.8, val: 0.1, test: 0.1 } },
    out,
    shardBytes: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  const samples = info.splits.train.samples + info.splits.val.samples + info.splits.test.samples;
  process.stdout.write(JSON.stringify({ baselineKB: before, peakKB: process.resourceUsage().maxRSS, seconds, samples, frames: info.times.length }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'size-gb': { type: 'string', default: '2.2' }, keep: { type: 'boolean' }, dir: { type: 'string', default: 'bench/out' }, child: { type: 'string' }, out: { type: 'string' } } });
  if (values.child) return child(values.child, values.out!);
  const dir = resolve(values.dir!);
  mkdirSync(dir, { recursive: true });
  const T = Math.ceil((Number(values['size-gb']) * 1e9) / (VARS.length * H * W * 4));
  const file = join(dir, `memory-${T}.nc`);
  if (!existsSync(file)) {
    process.stderr.write(`writing ${file} (${T} steps × ${VARS.length} variables × ${H} × ${W} float32)…\n`);
    const frame = new Float32Array(H * W);
    await withNetcdfClassicWriter(file, {
      dimensions: [{ name: 'time', size: null }, { name: 'lat', size: H }, { name: 'lon', size: W }],
      variables: [
        { name: 'time', type: 'double', dims: ['time'], attributes: { units: 'hours since 2000-01-01', standard_name: 'time' } },
        { name: 'lat', type: 'float', dims: ['lat'], attributes: { units: 'degrees_north' } },
        { name: 'lon', type: 'float', dims: ['lon'], attributes: { units: 'degrees_east' } },
        ...VARS.map((v) => ({ name: v, type: 'float' as const, dims: ['time', 'lat', 'lon'], attributes: { units: 'm s-1' } })),
      ],
    }, async (w) => {
      await w.write('lat', Array.from({ length: H }, (_, i) => 90 - i * 0.5));
      await w.write('lon', Array.from({ length: W }, (_, j) => j * 0.5));
      for (let t = 0; t < T; t++) {
        await w.write('time', [t * 6], t);
        for (const [k, v] of VARS.entries()) {
          for (let i = 0; i < frame.length; i++) frame[i] = Math.sin(i * 1e-3 + t * 0.1 + k);
          await w.write(v, frame, t);
        }
      }
    });
  }
  const size = statSync(file).size;
  const out = join(dir, 'memory-dataset');
  rmSync(out, { recursive: true, force: true });
  const r = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', file, '--out', out], { encoding: 'utf8', maxBuffer: 1 << 20 }));
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  console.log('| archive | frames | samples written | ingest time | peak RSS | RSS after start-up | peak / archive |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(`| ${(size / 1e9).toFixed(2)} GB NetCDF classic | ${r.frames} | ${r.samples} | ${r.seconds.toFixed(1)} s (${(size / 1e6 / r.seconds).toFixed(0)} MB/s) | ${mb(r.peakKB)} MB | ${mb(r.baselineKB)} MB | ${((r.peakKB * 1024) / size * 100).toFixed(1)} % |`);
  rmSync(out, { recursive: true, force: true });
  if (!values.keep) rmSync(file, { force: true });
}

await main();
