/**
 * Replacing a directory (dataset, checkpoint, forecast run) as a whole, crash-safe. POSIX has no
 * atomic directory swap, so the old directory is first renamed to `<dir>.previous`, the new one
 * renamed in, and the backup removed. A crash between the two renames leaves `<dir>.previous`
 * and no `<dir>`: `recoverDirectory` (called before every replace and by the loaders) renames
 * the backup back, so the last good checkpoint is never lost.
 */
import { rename, rm, stat } from 'node:fs/promises';

const exists = (p: string) => stat(p).then(() => true, () => false);

/** Suffix of the backup kept while a directory is being replaced. */
export const PREVIOUS_SUFFIX = '.previous';

/** Restores `<dir>.previous` when a replace of `dir` was interrupted. */
export async function recoverDirectory(dir: string): Promise<void> {
  const backup = `${dir}${PREVIOUS_SUFFIX}`;
  if (!(await exists(dir)) && (await exists(backup))) await rename(backup, dir);
}

/** Moves the complete directory `from` to `to`, replacing what is there. */
export async function replaceDirectory(from: string, to: string): Promise<void> {
  await recoverDirectory(to);
  const backup = `${to}${PREVIOUS_SUFFIX}`;
  await rm(backup, { recursive: true, force: true });
  if (await exists(to)) await rename(to, backup);
  await rename(from, to);
  await rm(backup, { recursive: true, force: true });
}
