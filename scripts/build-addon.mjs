/**
 * Builds one of gridcast's optional N-API addons with npm's bundled node-gyp; shared by
 * build-native.mjs (fused ConvLSTM kernels) and build-codecs.mjs (libdeflate + SHA-256).
 *
 * It must never break `npm ci`: on any failure (no compiler, no node-gyp, another architecture,
 * no Node headers) it prints one line saying what is unavailable and what gridcast uses instead,
 * and exits 0. Headers come from --nodedir (npm config `nodedir`, env npm_config_nodedir or
 * NODEDIR, or the running node's own prefix), so nothing is downloaded when they are installed
 * locally. GRIDCAST_SKIP_NATIVE=1 skips the build; GRIDCAST_NATIVE_VERBOSE=1 shows the compiler
 * output.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** node-gyp's entry script: the one bundled with npm, else a local install. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const npmExec = process.env.npm_execpath;
  if (npmExec) candidates.push(join(dirname(npmExec), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push('/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js', '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((p) => existsSync(p));
}

/** Where Node's headers are: npm config / env, else the prefix of this node binary when it has them. */
function findNodeDir() {
  for (const v of [process.env.npm_config_nodedir, process.env.NODEDIR]) if (v && existsSync(v)) return v;
  const npm = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' });
  const fromNpm = npm.status === 0 ? npm.stdout.trim() : '';
  if (fromNpm && fromNpm !== 'undefined' && existsSync(fromNpm)) return fromNpm;
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/**
 * Builds `<root>/<dir>` and checks that build/Release/<binary> exists.
 * @param {{ dir: string, binary: string, what: string, fallback: string, skipOnWindows?: boolean }} o
 */
export function buildAddon(o) {
  const nativeDir = join(root, o.dir);
  const unavailable = (reason) => {
    console.log(`gridcast: ${o.what} unavailable (${reason}); ${o.fallback}`);
    process.exit(0);
  };
  try {
    if (process.env.GRIDCAST_SKIP_NATIVE === '1') unavailable('GRIDCAST_SKIP_NATIVE=1');
    if (o.skipOnWindows && process.platform === 'win32') unavailable('not built on Windows (dlopen)');
    if (!existsSync(join(nativeDir, 'binding.gyp'))) unavailable(`${o.dir}/binding.gyp not found`);
    const nodeGyp = findNodeGyp();
    if (!nodeGyp) unavailable('node-gyp not found');
    const nodedir = findNodeDir();
    const args = [nodeGyp, 'rebuild', '--release', `--jobs=${Math.max(1, Math.min(4, availableParallelism()))}`];
    if (nodedir) args.push(`--nodedir=${nodedir}`);
    const started = Date.now();
    const verbose = process.env.GRIDCAST_NATIVE_VERBOSE === '1';
    const r = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8', stdio: verbose ? 'inherit' : 'pipe' });
    if (r.error) unavailable(`node-gyp could not start: ${r.error.message}`);
    if (r.status !== 0) {
      const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
      const first = out.split('\n').find((l) => /error|not found|No such file/i.test(l)) ?? `node-gyp exited with ${r.status}`;
      unavailable(`build failed: ${first.trim().slice(0, 200)}`);
    }
    const built = join(nativeDir, 'build', 'Release', o.binary);
    if (!existsSync(built)) unavailable(`build produced no ${o.binary}`);
    console.log(`gridcast: built ${o.what} in ${((Date.now() - started) / 1000).toFixed(1)} s (${built})`);
  } catch (e) {
    unavailable(String(e instanceof Error ? e.message : e).split('\n')[0]);
  }
}
