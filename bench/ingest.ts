/**
 * Ingest-speed benchmark (`npm run bench:ingest`): decode MB/s of reading every variable of a
 * gridded file completely, time slice by time slice, into typed arrays through `openRaster` —
 * next to Debian's Python netCDF4 (libnetcdf) reading the same variables by the same time slices
 * of the same files in the same run. Not a test: it prints figures, it asserts nothing.
 *
 * Files (in bench/out/ingest/, reused when present from a run with --keep):
 * - a NetCDF classic file written by our writer: 4 float32 record variables × T × 361 × 720
 *   (T = 240 for --size-gb 1), record dimension `time`;
 * - its NetCDF-4 twin made by `nccopy -k nc4 -d 1 -c time/1,lat/361,lon/720` (deflate level 1,
 *   no shuffle, one chunk per time slice — the layout time-slice reads want).
 *
 * Fairness: each file is read once from start to end before timing, so both readers find it in
 * the page cache; each reader then gets one untimed warm-up run; the timed runs alternate which
 * reader goes first; the table shows medians over the runs. Python's time is measured inside Python (perf_counter around
 * the read loop, after import and open), ours around the same loop (open included on both sides).
 * MB/s = decoded float32 bytes / seconds / 1e6.
 *
 * Rows: (1) classic through openRaster and read(), a new Float32Array per slice — the
 * RasterDataset contract as ingest uses it today; (2) the same through openRasterSource with a
 * source that has `readInto` (what FileSource would gain from that one method: no zero-filled
 * buffer per read); (3) that source and the classic dataset's readInto() filling one reused
 * Float32Array — no allocation, zero-fill or page faults per slice, the way Python's refcounting
 * recycles its arrays; (4) the NetCDF-4 twin through openRaster and read() (skipped with a
 * message while that reader is missing). Python reads
 * the same file for each row.
 *
 * Flags: --size-gb N (default 1), --runs N (default 3), --keep (keep the files for the next run).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { open, type FileHandle } from 'node:fs/promises';
import { checkRange, type ByteSource } from '../datasets/source/byte-source.js';
import { openRaster, openRasterSource } from '../datasets/formats/registry.js';
import { withNetcdfClassicWriter } from '../datasets/writers/netcdf-classic-writer.js';

const PY = '/usr/bin/python3';
const NLAT = 361;
const NLON = 720;
const NVAR = 4;
const VARS = ['t2m', 'msl', 'u10', 'v10'];

const { values: args } = parseArgs({
  options: { 'size-gb': { type: 'string', default: '1' }, runs: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } },
});
const sizeGb = Number(args['size-gb']);
const runs = Number(args.runs);
if (!(sizeGb > 0) || !Number.isInteger(runs) || runs < 1) {
  console.error(`--size-gb must be > 0 and --runs a positive integer (got ${args['size-gb']}, ${args.runs})`);
  process.exit(2);
}
const slice = NLAT * NLON * 4;
const T = Math.max(1, Math.round((sizeGb * 1e9) / (NVAR * slice)));
const dataBytes = NVAR * T * slice;

const outDir = resolve(import.meta.dirname, 'out', 'ingest');
const classicPath = join(outDir, `classic-${T}.nc`);
const nc4Path = join(outDir, `nc4-d1-${T}.nc`);

/** Smooth large-scale fields plus small-scale noise, rounded to 0.01 like packed archive data. */
async function makeClassic(): Promise<void> {
  const lat = Float32Array.from({ length: NLAT }, (_, i) => 90 - i * 0.5);
  const lon = Float32Array.from({ length: NLON }, (_, j) => j * 0.5);
  const base = VARS.map((_, v) => {
    const f = new Float32Array(NLAT * NLON);
    for (let i = 0; i < NLAT; i++) for (let j = 0; j < NLON; j++) {
      f[i * NLON + j] = [250, 101000, 0, 0][v]! + [40, 2000, 8, 6][v]! * Math.cos((lat[i]! * Math.PI) / 180) * Math.sin(((lon[j]! + 37 * v) * Math.PI) / 90);
    }
    return f;
  });
  let seed = 12345;
  const noise = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  const buf = VARS.map(() => new Float32Array(NLAT * NLON));
  await withNetcdfClassicWriter(classicPath, {
    dimensions: [{ name: 'time', size: null }, { name: 'latitude', size: NLAT }, { name: 'longitude', size: NLON }],
    attributes: { Conventions: 'CF-1.6', title: 'gridcast ingest benchmark' },
    variables: [
      { name: 'time', type: 'int', dims: ['time'], attributes: { units: 'hours since 1900-01-01 00:00:0.0' } },
      { name: 'latitude', type: 'float', dims: ['latitude'], attributes: { units: 'degrees_north' } },
      { name: 'longitude', type: 'float', dims: ['longitude'], attributes: { units: 'degrees_east' } },
      ...VARS.map((name) => ({ name, type: 'float' as const, dims: ['time', 'latitude', 'longitude'] })),
    ],
  }, async (w) => {
    await w.write('latitude', lat);
    await w.write('longitude', lon);
    for (let t = 0; t < T; t++) {
      const record: Record<string, Float32Array | number[]> = { time: [1_000_000 + 6 * t] };
      VARS.forEach((name, v) => {
        const b = buf[v]!;
        const f = base[v]!;
        const scale = [2, 300, 3, 3][v]!;
        for (let k = 0; k < b.length; k++) b[k] = Math.round((f[k]! + 0.05 * t + scale * noise()) * 100) / 100;
        record[name] = b;
      });
      await w.writeRecord(t, record);
    }
  });
}

