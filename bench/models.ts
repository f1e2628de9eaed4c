/**
 * ConvLSTM benchmark (issue 6): forward and training-step time (forward, masked MSE, backward,
 * Adam) of the seed's stacked ConvLSTM on every requested backend — the fused native kernels
 * (reported as backend `native`), TensorFlow.js wasm, the pure-JS cpu backend, tfjs-node when
 * installed — and of the seed's PyTorch ConvLSTM (Debian's /usr/bin/python3 with torch, threads =
 * core count) in the same command and process tree. Not a test: it prints medians; nothing asserts.
 *
 *   npm run bench:models -- [--shapes "4,5,2,12,12,14,2;8,10,4,32,32,32,2"] [--runs 5]
 *                           [--backends native,wasm,cpu,tensorflow] [--no-torch]
 *   npm run bench:models -- --shapes small --runs 9 --backends native     # one shape, quickly
 *
 * Shapes are B,T,C,H,W,hidden,layers (3x3 kernels, batch first), or the names small (= seed),
 * mid and large for the issue's three.
 *
 * The training step is the training stage's (pipeline/train/train-step.ts) with the optimizer the
 * stage would pick on that backend (models/optimizers.ts; printed per backend): GRIDCAST_NATIVE_ADAM=0
 * and GRIDCAST_NATIVE_LOSS=0 switch the fused Adam / loss off for A/B runs.
 *
 * PyTorch runs as two servers started by this process: OpenMP's default (worker threads spin
 * between parallel regions) and OMP_WAIT_POLICY=PASSIVE; the baseline of every ratio is the faster
 * of the two (on a shared machine the spinning one can be much slower; this never flatters us).
 * Requests to PyTorch alternate with our runs of the first measured backend, so load from other
 * processes hits both sides alike; later backends are compared with the same PyTorch medians.
 *
 * Also printed: GFLOP/s (the convolutions' multiply-adds x2; a training step counts 3x the forward
 * convolutions — forward, input gradient, weight gradient), counted as a direct convolution does
 * them whatever the algorithm ("effective" GFLOP/s: the native layer's Winograd F(2x2, 3x3) executes
 * 4/9 of those multiply-adds, so it can exceed the FMA peak; its row also gives the share of the
 * peak in multiply-adds executed, transforms not counted), the fraction of the machine's FMA peak
 * measured by the native addon's microbenchmark in this run (nativeFmaPeak: against the median of
 * samples taken between shapes, and — for the native backend — the median over runs of each run's
 * GFLOP/s over a 0.1 s peak sample taken just before it, which follows the machine's load), peak memory (ours per
 * backend, PyTorch per server), and one machine-readable line per measurement:
 * `ratio <forward|train_step> <backend> B,T,C,H,W,hidden,layers <ours/pytorch>`.
 * A measurement whose warm-up run takes over 20 s (wasm at the largest shape) is timed at most 3
 * times (the row says so). The pure-JS cpu backend is skipped above ~2e8 MAC per step (it would take minutes per step).
 */
import { LineProcess } from './line-process.js';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { adamImplementation, ConvLSTM, createAdamOptimizer, maskedMse, selectBackend, type BackendChoice } from '../models/index.js';
import { nativeAutoMaxMacs, nativeSerialChoices, nativeWinograd } from '../models/native/convlstm-native.js';
import { trainStep } from '../pipeline/train/train-step.js';

interface Shape { B: number; T: number; C: number; H: number; W: number; hid: number; layers: number; key: string }
type Kind = 'forward' | 'train_step';
const KINDS: Kind[] = ['forward', 'train_step'];

const DEFAULT_SHAPES = '4,5,2,12,12,14,2;8,10,4,32,32,32,2;8,10,4,64,64,64,2';
const CPU_MAC_LIMIT = 2e8;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Names for the issue's three shapes: `--shapes small`, `--shapes mid;large`, … */
const NAMED_SHAPES: Record<string, string> = { small: '4,5,2,12,12,14,2', seed: '4,5,2,12,12,14,2', mid: '8,10,4,32,32,32,2', large: '8,10,4,64,64,64,2' };

