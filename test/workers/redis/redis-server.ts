/**
 * Test helper: a real Redis for tests. `testRedisUrl()` gives `REDIS_URL` when set (CI runs a
 * Redis 7 there), else starts one private `redis-server` on a free loopback port for this test
 * process. `startRedisServer({ persistence: true })` starts a test-owned server with appendonly
 * persistence in a temp dir that can be restarted mid-test ("Redis restarted mid-flow").
 *
 * ```ts
 * const server = await startRedisServer({ persistence: true });
 * // ... work against server.url ...
 * await server.restart(); // same port, same data (AOF)
 * await server.stop();
 * ```
 * Never FLUSHALL a shared server: use `uniquePrefix()` and `deleteKeys()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

/** A redis-server process owned by the test. */
export interface TestRedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Working directory (AOF files live here); removed by `stop()`. */
  readonly dir: string;
  /** Stop (SIGTERM, which flushes the AOF) and start again on the same port and directory. */
  restart(): Promise<void>;
  /** Stop the process without restarting it (a later `start()` brings it back). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start again after `kill()`. */
  start(): Promise<void>;
  /** Stop the server and delete its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface StartRedisOptions {
  /** appendonly yes + appendfsync always, so a restart keeps every acknowledged write. Default false. */
  persistence?: boolean;
  /** Port to use. Default: a free one. */
  port?: number;
  /** More redis-server arguments (e.g. `['--requirepass', 'x']`). */
  args?: string[];
}

/** A free TCP port on 127.0.0.1 (briefly bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function waitReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`redis-server on ${port} not ready after 10 s:\n${out}`)), 10_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) { cleanup(); resolve(); }
    };
    const onExit = (code: number | null) => fail(new Error(`redis-server on ${port} exited (${code}):\n${out}`));
    const fail = (e: Error) => { cleanup(); reject(e); };
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Start a test-owned `redis-server` on loopback (see {@link StartRedisOptions}). */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<TestRedisServer> {
  const port = options.port ?? await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gridcast-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--maxmemory-policy', 'noeviction', '--loglevel', 'notice'];
  if (options.persistence) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  else args.push('--appendonly', 'no');
  args.push(...(options.args ?? []));
  let child: ChildProcess | undefined;

  const start = async () => {
    const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child = c;
    await waitReady(c, port);
    c.stdout?.resume(); // keep draining the log so the server never blocks on a full pipe
  };
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill(signal); });
  };
  // If the test process ends without stop(), do not leave a redis-server or its files behind.
  const onExit = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    start,
    kill,
    restart: async () => { await kill('SIGTERM'); await start(); },
    stop: async () => {
      process.off('exit', onExit);
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let shared: Promise<TestRedisServer> | undefined;

/**
 * The Redis URL tests should use: `REDIS_URL` when set, else a private server started once per
 * test process (killed when the process exits, or by {@link stopTestRedis}).
 */
export async function testRedisUrl(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  shared ??= startRedisServer();
  return (await shared).url;
}

/** Stop the private server started by {@link testRedisUrl}, if any (call from afterAll). */
export async function stopTestRedis(): Promise<void> {
  const s = shared;
  shared = undefined;
  if (s) await (await s).stop();
}

/** A key prefix unique to this test run: `gridcast-test:<name>:<pid>-<random>`. */
export function uniquePrefix(name: string): string {
  return `gridcast-test:${name}:${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Every key under `prefix` (SCAN, never KEYS). */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

/** Delete every key under `prefix`; returns how many there were. */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  const keys = await keysUnder(client, prefix);
  for (let i = 0; i < keys.length; i += 500) await client.unlink(...keys.slice(i, i + 500));
  return keys.length;
}
