/**
 * Runs every fixture generator `test/fixtures/<name>/make.sh` once before the suite, writing into
 * `test/fixtures/generated/<name>/`. Generators use independent tools (ncgen, nccopy,
 * gdal_translate, Debian's python3-netcdf4) so readers are tested on files we did not write.
 * A generator is re-run when any file of its folder (script, CDL, helper scripts) is newer than
 * its output's stamp.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', 'fixtures');

export default function setup(): void {
  const generated = join(root, 'generated');
  mkdirSync(generated, { recursive: true });
  for (const name of readdirSync(root)) {
    const script = join(root, name, 'make.sh');
    if (name === 'generated' || !existsSync(script)) continue;
    const out = join(generated, name);
    const stamp = join(out, '.stamp');
    const newest = Math.max(...readdirSync(join(root, name)).map((f) => statSync(join(root, name, f)).mtimeMs));
    if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest) continue;
    const tmp = `${out}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    execFileSync('bash', [script, tmp], { stdio: 'inherit', cwd: join(root, name) });
    writeFileSync(join(tmp, '.stamp'), new Date().toISOString());
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
  }
}