function fresh(path: string, minBytes: number, newerThan?: string): boolean {
  if (!existsSync(path)) return false;
  const st = statSync(path);
  return st.size >= minBytes && (!newerThan || st.mtimeMs >= statSync(newerThan).mtimeMs);
}

/** Reads a file once from start to end (page-cache warm-up, the same for both readers). */
async function warm(path: string): Promise<void> {
  await new Promise<void>((ok, fail) => createReadStream(path, { highWaterMark: 1 << 22 }).on('data', () => {}).on('end', ok).on('error', fail));
}

/**
 * A file source with the `readInto(offset, target)` capability the NetCDF classic reader uses
 * when present (positioned reads straight into the output, no zero-filled buffer per read). It is
 * what FileSource would gain from the one method; kept here to measure the difference.
 */
class ReadIntoFileSource implements ByteSource {
  private constructor(private readonly fh: FileHandle, readonly name: string, readonly size: number) {}
  static async open(path: string): Promise<ReadIntoFileSource> {
    const fh = await open(path, 'r');
    return new ReadIntoFileSource(fh, path, (await fh.stat()).size);
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    await this.readInto(offset, out);
    return out;
  }
  async readInto(offset: number, target: Uint8Array): Promise<void> {
    checkRange(this.name, this.size, offset, target.length);
    for (let done = 0; done < target.length; ) {
      const { bytesRead } = await this.fh.read(target, done, target.length - done, offset + done);
      if (bytesRead === 0) checkRange(this.name, offset + done, offset, target.length);
      done += bytesRead;
    }
  }
  async close(): Promise<void> { await this.fh.close(); }
}

type Mode = 'read' | 'read-src' | 'readInto';

/**
 * Seconds for our reader to read every variable by time slices: `read` = openRaster and a new
 * Float32Array per slice (the RasterDataset contract); `read-src` = the same through a
 * readInto-capable source; `readInto` = that source and the NetCDF classic dataset's readInto()
 * filling one reused Float32Array.
 */
async function ours(path: string, mode: Mode = 'read'): Promise<number> {
  const t0 = performance.now();
  const ds = mode === 'read' ? await openRaster(path) : await openRasterSource(await ReadIntoFileSource.open(path));
  const into = (ds as { readInto?: (v: string, t: Float32Array, s: number[], c: number[]) => Promise<Float32Array> }).readInto?.bind(ds);
  if (mode === 'readInto' && !into) throw new TypeError(`${ds.format} reader has no readInto`);
  const target = new Float32Array(NLAT * NLON);
  let check = 0;
  for (const name of VARS) {
    for (let t = 0; t < T; t++) {
      const a = mode !== 'readInto' ? ((await ds.read(name, [t, 0, 0], [1, NLAT, NLON])) as Float32Array) : await into!(name, target, [t, 0, 0], [1, NLAT, NLON]);
      if (!(a instanceof Float32Array) || a.length !== NLAT * NLON) throw new TypeError(`unexpected ${a.constructor.name} of ${a.length}`);
      check += a[t % a.length]!;
    }
  }
  await ds.close();
  const s = (performance.now() - t0) / 1000;
  if (!Number.isFinite(check)) throw new TypeError('non-finite checksum');
  return s;
}

const PY_SCRIPT = `
import sys, time, json
import netCDF4
path, names = sys.argv[1], sys.argv[2].split(',')
t0 = time.perf_counter()
ds = netCDF4.Dataset(path)
ds.set_auto_maskandscale(False)
check = 0.0
for name in names:
    v = ds.variables[name]
    for t in range(v.shape[0]):
        a = v[t]
        assert a.dtype.name == 'float32' and a.shape == (${NLAT}, ${NLON})
        check += float(a.flat[t % a.size])
ds.close()
print(json.dumps({"seconds": time.perf_counter() - t0, "check": check}))
`;

