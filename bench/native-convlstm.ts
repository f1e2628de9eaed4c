/**
 * Benchmark of the fused native ConvLSTM layer against the seed's PyTorch ConvLSTM, in one run so
 * the ratios are fair on a shared machine (not a test: it prints figures, it asserts nothing).
 *
 *   npx tsx bench/native-convlstm.ts [--shapes 4,5,2,12,12,14,2;8,10,4,32,32,32,2] [--runs 5] [--no-torch]
 *
 * Forward: the stacked layers over the sequence, no gradient recording. Train step: forward and
 * backward through time from a given upstream gradient of the outputs, gradients for every weight —
 * the same work on both sides (no loss, no optimizer update). Prints medians, GFLOP/s (the convolutions' multiply-adds ×2;
 * a train step counts 3× the forward convolutions: forward, input gradient, weight gradient), the
 * share of the FMA peak measured by the addon in the same run, our CPU time (all threads) and
 * GFLOP per CPU-second (steadier than wall time when other processes share the cores; it includes
 * the TF.js work around the kernels and the pool's short spins), and machine-readable lines
 * `ratio <forward|train_step> native B,T,C,H,W,hidden,layers <ours/pytorch>`.
 */
import { LineProcess } from './line-process.js';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerModelGradients } from '../models/gradients.js';
import { nativeAvailable, nativeFmaPeak, runNativeConvLstm } from '../models/native/convlstm-native.js';

interface Shape { B: number; T: number; C: number; H: number; W: number; hid: number; layers: number }

const DEFAULT_SHAPES = '4,5,2,12,12,14,2;8,10,4,32,32,32,2;8,10,4,64,64,64,2';
const KERNEL = 3;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function parseShapes(text: string): Shape[] {
  return text.split(';').filter(Boolean).map((s) => {
    const [B, T, C, H, W, hid, layers] = s.split(',').map(Number) as number[];
    return { B: B!, T: T!, C: C!, H: H!, W: W!, hid: hid!, layers: layers! };
  });
}

function key(s: Shape): string {
  return [s.B, s.T, s.C, s.H, s.W, s.hid, s.layers].join(',');
}

/** Multiply-adds ×2 of the forward convolutions of every layer. */
function forwardFlops(s: Shape): number {
  let flops = 0, cin = s.C;
  for (let l = 0; l < s.layers; l++) {
    flops += 2 * s.B * s.T * s.H * s.W * KERNEL * KERNEL * (cin + s.hid) * 4 * s.hid;
    cin = s.hid;
  }
  return flops;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU seconds (user + system, every thread of this process) of the last `seconds` call. */
let lastCpu = 0;

function seconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const el = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  lastCpu = (c.user + c.system) / 1e6;
  return el;
}

function nativeRunner(s: Shape): { forward: () => void; train: () => void; dispose: () => void } {
  const x = tf.randomUniform([s.B, s.T, s.C, s.H, s.W], -1, 1) as tf.Tensor5D;
  const target = tf.randomUniform([s.B, s.T, s.hid, s.H, s.W], -1, 1);
  const weights: tf.Variable[] = [];
  let cin = s.C;
  for (let l = 0; l < s.layers; l++) {
    const lim = Math.sqrt(6 / (KERNEL * KERNEL * (cin + 5 * s.hid)));
    weights.push(tf.variable(tf.randomUniform([KERNEL, KERNEL, cin + s.hid, 4 * s.hid], -lim, lim)));
    weights.push(tf.variable(tf.zeros([4 * s.hid])));
    cin = s.hid;
  }
  const zeros = tf.zeros([s.B, s.hid, s.H, s.W]) as tf.Tensor4D;
  const stack = (w: tf.Tensor[]): tf.Tensor5D => {
    let inp = x;
    for (let l = 0; l < s.layers; l++) {
      inp = runNativeConvLstm(inp, w[2 * l] as tf.Tensor4D, w[2 * l + 1] as tf.Tensor1D, zeros, zeros).outputs;
    }
    return inp;
  };
  const forward = () => tf.tidy(() => { stack(weights).dataSync(); });
  // The upstream gradient of the outputs is given (as PyTorch's out.backward(dy)): the loss is the
  // training loop's business, and on the cpu backend its element-wise ops would dominate here.
  const train = () => tf.tidy(() => {
    for (const g of tf.grads((...w: tf.Tensor[]) => stack(w))(weights, target)) g.dataSync();
  });
  return { forward, train, dispose: () => tf.dispose([x, target, zeros, ...weights]) };
}

