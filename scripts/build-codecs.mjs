#!/usr/bin/env node
/**
 * Builds the codec addon (datasets/native: libdeflate DEFLATE + SHA-256) with node-gyp. Run at
 * install time ("install": "node scripts/build-native.mjs && node scripts/build-codecs.mjs") and by
 * hand after editing the C++ sources.
 *
 * It must never break `npm ci`: on any failure (no compiler, no node-gyp, another architecture,
 * no Node headers) it prints one line saying the native codecs are unavailable and exits 0, and
 * gridcast uses node:zlib and node:crypto. libdeflate is loaded at run time, so neither it nor its
 * headers are needed here. Headers come from --nodedir (npm config `nodedir`, env
 * npm_config_nodedir or NODEDIR), so nothing is downloaded when they are installed locally.
 * GRIDCAST_SKIP_NATIVE=1 skips the build; GRIDCAST_NATIVE_VERBOSE=1 shows the compiler output.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'datasets', 'native');
const verbose = process.env.GRIDCAST_NATIVE_VERBOSE === '1';

function unavailable(reason) {
  console.log(`gridcast: native codecs unavailable (${reason}); using node:zlib and node:crypto`);
  process.exit(0);
}

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

try {
  if (process.env.GRIDCAST_SKIP_NATIVE === '1') unavailable('GRIDCAST_SKIP_NATIVE=1');
  if (process.platform === 'win32') unavailable('not built on Windows (dlopen)');
  if (!existsSync(join(nativeDir, 'binding.gyp'))) unavailable('datasets/native/binding.gyp not found');
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) unavailable('node-gyp not found');
  const nodedir = findNodeDir();
  const args = [nodeGyp, 'rebuild', '--release', `--jobs=${Math.max(1, Math.min(4, (await import('node:os')).availableParallelism()))}`];
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8', stdio: verbose ? 'inherit' : 'pipe' });
  if (r.error) unavailable(`node-gyp could not start: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
    const first = out.split('\n').find((l) => /error|not found|No such file/i.test(l)) ?? `node-gyp exited with ${r.status}`;
    unavailable(`build failed: ${first.trim().slice(0, 200)}`);
  }
  const built = join(nativeDir, 'build', 'Release', 'gridcast_codecs.node');
  if (!existsSync(built)) unavailable('build produced no gridcast_codecs.node');
  console.log(`gridcast: built native codecs in ${((Date.now() - started) / 1000).toFixed(1)} s (${built})`);
} catch (e) {
  unavailable(String(e instanceof Error ? e.message : e).split('\n')[0]);
}
