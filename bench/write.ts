/**
 * COG write-speed benchmark (`npm run bench:write`): a 12-band 721×1440 float32 Cloud-Optimized
 * GeoTIFF (DEFLATE level 6, floating-point predictor, 256×256 tiles, overviews) written by our
 * `writeCog` and by GDAL's COG driver (Debian python3-gdal) from the same array in the same run.
 * Not a test: it prints figures and asserts nothing.
 *
 * Two inputs: "smooth" (large-scale fields plus small noise, like weather) and "random" (uniform
 * random floats, the reference case: GDAL ≈ 23 MB/s at level 6).
 * GDAL options: COMPRESS=DEFLATE LEVEL=6 PREDICTOR=YES (= 3 for floats) BLOCKSIZE=256
 * OVERVIEWS=AUTO RESAMPLING=AVERAGE (ours averages), NUM_THREADS=ALL_CPUS and NUM_THREADS=1.
 * Timing covers only the write: for GDAL, `CreateCopy` from an in-memory dataset measured inside
 * Python with perf_counter; for us, `writeCog` from the Float32Array. Runs alternate between the
 * writers (same machine load for both); medians of --runs runs (default 5), ours after one untimed
 * warm-up. MB/s = raw full-resolution float32 bytes / s / 1e6.
 *
 * Flags: --runs N (default 5).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeCog } from '../datasets/writers/cog-writer.js';

const PY = '/usr/bin/python3';
const W = 1440;
const H = 721;
const B = 12;
const RAW = W * H * B * 4;

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer (got ${args.runs})`);
  process.exit(2);
}

const outDir = resolve(import.meta.dirname, 'out', 'write');
mkdirSync(outDir, { recursive: true });

function makeData(kind: 'smooth' | 'random'): Float32Array {
  const a = new Float32Array(W * H * B);
  let seed = 2024;
  const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let b = 0; b < B; b++) {
    for (let y = 0; y < H; y++) {
      const lat = 90 - y * 0.25;
      for (let x = 0; x < W; x++) {
        const i = (b * H + y) * W + x;
        a[i] = kind === 'random'
          ? rand() * 100
          : 250 + 40 * Math.cos((lat * Math.PI) / 180) * Math.sin(((x * 0.25 + 7 * b) * Math.PI) / 90) + 0.5 * (rand() - 0.5);
      }
    }
  }
  return a;
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

const OUR_OPTIONS = {
  width: W, height: H, geotransform: [-0.125, 0.25, 0, 90.125, 0, -0.25], epsg: 4326,
  tileSize: 256, compression: 'deflate' as const, level: 6, predictor: 3 as const, overviews: 'auto' as const,
};

/** Wall and CPU seconds (CPU of every thread of the process: main and zlib's pool). */
interface Timing { wall: number; cpu: number }

async function timeOurs(data: Float32Array, path: string): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await writeCog(path, { ...OUR_OPTIONS, bands: data });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

/** One GDAL write, timed inside Python around CreateCopy (reading the raw file is not timed). */
function timeGdal(rawPath: string, path: string, threads: string): Timing {
  const script = `
import sys, time
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
raw, out, threads = sys.argv[1], sys.argv[2], sys.argv[3]
W, H, B = ${W}, ${H}, ${B}
a = np.fromfile(raw, dtype='<f4').reshape(B, H, W)
mem = gdal.GetDriverByName('MEM').Create('', W, H, B, gdal.GDT_Float32)
mem.SetGeoTransform([-0.125, 0.25, 0, 90.125, 0, -0.25])
mem.SetProjection('EPSG:4326')
for b in range(B):
    mem.GetRasterBand(b + 1).WriteArray(a[b])
opts = ['COMPRESS=DEFLATE', 'LEVEL=6', 'PREDICTOR=YES', 'BLOCKSIZE=256', 'OVERVIEWS=AUTO',
        'RESAMPLING=AVERAGE', 'NUM_THREADS=' + threads]
c0 = time.process_time()
t0 = time.perf_counter()
ds = gdal.GetDriverByName('COG').CreateCopy(out, mem, options=opts)
ds = None
print(time.perf_counter() - t0, time.process_time() - c0)
`;
  const [wall, cpu] = execFileSync(PY, ['-c', script, rawPath, path, threads], { encoding: 'utf8' }).trim().split(' ').map(Number);
  return { wall, cpu };
}

function gdalAvailable(): boolean {
  try {
    execFileSync(PY, ['-c', 'from osgeo import gdal'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const mbps = (s: number) => RAW / s / 1e6;
console.log(`COG write: ${B} bands × ${H} × ${W} float32 (${(RAW / 1e6).toFixed(1)} MB raw), DEFLATE 6, predictor 3, 256×256 tiles, overviews`);
console.log(`${cpus().length} CPUs (load average ${loadavg()[0].toFixed(1)} at start), Node ${process.version}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, median of ${runs} runs\n`);
const haveGdal = gdalAvailable();
if (!haveGdal) console.log('(GDAL for Python not found at /usr/bin/python3: only our figures)\n');
const rows: string[][] = [['data', 'writer', 'median s', 'MB/s', 'CPU s', 'file MB', 'ours / GDAL speed']];
const configs = haveGdal ? ['ALL_CPUS', '1'] : [];
for (const kind of ['smooth', 'random'] as const) {
  const data = makeData(kind);
  const ours = join(outDir, `ours-${kind}.tif`);
  const rawPath = join(outDir, `${kind}.f32`);
  if (haveGdal) writeFileSync(rawPath, new Uint8Array(data.buffer));
  const gdalOut = (threads: string) => join(outDir, `gdal-${kind}-${threads}.tif`);
  await timeOurs(data, ours); // warm-up (JIT); GDAL is native code and needs none
  // Runs alternate between the writers so that both see the same machine load.
  const times: Timing[][] = [[], ...configs.map(() => [])];
  for (let r = 0; r < runs; r++) {
    times[0].push(await timeOurs(data, ours));
    configs.forEach((threads, i) => times[i + 1].push(timeGdal(rawPath, gdalOut(threads), threads)));
  }
  rmSync(rawPath, { force: true });
  const summary = (ts: Timing[]) => ({ t: median(ts.map((x) => x.wall)), cpu: median(ts.map((x) => x.cpu)) });
  const oursT = summary(times[0]).t;
  const results = [
    { name: 'gridcast writeCog', ...summary(times[0]), size: statSync(ours).size },
    ...configs.map((threads, i) => ({ name: `GDAL COG NUM_THREADS=${threads}`, ...summary(times[i + 1]), size: statSync(gdalOut(threads)).size })),
  ];
  for (const r of results) {
    const ratio = r.name.startsWith('GDAL') ? `${(r.t / oursT).toFixed(2)}×` : '';
    rows.push([kind, r.name, r.t.toFixed(3), mbps(r.t).toFixed(1), r.cpu.toFixed(2), (r.size / 1e6).toFixed(1), ratio]);
  }
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
console.log('\n"ours / GDAL speed" > 1 means writeCog is faster than that GDAL configuration. CPU s is the');
console.log('CPU time of all threads: near 2 × wall for us means both cores were ours; other load on the');
console.log('machine shows as CPU s well below 2 × wall.');
rmSync(outDir, { recursive: true, force: true });