/**
 * The seed's ConvLSTM in PyTorch as a server: it reads "<forward|train> B,T,C,H,W,hidden,layers"
 * lines and answers each with the seconds of one run. Requests alternate with our runs, so load
 * from other processes on a shared machine hits both sides alike.
 */
const TORCH_SCRIPT = String.raw`
import sys, time, torch, torch.nn as nn
torch.set_num_threads(int(sys.argv[1])); torch.manual_seed(0)
class ConvLSTMCell(nn.Module):
    def __init__(self, input_dim, hidden_dim, kernel_size, bias):
        super().__init__(); self.hidden_dim = hidden_dim
        self.conv = nn.Conv2d(input_dim + hidden_dim, 4 * hidden_dim, kernel_size, padding=(kernel_size[0] // 2, kernel_size[1] // 2), bias=bias)
    def forward(self, x, state):
        h, c = state
        cc_i, cc_f, cc_o, cc_g = torch.split(self.conv(torch.cat([x, h], dim=1)), self.hidden_dim, dim=1)
        i, f, o, g = torch.sigmoid(cc_i), torch.sigmoid(cc_f), torch.sigmoid(cc_o), torch.tanh(cc_g)
        c = f * c + i * g
        return o * torch.tanh(c), c
class ConvLSTM(nn.Module):
    def __init__(self, input_dim, hidden_dim, k, layers):
        super().__init__(); self.hidden_dim = hidden_dim
        self.cells = nn.ModuleList([ConvLSTMCell(input_dim if i == 0 else hidden_dim, hidden_dim, (k, k), True) for i in range(layers)])
    def forward(self, x):
        b, t, _, hh, ww = x.shape; inp = x
        for cell in self.cells:
            h = torch.zeros(b, self.hidden_dim, hh, ww); c = torch.zeros_like(h); outs = []
            for s in range(t):
                h, c = cell(inp[:, s], (h, c)); outs.append(h)
            inp = torch.stack(outs, dim=1)
        return inp
models = {}
print('ready', flush=True)
import resource
for line in sys.stdin:
    if line.strip() == 'mem':
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, flush=True); continue
    kind, key = line.split()
    if key not in models:
        B, T, C, H, W, hid, L = map(int, key.split(','))
        models[key] = (ConvLSTM(C, hid, ${KERNEL}, L), torch.rand(B, T, C, H, W) * 2 - 1, torch.rand(B, T, hid, H, W) * 2 - 1)
    m, x, dy = models[key]
    t0 = time.perf_counter()
    if kind == 'forward':
        with torch.no_grad(): m(x)
    else:
        m.zero_grad(); m(x).backward(dy)
    print(time.perf_counter() - t0, flush=True)
`;

/** A running PyTorch server (see TORCH_SCRIPT), or null when torch is unavailable. */
class Torch {
  private constructor(private readonly proc: LineProcess) {}

  static async start(threads: number, env: Record<string, string> = {}): Promise<Torch | null> {
    const proc = LineProcess.start('/usr/bin/python3', ['-c', TORCH_SCRIPT, String(threads)], env);
    try {
      const first = await proc.next();
      if (first !== 'ready') throw new Error(first);
      return new Torch(proc);
    } catch (e) {
      console.log(`pytorch: unavailable (${(proc.stderr || String(e)).trim().split('\n').pop()})`);
      proc.kill();
      return null;
    }
  }

  async time(kind: 'forward' | 'train', k: string): Promise<number> {
    return Number(await this.proc.ask(`${kind} ${k}`));
  }

  /** Peak resident memory of the PyTorch process so far, bytes. */
  async maxRss(): Promise<number> {
    return Number(await this.proc.ask('mem'));
  }

  stop(): void {
    this.proc.stop();
  }
}