/** Seconds for Python netCDF4 to do the same (timed inside Python). */
function python(path: string): number {
  const out = execFileSync(PY, ['-c', PY_SCRIPT, path, VARS.join(',')], { encoding: 'utf8' });
  return JSON.parse(out).seconds as number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (s: number) => dataBytes / s / 1e6;

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  console.log(`ingest benchmark: ${NVAR} float32 variables × ${T} × ${NLAT} × ${NLON} = ${(dataBytes / 1e9).toFixed(2)} GB of data, ${runs} runs`);
  if (!fresh(classicPath, dataBytes)) {
    const t0 = performance.now();
    await makeClassic();
    console.log(`  wrote ${classicPath} with our writer in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else console.log(`  reusing ${classicPath}`);

  let haveNc4 = fresh(nc4Path, 1, classicPath);
  if (!haveNc4) {
    try {
      const t0 = performance.now();
      rmSync(`${nc4Path}.tmp`, { force: true });
      execFileSync('nccopy', ['-k', 'nc4', '-d', '1', '-c', `time/1,latitude/${NLAT},longitude/${NLON}`, classicPath, `${nc4Path}.tmp`]);
      execFileSync('mv', [`${nc4Path}.tmp`, nc4Path]);
      console.log(`  made ${nc4Path} with nccopy -k nc4 -d 1 in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      haveNc4 = true;
    } catch (e) {
      console.log(`  no NetCDF-4 twin (nccopy failed: ${(e as Error).message.split('\n')[0]})`);
    }
  } else console.log(`  reusing ${nc4Path}`);

  let havePython = true;
  try {
    execFileSync(PY, ['-c', 'import netCDF4']);
  } catch {
    havePython = false;
    console.log(`  ${PY} with netCDF4 not found: Python column skipped`);
  }

  const rows: { label: string; path: string; mode: Mode }[] = [{ label: 'NetCDF classic (CDF-1), read()', path: classicPath, mode: 'read' }];
  rows.push({ label: 'NetCDF classic, read() + readInto source', path: classicPath, mode: 'read-src' });
  rows.push({ label: 'NetCDF classic, readInto() + readInto source', path: classicPath, mode: 'readInto' });
  if (haveNc4) rows.push({ label: 'NetCDF-4 deflate(1), read()', path: nc4Path, mode: 'read' });

  const table: string[][] = [];
  for (const row of rows) {
    await warm(row.path);
    const mine: number[] = [];
    const theirs: number[] = [];
    let skip: string | undefined;
    // One untimed run of each reader first (JIT, shared libraries, file in cache), then the timed
    // runs, alternating which reader goes first so neither always runs right after the other.
    const timedOurs = async () => {
      try {
        mine.push(await ours(row.path, row.mode));
      } catch (e) {
        skip = `our reader failed: ${(e as Error).message.split('\n')[0]}`;
      }
    };
    const timedPython = () => { if (havePython) theirs.push(python(row.path)); };
    await timedOurs();
    timedPython();
    mine.length = 0;
    theirs.length = 0;
    for (let r = 0; r < runs && !skip; r++) {
      if (r % 2 === 0) { await timedOurs(); timedPython(); }
      else { timedPython(); await timedOurs(); }
    }
    const size = (statSync(row.path).size / 1e9).toFixed(2);
    const o = mine.length ? mbps(median(mine)) : NaN;
    const p = theirs.length ? mbps(median(theirs)) : NaN;
    table.push([row.label, `${size} GB`, skip ? 'skipped' : o.toFixed(0), Number.isNaN(p) ? '-' : p.toFixed(0), skip || Number.isNaN(p) ? '-' : (o / p).toFixed(2)]);
    if (skip) console.log(`  ${row.label}: ${skip}`);
    console.log(`  ${row.label}: ours ${mine.map((s) => s.toFixed(2)).join('/')} s, python ${theirs.map((s) => s.toFixed(2)).join('/')} s`);
  }

  const head = ['file', 'on disk', 'ours MB/s', 'netCDF4-python MB/s', 'ours/python'];
  const widths = head.map((h, k) => Math.max(h.length, ...table.map((r) => r[k]!.length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ');
  console.log(`\nmedians of ${runs} runs, ${(dataBytes / 1e6).toFixed(0)} MB decoded per run (MB = 1e6 bytes)`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of table) console.log(line(r));

  if (!args.keep) {
    rmSync(classicPath, { force: true });
    rmSync(nc4Path, { force: true });
  }
}

await main();
