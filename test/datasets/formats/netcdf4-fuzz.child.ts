/**
 * Fuzz driver for the NetCDF-4 reader, run in a child process by netcdf4.test.ts so that a crash
 * or a hang (which no in-process timeout can interrupt: h5wasm calls are synchronous) fails the
 * test instead of the test runner. For each case it corrupts a copy of a valid file with a seeded
 * PRNG, opens it, reads every variable, and prints one JSON line: the case number and either 'ok'
 * or the GridcastError kind; any other exception prints 'other:<name>: <message>'. Finally it
 * reopens the intact file in the same process and checks a value, proving earlier failures left
 * nothing broken behind.
 *
 * Usage: node --import tsx netcdf4-fuzz.child.ts FILE CASES SEED [ONLY_CASE]
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGridcastError } from '../../../datasets/errors.js';
import { netcdf4Format } from '../../../datasets/formats/netcdf4.js';
import { FileSource } from '../../../datasets/source/file-source.js';
import { mulberry32 } from '../../../datasets/rng.js';

const [file, casesArg, seedArg, onlyArg] = process.argv.slice(2);
const original = readFileSync(file);
const dir = mkdtempSync(join(tmpdir(), 'gridcast-nc4-fuzz-'));
// Remove the scratch directory however the run ends, including the test's timeout (SIGTERM).
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
process.on('SIGTERM', () => process.exit(143));

async function openAndReadAll(path: string): Promise<void> {
  const source = await FileSource.open(path);
  const ds = await netcdf4Format.open(source).catch(async (e: unknown) => {
    await source.close(); // on failure the caller keeps the source, as openRaster does
    throw e;
  });
  try {
    for (const v of ds.variables) {
      try {
        await ds.read(v.name);
      } catch (e) {
        // Variable-length strings are listed but not read; that is not a corruption outcome.
        if (!(isGridcastError(e, 'UnsupportedFeature') && v.dtype === 'string')) throw e;
      }
    }
  } finally {
    await ds.close();
  }
}

const cases = Number(casesArg);
const seed = Number(seedArg);
for (let i = 0; i < cases; i++) {
  if (onlyArg !== undefined && i !== Number(onlyArg)) continue;
  const rand = mulberry32(seed * 100_003 + i);
  const bytes = Buffer.from(original);
  const mode = i % 3;
  if (mode === 0) {
    // A few random bytes anywhere.
    const n = 1 + Math.floor(rand() * 8);
    for (let k = 0; k < n; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
  } else if (mode === 1) {
    // A run of random bytes in the metadata-dense first 4 KiB (superblock, root group, headers).
    const at = Math.floor(rand() * Math.min(4096, bytes.length - 16));
    const n = 1 + Math.floor(rand() * 16);
    for (let k = 0; k < n; k++) bytes[at + k] = Math.floor(rand() * 256);
  } else {
    // Single-bit flips.
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) bytes[Math.floor(rand() * bytes.length)] ^= 1 << Math.floor(rand() * 8);
  }
  const path = join(dir, `case-${i}.nc`);
  writeFileSync(path, bytes);
  process.stdout.write(JSON.stringify({ start: i }) + '\n');
  let outcome: string;
  try {
    await openAndReadAll(path);
    outcome = 'ok';
  } catch (e) {
    outcome = isGridcastError(e) ? e.kind : `other:${(e as Error)?.name}: ${String((e as Error)?.message ?? e).slice(0, 300)}`;
  }
  rmSync(path, { force: true });
  process.stdout.write(JSON.stringify({ case: i, outcome }) + '\n');
}
// The intact file must still read after all of that.
await openAndReadAll(file);
// Every descriptor opened on a corrupted copy must be closed again, even after a hang.
const leaked = readdirSync('/proc/self/fd').filter((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
  } catch {
    return false; // closed while listing
  }
}).length;
process.stdout.write(JSON.stringify({ intact: 'ok', leaked }) + '\n');
rmSync(dir, { recursive: true, force: true });