function parseShapes(spec: string): Shape[] {
  return spec.split(';').filter(Boolean).map((name) => NAMED_SHAPES[name.trim()] ?? name).map((s) => {
    const v = s.split(',').map(Number);
    if (v.length !== 7 || v.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--shapes: '${s}' is not B,T,C,H,W,hidden,layers`);
    const [B, T, C, H, W, hid, layers] = v as [number, number, number, number, number, number, number];
    return { B, T, C, H, W, hid, layers, key: v.join(',') };
  });
}

/** Multiply-adds of layer l's convolution per time step (3x3 kernels). */
function layerStepMacs(s: Shape, l: number): number {
  return s.B * s.H * s.W * 9 * ((l === 0 ? s.C : s.hid) + s.hid) * 4 * s.hid;
}

/** Multiply-accumulates of one forward pass (the convolutions; 3x3 kernels). */
function forwardMacs(s: Shape): number {
  let macs = 0;
  for (let l = 0; l < s.layers; l++) macs += s.T * layerStepMacs(s, l);
  return macs;
}

/** Winograd F(2x2, 3x3): 16 multiply-adds per 2x2 output tile and channel pair instead of 36. */
const WINOGRAD_MAC_SHARE = 16 / 36;

/** At most this many extra warm-up calls while the native layer is still timing serial vs pool. */
const MAX_AUTO_TUNE_CALLS = 10;

const PAUSE_MS = 30;
/** GFLOP counted per multiply-add of the forward convolutions: a training step counts 3 passes. */
const FLOPS_PER_MAC = { forward: 2, train_step: 6 } as const;
const SLOW_S = 20;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function seconds(f: () => void): number {
  const t0 = performance.now();
  f();
  return (performance.now() - t0) / 1000;
}

/**
 * Our forward and training step (forward, masked MSE, backward, Adam) on the active backend. The
 * step is the training stage's own (pipeline/train/train-step.ts) with the optimizer it would pick
 * (models/optimizers.ts: the fused native Adam on cpu/wasm with the addon, else tf.train.adam).
 */
function oursRunner(s: Shape): Record<Kind, () => void> & { dispose: () => void } {
  const net = new ConvLSTM({ inputDim: s.C, hiddenDim: s.hid, kernelSize: [3, 3], numLayers: s.layers, batchFirst: true, seed: 1 });
  const x = tf.randomNormal([s.B, s.T, s.C, s.H, s.W]);
  const y = tf.randomNormal([s.B, s.T, s.hid, s.H, s.W]);
  const opt = createAdamOptimizer(1e-3);
  const vars = net.trainableVariables();
  return {
    forward: () => {
      const out = net.apply(x);
      // Wait for the result by reading one element (a no-op on the synchronous cpu/wasm backends,
      // a sync point on tfjs-node): dataSync() of the whole output would also time a copy of it out
      // of the backend (84 MB at the largest shape), which PyTorch's forward does not do.
      const first = tf.slice(out.layerOutputs[0]!, [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]);
      first.dataSync();
      tf.dispose([first, ...out.layerOutputs, ...out.lastStates.flat()]);
    },
    train_step: () => {
      trainStep(() => {
        const out = net.apply(x);
        return maskedMse(out.layerOutputs[0]!, y);
      }, vars, opt);
    },
    dispose: () => {
      tf.dispose([x, y]);
      opt.dispose();
      net.dispose();
    },
  };
}

/**
 * The seed's ConvLSTM (make_golden.py copies it verbatim) as a server: it reads
 * "<forward|train_step> B,T,C,H,W,hidden,layers" lines and answers each with the seconds of one
 * run; "mem" answers its peak RSS in bytes. The train step is the same as ours: forward, masked
 * MSE over the first layer output (NaN targets masked), backward, Adam.
 */
const TORCH_SCRIPT = String.raw`
import os, resource, sys, time
sys.path.insert(0, sys.argv[1])
import torch
from make_golden import ConvLSTM   # the seed's classes, verbatim
torch.set_num_threads(int(sys.argv[2]))
print('ready', torch.__version__, torch.get_num_threads(), flush=True)
models = {}
for line in sys.stdin:
    if line.strip() == 'mem':
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, flush=True); continue
    kind, key = line.split()
    if key not in models:
        models.clear()
        B, T, C, H, W, hid, L = map(int, key.split(','))
        torch.manual_seed(0)
        net = ConvLSTM(C, hid, (3, 3), L, True, True, False)
        models[key] = (net, torch.randn(B, T, C, H, W), torch.randn(B, T, hid, H, W), torch.optim.Adam(net.parameters(), lr=1e-3))
    net, x, y, opt = models[key]
    t0 = time.perf_counter()
    if kind == 'forward':
        with torch.no_grad(): net(x)
    else:
        opt.zero_grad()
        o = net(x)[0][0]
        mask = ~torch.isnan(y)
        d = torch.where(mask, o - torch.nan_to_num(y), torch.zeros_like(o))
        loss = (d * d).sum() / mask.sum().clamp(min=1)
        loss.backward(); opt.step()
    print(time.perf_counter() - t0, flush=True)
`;

class Torch {
  info = '';
  private constructor(private readonly proc: LineProcess, readonly label: string) {}

  static async start(label: string, threads: number, env: Record<string, string> = {}): Promise<Torch | null> {
    const dir = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'torch');
    const proc = LineProcess.start('/usr/bin/python3', ['-c', TORCH_SCRIPT, dir, String(threads)], env);
    const t = new Torch(proc, label);
    try {
      const first = await proc.next();
      if (!first.startsWith('ready')) throw new Error(first);
      const [, version, n] = first.split(' ');
      t.info = `PyTorch ${version}, ${n} threads`;
      return t;
    } catch (e) {
      console.log(`PyTorch baseline (${label}) unavailable: ${(proc.stderr || String(e)).trim().split('\n').pop()}`);
      proc.kill();
      return null;
    }
  }

  async time(kind: Kind, key: string): Promise<number> {
    return Number(await this.proc.ask(`${kind} ${key}`));
  }

  async maxRss(): Promise<number> {
    return Number(await this.proc.ask('mem'));
  }

  stop(): void {
    this.proc.stop();
  }
}

/** Bytes of the wasm backend's heap (it grows to its peak and never shrinks), or 0. */
function wasmHeapBytes(): number {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.byteLength ?? 0;
}

interface Row { label: string; s: Shape; t: Record<Kind, number> | null; skipped?: string }

async function main(): Promise<void> {
  const shapes = parseShapes(arg('shapes') ?? DEFAULT_SHAPES);
  const runs = Number(arg('runs') ?? 5);
  const wanted = (arg('backends') ?? 'native,wasm,cpu,tensorflow').split(',') as BackendChoice[];
  const threads = cpus().length;
  console.log(`gridcast ConvLSTM benchmark — ${threads} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ` +
    `median of ${runs} runs after 1 warm-up; load average at start ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const torches = process.argv.includes('--no-torch') ? [] :
    (await Promise.all([Torch.start('spin', threads), Torch.start('passive', threads, { OMP_WAIT_POLICY: 'PASSIVE' })]))
      .filter((t): t is Torch => t !== null);
  if (torches.length) {
    console.log(`${torches[0]!.info} (the seed's ConvLSTM, /usr/bin/python3), as two servers: OpenMP default (spin) and ` +
      'OMP_WAIT_POLICY=PASSIVE; the baseline is the faster median of the two; runs interleaved with ours');
  }
  // PyTorch samples per shape, collected while the first measured backend runs.
  const torchT = new Map<string, Record<Kind, number[][]>>();
  const torchBase = (key: string, kind: Kind): number | null => {
    const p = torchT.get(key)?.[kind];
    if (!p || !p.length) return null;
    return Math.min(...p.map(median));
  };

  // FMA peak of the native kernels' ISA on all threads, sampled between shapes (not right before a
  // timed run); the median of all samples is the reference.
  let fmaPeak: ((s: number) => number) | null = null;
  let nativeIsa = '';
  const peaks: number[] = [];
  const samplePeak = async () => {
    if (!fmaPeak) return;
    await sleep(500); // let PyTorch's OpenMP workers stop spinning first
    for (let i = 0; i < 5; i++) peaks.push(fmaPeak(0.05));
  };

  const rows: Row[] = [];
  const mem: string[] = [];
  const ratios: string[] = [];
  console.log('\nbackend    B,T,C,H,W,hidden,layers');
  for (const choice of wanted) {
    let note = '';
    const sel = await selectBackend(choice, { log: (l) => { note = l; } });
    // Only measure what was asked: a fallback is reported, not measured twice.
    const label = choice === 'native' ? 'native' : sel.backend;
    if ((choice === 'native' && sel.convLstmImpl !== 'native') || (choice !== 'native' && sel.backend !== choice)) {
      console.log(`${choice}: not available — ${note.replace(/^gridcast: /, '')}`);
      continue;
    }
    if (choice === 'native' && !fmaPeak) {
      const mod = await import('../models/native/convlstm-native.js');
      fmaPeak = mod.nativeFmaPeak;
      const st = mod.nativeAvailable();
      nativeIsa = `${st.isa}, ${st.threads} threads`;
      console.log(`native     3x3 convolutions: ${nativeWinograd() ? 'Winograd F(2x2, 3x3), 4/9 of the direct multiply-adds (GRIDCAST_NATIVE_WINOGRAD=0: direct)' : 'direct implicit GEMM (GRIDCAST_NATIVE_WINOGRAD=0)'}`);
      await samplePeak();
    }
    const { nativeMaskedLossSupported } = await import('../models/native/masked-loss-native.js');
    console.log(`${label.padEnd(10)} (ConvLSTM ${sel.convLstmImpl}, masked MSE ${nativeMaskedLossSupported() ? 'native' : 'tfjs'}, Adam ${adamImplementation()})`);
    const rssBefore = process.resourceUsage().maxRSS * 1024;
    for (const s of shapes) {
      const macs = forwardMacs(s);
      if (choice === 'cpu' && macs > CPU_MAC_LIMIT) {
        const why = `skipped (pure-JS cpu backend: minutes per step at ${(macs / 1e9).toFixed(1)} GMAC)`;
        console.log(`${label.padEnd(10)} ${s.key.padEnd(22)} ${why}`);
        rows.push({ label, s, t: null, skipped: why });
        continue;
      }
      const ours = oursRunner(s);
      const measureTorch = torches.length > 0 && !torchT.has(s.key);
      const pt: Record<Kind, number[][]> = { forward: torches.map(() => []), train_step: torches.map(() => []) };
      const t: Record<Kind, number> = { forward: 0, train_step: 0 };
      const pairedPct: Partial<Record<Kind, number>> = {};
      const flops = { forward: FLOPS_PER_MAC.forward * macs, train_step: FLOPS_PER_MAC.train_step * macs };
      const notes: string[] = [];
      for (const kind of KINDS) {
        // Warm-up (kernel set-up, XNNPACK operator caches, JIT, buffer caches). A measurement whose
        // warm-up takes over SLOW_S seconds gets at most 3 timed runs (the row says so).
        let warmS = seconds(ours[kind]);
        // The native layer times small call shapes on the pool and on one thread on their first calls,
        // then keeps the faster (addon.cc): those calls are warm-up too, until every shape has decided.
        const undecided = () => nativeSerialChoices().some((e) => e.serial === null);
        if (choice === 'native') for (let i = 0; i < MAX_AUTO_TUNE_CALLS && undecided(); i++) warmS = seconds(ours[kind]);
        const n = warmS > SLOW_S ? Math.min(runs, 3) : runs;
        if (n < runs) notes.push(`${kind} median of ${n} (warm-up ${warmS.toFixed(0)} s)`);
        let active: boolean[] = [];
        if (measureTorch) {
          const warm: number[] = [];
          for (const tr of torches) warm.push(await tr.time(kind, s.key));
          // A variant more than 3x slower than the other in its warm-up is not timed further (it
          // cannot be the baseline, and under load the spinning one can take minutes per run).
          active = warm.map((w) => w <= 3 * Math.min(...warm));
          warm.forEach((w, i) => { if (!active[i]) pt[kind][i]!.push(w); });
        }
        const ts: number[] = [];
        const runPeaks: number[] = [];
        for (let r = 0; r < n; r++) {
          // The FMA peak again just before each of our native runs (then the pause): on a shared
          // machine what the cores deliver moves by 2x within minutes (2026-11-27: 88-340 GFLOP/s in
          // one run), so each run's GFLOP/s is also compared with the peak of that moment.
          if (choice === 'native' && fmaPeak) runPeaks.push(fmaPeak(0.1));
          // A short pause before each side's run: OpenMP's spinning workers (and ours) go idle first.
          if (measureTorch || runPeaks.length) await sleep(PAUSE_MS);
          ts.push(seconds(ours[kind]));
          if (measureTorch) {
            for (const [i, tr] of torches.entries()) {
              if (!active[i]) continue;
              await sleep(PAUSE_MS);
              pt[kind][i]!.push(await tr.time(kind, s.key));
            }
          }
        }
        t[kind] = median(ts);
        if (runPeaks.length === ts.length) pairedPct[kind] = median(ts.map((ti, i) => (100 * flops[kind] / ti / 1e9) / runPeaks[i]!));
      }
      ours.dispose();
      if (measureTorch) torchT.set(s.key, pt);
      if (choice === 'native') await samplePeak();
      rows.push({ label, s, t });
      const parts = KINDS.map((k) => {
        const base = torchBase(s.key, k);
        const gf = flops[k] / t[k] / 1e9;
        const executed = choice === 'native' && nativeWinograd() ? WINOGRAD_MAC_SHARE : 1;
        const ofPeak = choice === 'native' && peaks.length ? ` ${(100 * gf / median(peaks)).toFixed(0)}% of peak` +
          (pairedPct[k] !== undefined ? `, ${pairedPct[k]!.toFixed(0)}% of each run's own` : '') +
          (executed < 1 ? `; executed ${(100 * executed * gf / median(peaks)).toFixed(0)}%` : '') : '';
        return `${k} ${t[k].toFixed(4).padStart(8)} s (${gf.toFixed(1)} GFLOP/s${ofPeak})` +
          (base ? ` pytorch ${base.toFixed(4)} s (${(flops[k] / base / 1e9).toFixed(1)} GFLOP/s) ratio ${(t[k] / base).toFixed(2)}x` : '');
      });
      console.log(`${label.padEnd(10)} ${s.key.padEnd(22)} ${parts.join('  |  ')}${notes.length ? `  [${notes.join('; ')}]` : ''}`);
      for (const k of KINDS) {
        const base = torchBase(s.key, k);
        if (base) ratios.push(`ratio ${k} ${label} ${s.key} ${(t[k] / base).toFixed(3)}`);
      }
    }
    if (choice === 'native') {
      const ch = nativeSerialChoices();
      if (ch.length) {
        console.log(`${label.padEnd(10)} layer calls under ${nativeAutoMaxMacs() / 1e6} M multiply-adds per step, timed on the pool and on one thread (best of 2 each), then run the faster way:`);
        const ms = (v: number | null) => (v === null ? '-' : v.toFixed(2));
        for (const e of ch) {
          const [B, T, Cin, H, W, hid] = e.dims;
          console.log(`${''.padEnd(10)}   ${e.kind.padEnd(9)} B,T,Cin,H,W,hidden ${[B, T, Cin, H, W, hid].join(',').padEnd(16)} pool ${ms(e.poolMs)} ms, one thread ${ms(e.serialMs)} ms -> ${e.serial === null ? 'undecided' : e.serial ? 'one thread' : 'pool'}`);
        }
      }
    }
    const rss = process.resourceUsage().maxRSS * 1024;
    mem.push(`${label}: process peak RSS ${mb(rss)}${rss > rssBefore && rows.length > shapes.length ? ` (was ${mb(rssBefore)} before this backend)` : ''}` +
      (label === 'wasm' ? `, wasm heap ${mb(wasmHeapBytes())}` : ''));
  }

  if (torches.length) {
    console.log('\nPyTorch medians per variant (s; the baseline is the faster):');
    for (const [key, pt] of torchT) {
      console.log(`  ${key.padEnd(22)} ` + KINDS.map((k) => `${k} ` + torches.map((tr, i) => `${tr.label} ${pt[k][i]!.length ? median(pt[k][i]!).toFixed(4) : '-'}`).join(', ')).join('  |  '));
    }
    for (const tr of torches) mem.push(`pytorch (${tr.label}): peak RSS ${mb(await tr.maxRss())}`);
  }
  if (peaks.length) {
    console.log(`\nFMA peak (native microbenchmark, ${nativeIsa}, median of ${peaks.length} samples between shapes): ${median(peaks).toFixed(0)} GFLOP/s ` +
      `(range ${Math.min(...peaks).toFixed(0)}–${Math.max(...peaks).toFixed(0)})`);
  }
  console.log(`\npeak memory (ours: the process, so each backend's figure includes the ones measured before it; native runs first):`);
  for (const m of mem) console.log(`  ${m}`);
  console.log('');
  for (const line of ratios) console.log(line);
  for (const tr of torches) tr.stop();
}

await main();