async function main(): Promise<void> {
  registerModelGradients();
  await tf.setBackend('cpu');
  const status = nativeAvailable();
  if (!status.ok) {
    console.log(`native ConvLSTM kernels unavailable: ${status.reason}`);
    return;
  }
  const shapes = parseShapes(arg('--shapes') ?? DEFAULT_SHAPES);
  const runs = Number(arg('--runs') ?? 5);
  // PyTorch twice: OpenMP's default (threads spin between regions) and OMP_WAIT_POLICY=PASSIVE.
  // On a machine shared with other work the spinning variant can be 10x slower; the baseline for
  // the ratios is whichever is faster, so the comparison never flatters us.
  const torches = process.argv.includes('--no-torch') ? [] :
    (await Promise.all([Torch.start(status.threads), Torch.start(status.threads, { OMP_WAIT_POLICY: 'PASSIVE' })]))
      .filter((t): t is Torch => t !== null);
  const peaks: number[] = [];
  console.log(`native: isa ${status.isa}, ${status.threads} threads; pytorch ${torches.length ? `${status.threads} threads, interleaved` : 'off'}; medians of ${runs}`);
  for (const s of shapes) {
    const k = key(s);
    const ours = nativeRunner(s);
    const t = { forward: [] as number[], train: [] as number[] };
    const cpu = { forward: [] as number[], train: [] as number[] };
    const p = torches.map(() => ({ forward: [] as number[], train: [] as number[] }));
    for (const kind of ['forward', 'train'] as const) {
      const fn = kind === 'forward' ? ours.forward : ours.train;
      fn(); // warm-up (allocations, caches)
      const warm: number[] = [];
      for (const torch of torches) warm.push(await torch.time(kind, k));
      // A variant more than 3x slower than the other in its warm-up run is not timed further (it
      // cannot be the baseline, and under load the spinning one can take minutes per run).
      const active = torches.map((_, i) => warm[i]! <= 3 * Math.min(...warm));
      for (let r = 0; r < runs; r++) {
        t[kind].push(seconds(fn));
        cpu[kind].push(lastCpu);
        for (const [i, torch] of torches.entries()) p[i]![kind].push(active[i] ? await torch.time(kind, k) : warm[i]!);
      }
    }
    ours.dispose();
    // The FMA peak is sampled between shapes (sampling it right before a timed run slowed that run).
    for (let i = 0; i < 5; i++) peaks.push(nativeFmaPeak(0.05));
    const ourRss = process.resourceUsage().maxRSS * 1024;
    const torchRss = torches.length ? Math.max(...(await Promise.all(torches.map((x) => x.maxRss())))) : 0;
    const peak = median(peaks);
    const fl = forwardFlops(s);
    const gf = (flops: number, sec: number) => (flops / sec / 1e9).toFixed(1);
    console.log(`B,T,C,H,W,hidden,layers ${k}  (FMA peak, median of samples so far: ${peak.toFixed(0)} GFLOP/s; ` +
      `peak RSS so far: ours ${mb(ourRss)}${torches.length ? `, pytorch ${mb(torchRss)}` : ''})`);
    for (const kind of ['forward', 'train'] as const) {
      const ourT = median(t[kind]);
      const flops = kind === 'forward' ? fl : 3 * fl;
      const label = kind === 'forward' ? 'forward   ' : 'train step';
      const pts = p.map((x) => median(x[kind]));
      const pt = pts.length ? Math.min(...pts) : null;
      // CPU-time basis: GFLOP per CPU-second (compare with one core's FMA peak, e.g. ~230 GFLOP/s
      // on the AVX-512 machine). On a shared machine wall time mixes in other processes (and the
      // wall-clock FMA peak drops with them); this mostly measures our own efficiency.
      const ourCpu = median(cpu[kind]);
      console.log(`  ${label} native ${(ourT * 1e3).toFixed(2)} ms  ${gf(flops, ourT)} GFLOP/s  ${(100 * flops / ourT / 1e9 / peak).toFixed(0)}% of peak` +
        `  [cpu ${(ourCpu * 1e3).toFixed(0)} ms, ${gf(flops, ourCpu)} GFLOP per CPU-second]` +
        (pt ? `  | pytorch ${(pt * 1e3).toFixed(2)} ms  ${gf(flops, pt)} GFLOP/s  (spin ${(pts[0]! * 1e3).toFixed(1)} ms, passive ${((pts[1] ?? NaN) * 1e3).toFixed(1)} ms)` : ''));
      if (pt) console.log(`ratio ${kind === 'forward' ? 'forward' : 'train_step'} native ${k} ${(ourT / pt).toFixed(3)}`);
    }
  }
  for (const torch of torches) torch.stop();
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

await main();
