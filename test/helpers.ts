/** Shared test helpers: fixture paths and running the independent reference tools. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Root of the repository. */
export const repoRoot = resolve(import.meta.dirname, '..');

/** Path of a generated fixture: `fixture('netcdf', 'cdf1.nc')`. */
export function fixture(group: string, file: string): string {
  return join(repoRoot, 'test', 'fixtures', 'generated', group, file);
}

/** Debian's Python (it has netCDF4, numpy, torch and GDAL's bindings; the pyenv python3 does not). */
export const debianPython = '/usr/bin/python3';

/** Runs a command and returns its stdout as text (throws with stderr on failure). */
export function run(cmd: string, args: string[], opts: { input?: string; cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, input: opts.input, cwd: opts.cwd });
}

/** A fresh temporary directory and its remover. */
export function tempDir(prefix = 'gridcast-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
