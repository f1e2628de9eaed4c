/**
 * A/B of two builds of the native addon in one process (kernel tuning on a shared machine, where
 * the same call moves by ±25% between minutes): loads both .node files, runs inference forward,
 * forward with saved state and backward of one ConvLSTM layer per shape with each build in turn,
 * and prints per build min/median ms and B/A (ratio of medians, and the median of per-round
 * ratios), plus whether both builds gave the same bits. Not a test; not part of bench:models.
 *
 *   cp models/native/build/Release/gridcast_native.node /tmp/a.node   # before a change
 *   node scripts/build-native.mjs                                       # after it
 *   npx tsx bench/native-ab.ts /tmp/a.node models/native/build/Release/gridcast_native.node \
 *     [--threads 2] [--rounds 9] [--shapes "8,10,4,32,32,32;2,5,64,64,64,64"]   # B,T,Cin,H,W,hidden
 *     [--isa avx2|portable]   # force an instruction set in both builds
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { NativeAddon } from '../models/native/loader.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
if (files.length !== 2) {
  console.error('usage: npx tsx bench/native-ab.ts A.node B.node [--threads n] [--rounds n] [--shapes "B,T,Cin,H,W,hidden;..."]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const builds = files.map((f) => require(path.resolve(f)) as NativeAddon);
const threads = Number(arg('threads') ?? 2);
const rounds = Number(arg('rounds') ?? 9);
const shapes = (arg('shapes') ?? '8,10,4,32,32,32;8,10,32,32,32,32;2,5,4,64,64,64;2,5,64,64,64,64')
  .split(';').map((s) => s.split(',').map(Number));
const isa = arg('isa');
for (const b of builds) {
  b.setThreads(threads);
  if (isa) b.setIsa(isa);
  b.setSerialBelow(0); // always the pool: the A/B is about the kernels, not the serial choice
}

function random(n: number, seed: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return a;
}
function digest(arrays: Float32Array[]): string {
  let h = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i += 7) h = (h * 31 + a[i]! * 1e6) % 1e9;
  return h.toFixed(0);
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

for (const [B, T, Cin, H, W, hid] of shapes as [number, number, number, number, number, number][]) {
  const C = Cin + hid, st = B * hid * H * W;
  const x = random(B * T * Cin * H * W, 1, 2), w = random(9 * C * 4 * hid, 2, 0.3), bias = random(4 * hid, 3, 0.1);
  const h0 = random(st, 4, 0.1), c0 = random(st, 5, 0.1), dOut = random(B * T * hid * H * W, 6, 0.1);
  const dhT = random(st, 7, 0.1), dcT = random(st, 8, 0.1);
  const dims = [B, T, Cin, H, W, hid, 3, 3, 1];
  const kinds = ['inference', 'forward', 'backward'] as const;
  const times = builds.map(() => ({ inference: [] as number[], forward: [] as number[], backward: [] as number[] }));
  const sums = builds.map(() => '');
  // Output arrays per build, made once and first written in the warm-up round: on VMs where a page
  // touched for the first time costs ~15 µs (DAMON/balloon), fresh arrays per round added ~40 ms to
  // whichever call wrote them first and favoured the build whose freed arrays the allocator reused.
  const outs = builds.map(() => ({
    out: new Float32Array(B * T * hid * H * W), hT: new Float32Array(st), cT: new Float32Array(st),
    dx: new Float32Array(x.length), dw: new Float32Array(w.length), db: new Float32Array(bias.length),
    dh0: new Float32Array(st), dc0: new Float32Array(st),
  }));
  for (let r = 0; r <= rounds; r++) {
    builds.forEach((addon, k) => {
      const { out, hT, cT, dx, dw, db, dh0, dc0 } = outs[k]!;
      let t0 = process.hrtime.bigint();
      addon.forward(dims, x, w, bias, h0, c0, out, hT, cT, false);
      const inf = ms(t0);
      t0 = process.hrtime.bigint();
      const state = addon.forward(dims, x, w, bias, h0, c0, out, hT, cT, true)!;
      const fwd = ms(t0);
      t0 = process.hrtime.bigint();
      addon.backward(state, w, dOut, dhT, dcT, dx, dw, db, dh0, dc0);
      const bwd = ms(t0);
      if (r > 0) { // round 0 is warm-up
        times[k]!.inference.push(inf);
        times[k]!.forward.push(fwd);
        times[k]!.backward.push(bwd);
      }
      sums[k] = digest([out, hT, cT, dx, dw, db, dh0, dc0]);
    });
  }
  console.log(`B,T,Cin,H,W,hidden ${[B, T, Cin, H, W, hid].join(',')}, ${threads} threads, ${rounds} rounds (min / median ms)`);
  for (const kind of kinds) {
    const [a, b] = [times[0]![kind], times[1]![kind]];
    const paired = median(b.map((v, i) => v / a[i]!));
    console.log(`  ${kind.padEnd(9)} A ${Math.min(...a).toFixed(2)} / ${median(a).toFixed(2)}  B ${Math.min(...b).toFixed(2)} / ${median(b).toFixed(2)}` +
      `  B/A ${(median(b) / median(a)).toFixed(3)} (paired ${paired.toFixed(3)})`);
  }
  console.log(`  same bits: ${sums[0] === sums[1] ? 'yes' : 'NO'}`);
}
