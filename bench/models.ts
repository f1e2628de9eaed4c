/**
 * ConvLSTM benchmark: forward and training-step time (forward, masked MSE, backward, Adam) of the
 * seed's stacked ConvLSTM on every available backend, and of the seed's PyTorch ConvLSTM (Debian's
 * /usr/bin/python3 with torch, threads = core count) in the same run, with ratios ours/PyTorch.
 * Not a test: it prints medians; nothing asserts.
 *
 *   npm run bench:models -- [--shapes "4,5,2,12,12,14,2;8,10,4,32,32,32,2"] [--runs 5]
 *                           [--backends native,wasm,cpu,tensorflow] [--no-torch]
 *
 * Shapes are B,T,C,H,W,hidden,layers (3x3 kernels, batch first). For scripts, one line per
 * measurement: `ratio <forward|train_step> <backend> B,T,C,H,W,hidden,layers <ours/pytorch>`.
 * The pure-JS cpu backend is skipped above ~2e8 MAC per step (it would take minutes per step).
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConvLSTM, maskedMse, selectBackend, type BackendChoice } from '../models/index.js';

interface Shape { B: number; T: number; C: number; H: number; W: number; hid: number; layers: number; key: string }
interface Timing { forward: number; train_step: number }

const DEFAULT_SHAPES = '4,5,2,12,12,14,2;8,10,4,32,32,32,2;8,10,4,64,64,64,2';
const CPU_MAC_LIMIT = 2e8;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function parseShapes(spec: string): Shape[] {
  return spec.split(';').filter(Boolean).map((s) => {
    const v = s.split(',').map(Number);
    if (v.length !== 7 || v.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--shapes: '${s}' is not B,T,C,H,W,hidden,layers`);
    const [B, T, C, H, W, hid, layers] = v as [number, number, number, number, number, number, number];
    return { B, T, C, H, W, hid, layers, key: v.join(',') };
  });
}

/** Multiply-accumulates of one forward pass (the convolutions; 3x3 kernels). */
function forwardMacs(s: Shape): number {
  let macs = 0;
  for (let l = 0; l < s.layers; l++) macs += s.B * s.T * s.H * s.W * 9 * ((l === 0 ? s.C : s.hid) + s.hid) * 4 * s.hid;
  return macs;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function timeIt(runs: number, f: () => void): number {
  f(); // warm-up (kernel set-up, XNNPACK operator caches, JIT)
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    t.push((performance.now() - t0) / 1000);
  }
  return median(t);
}

function benchOurs(s: Shape, runs: number): Timing {
  const net = new ConvLSTM({ inputDim: s.C, hiddenDim: s.hid, kernelSize: [3, 3], numLayers: s.layers, batchFirst: true, seed: 1 });
  const x = tf.randomNormal([s.B, s.T, s.C, s.H, s.W]);
  const y = tf.randomNormal([s.B, s.T, s.hid, s.H, s.W]);
  const opt = tf.train.adam(1e-3);
  const forward = timeIt(runs, () => {
    const out = net.apply(x);
    out.layerOutputs[0]!.dataSync();
    tf.dispose([...out.layerOutputs, ...out.lastStates.flat()]);
  });
  const train_step = timeIt(runs, () => {
    const loss = opt.minimize(() => {
      const out = net.apply(x);
      return maskedMse(out.layerOutputs[0]!, y);
    }, true, net.trainableVariables())!;
    loss.dataSync();
    loss.dispose();
  });
  tf.dispose([x, y]);
  opt.dispose();
  net.dispose();
  return { forward, train_step };
}

const TORCH_SCRIPT = `
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
import torch
from make_golden import ConvLSTM   # the seed's classes, verbatim
torch.set_num_threads(os.cpu_count())
runs = int(sys.argv[3])
out = {'threads': torch.get_num_threads(), 'torch': torch.__version__, 'results': {}}
def med(v): return sorted(v)[len(v) // 2]
def timeit(f):
    f()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    return med(t)
for key in sys.argv[2].split(';'):
    B, T, C, H, W, hid, L = map(int, key.split(','))
    torch.manual_seed(0)
    net = ConvLSTM(C, hid, (3, 3), L, True, True, False)
    x = torch.randn(B, T, C, H, W); y = torch.randn(B, T, hid, H, W)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    def fwd():
        with torch.no_grad(): net(x)
    def step():
        opt.zero_grad()
        o = net(x)[0][0]
        mask = ~torch.isnan(y)
        d = torch.where(mask, o - torch.nan_to_num(y), torch.zeros_like(o))
        loss = (d * d).sum() / mask.sum().clamp(min=1)
        loss.backward(); opt.step()
    out['results'][key] = {'forward': timeit(fwd), 'train_step': timeit(step)}
out['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
`;

function benchTorch(shapes: Shape[], runs: number): { results: Record<string, Timing>; info: string } | null {
  try {
    const dir = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'torch');
    const out = execFileSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, dir, shapes.map((s) => s.key).join(';'), String(runs)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const doc = JSON.parse(out.trim().split('\n').pop()!) as { results: Record<string, Timing>; threads: number; torch: string; peak_rss_mb: number };
    return { results: doc.results, info: `PyTorch ${doc.torch}, ${doc.threads} threads, peak RSS ${doc.peak_rss_mb.toFixed(0)} MB` };
  } catch (e) {
    console.log(`PyTorch baseline unavailable: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

async function main(): Promise<void> {
  const shapes = parseShapes(arg('shapes') ?? DEFAULT_SHAPES);
  const runs = Number(arg('runs') ?? 5);
  const wanted = (arg('backends') ?? 'native,wasm,cpu,tensorflow').split(',') as BackendChoice[];
  console.log(`gridcast ConvLSTM benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, median of ${runs} runs after 1 warm-up`);
  const torch = process.argv.includes('--no-torch') ? null : benchTorch(shapes, runs);
  if (torch) console.log(torch.info);

  const ratios: string[] = [];
  const row = (line: string) => console.log(line);
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
    for (const s of shapes) {
      const macs = forwardMacs(s);
      if (choice === 'cpu' && macs > CPU_MAC_LIMIT) {
        row(`${label.padEnd(10)} ${s.key.padEnd(22)} skipped (pure-JS cpu backend: minutes per step at ${(macs / 1e9).toFixed(1)} GMAC)`);
        continue;
      }
      const t = benchOurs(s, runs);
      const p = torch?.results[s.key];
      const gflops = (2 * macs) / t.forward / 1e9;
      const r = (k: keyof Timing) => (p ? t[k] / p[k] : NaN);
      row(`${label.padEnd(10)} ${s.key.padEnd(22)} forward ${t.forward.toFixed(3).padStart(8)} s (${gflops.toFixed(1)} GFLOP/s)  train_step ${t.train_step.toFixed(3).padStart(8)} s` +
        (p ? `   pytorch ${p.forward.toFixed(3)} / ${p.train_step.toFixed(3)} s   ratio ${r('forward').toFixed(2)}x / ${r('train_step').toFixed(2)}x` : ''));
      if (p) for (const k of ['forward', 'train_step'] as const) ratios.push(`ratio ${k} ${label} ${s.key} ${r(k).toFixed(3)}`);
    }
  }
  console.log(`\npeak RSS (this process, all backends): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  console.log('');
  for (const line of ratios) console.log(line);
}

await main();
