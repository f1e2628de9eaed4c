/**
 * Transport throughput: our BlobStore (chunked, SHA-256 per chunk and whole, manifest, budget)
 * against raw ioredis SET/GET of the same bytes — one key, and the same chunking without checksums.
 * Goal (issue 5): ours ≥ 80% of raw round-trip throughput.
 *
 *   npm run bench:transport -- [--sizes 1,16,64,256] [--runs 5] [--chunk-mib 4] [--hash-threads 0]
 *
 * Uses REDIS_URL when set, else starts a private redis-server on a free loopback port (so the
 * shared server is not filled with hundreds of MB). Prints medians of `runs` runs; put+get are
 * timed, clean-up (DEL / release) is not. Methods run interleaved so machine load hits all alike.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { createWorkerConnection } from '../workers/redis/index.js';
import { BlobStore, MiB } from '../workers/transport/index.js';
import { deleteKeys, startRedisServer, uniquePrefix, type TestRedisServer } from '../test/workers/redis/redis-server.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,16,64,256' },
    runs: { type: 'string', default: '5' },
    'chunk-mib': { type: 'string', default: '4' },
    'hash-threads': { type: 'string', default: '0' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const chunkSize = Number(values['chunk-mib']) * MiB;
const hashThreads = Number(values['hash-threads']);

interface Timing { put: number; get: number }
type Method = (client: Redis, bytes: Buffer, prefix: string) => Promise<Timing>;

const now = () => performance.now();

const rawSingle: Method = async (client, bytes, prefix) => {
  const key = `${prefix}:raw`;
  let t = now();
  await client.set(key, bytes);
  const put = now() - t;
  t = now();
  const back = await client.getBuffer(key);
  const get = now() - t;
  if (back?.length !== bytes.length) throw new Error('raw single: wrong length');
  await client.del(key);
  return { put, get };
};

const rawChunked: Method = async (client, bytes, prefix) => {
  const n = Math.ceil(bytes.length / chunkSize);
  const keys = Array.from({ length: n }, (_, i) => `${prefix}:rawc:${i}`);
  let t = now();
  await Promise.all(keys.map((k, i) => client.set(k, bytes.subarray(i * chunkSize, (i + 1) * chunkSize))));
  const put = now() - t;
  t = now();
  const parts = await Promise.all(keys.map((k) => client.getBuffer(k)));
  const back = Buffer.concat(parts as Buffer[]); // one Buffer, as getBlob returns
  const get = now() - t;
  if (back.length !== bytes.length) throw new Error('raw chunked: wrong length');
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  return { put, get };
};

const ours = (store: BlobStore): Method => async (_client, bytes) => {
  let t = now();
  const ref = await store.putBlob(bytes);
  const put = now() - t;
  t = now();
  const back = await store.getBlob(ref);
  const get = now() - t;
  if (back.length !== bytes.length) throw new Error('ours: wrong length');
  await store.release(ref.id);
  return { put, get };
};

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

async function main(): Promise<void> {
  let server: TestRedisServer | undefined;
  const url = process.env.REDIS_URL ?? (server = await startRedisServer()).url;
  const client = createWorkerConnection({ url });
  const prefix = uniquePrefix('bench-transport');
  const store = new BlobStore(client, { prefix, chunkSize, hashThreads, budgetBytes: Infinity });
  const methods: [string, Method][] = [['raw SET/GET 1 key', rawSingle], ['raw chunked, no checksums', rawChunked], ['gridcast BlobStore', ours(store)]];
  const source = randomBytes(Math.max(...sizes) * MiB);
  console.log(`transport benchmark: ${url.replace(/:[^:@/]*@/, ':***@')}, chunk ${chunkSize / MiB} MiB, ${hashThreads} hash threads, median of ${runs} runs (MB = MiB)\n`);
  // The checksums' cost: 4 SHA-256 passes per round trip (chunk + whole, on put and on get).
  const probe = source.subarray(0, Math.min(source.length, 64 * MiB));
  const hashMs = median([0, 1, 2].map(() => { const t = now(); createHash('sha256').update(probe).digest(); return now() - t; }));
  console.log(`node SHA-256 on this machine: ${mbps(probe.length, hashMs).toFixed(0)} MB/s per pass\n`);
  console.log('| size | method | put MB/s | get MB/s | put+get MB/s | ours/raw |');
  console.log('|---:|---|---:|---:|---:|---:|');
  try {
    for (const sizeMiB of sizes) {
      const bytes = source.subarray(0, sizeMiB * MiB);
      const timings = new Map<string, Timing[]>(methods.map(([name]) => [name, []]));
      await ours(store)(client, bytes, prefix); // warm-up (scripts loaded, JIT)
      for (let r = 0; r < runs; r++) {
        for (const [name, m] of methods) timings.get(name)!.push(await m(client, bytes, prefix));
      }
      const rt = (name: string) => median(timings.get(name)!.map((t) => t.put + t.get));
      const best = Math.min(rt(methods[0][0]), rt(methods[1][0]));
      for (const [name] of methods) {
        const ts = timings.get(name)!;
        const ratio = name === 'gridcast BlobStore' ? `${(100 * best / rt(name)).toFixed(0)}%` : '';
        console.log(`| ${sizeMiB} MB | ${name} | ${mbps(bytes.length, median(ts.map((t) => t.put))).toFixed(0)} | ` +
          `${mbps(bytes.length, median(ts.map((t) => t.get))).toFixed(0)} | ${mbps(bytes.length, rt(name)).toFixed(0)} | ${ratio} |`);
      }
    }
    console.log('\nours/raw = median put+get time of the faster raw method ÷ ours (goal ≥ 80%).');
  } finally {
    await deleteKeys(client, prefix);
    client.disconnect();
    await server?.stop();
  }
}

await main();
