/**
 * Guard for outputs that replace their directory as a whole (checkpoints, forecast runs: written
 * under a temporary name, then renamed over the old one, which is deleted). A directory that is
 * not one of ours must never be such a target: `--out-dir .` would otherwise delete the user's
 * files.
 */
import { readdir } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/**
 * Passes when `dir` does not exist, is empty, or holds `marker` (an earlier output of the same
 * kind); otherwise ConfigError naming the directory.
 */
export async function refuseForeignDir(dir: string, marker: string, what: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ConfigError(`cannot use it as ${what}: ${(e as Error).message}`, { file: dir, cause: e });
  }
  if (entries.length && !entries.includes(marker)) {
    throw new ConfigError(`refusing to replace this directory: it exists and is not ${what} (no ${marker})`, { file: dir, expected: 'a new or empty directory, or an earlier output of the same kind' });
  }
}
