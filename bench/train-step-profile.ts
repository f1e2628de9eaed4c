/**
 * Where a training step's time goes (issue 6): the bench's training step (pipeline/train/train-step.ts
 * with the optimizer the training stage picks) on the native backend, split into time inside the
 * addon's calls (forward, backward, loss, Adam), TensorFlow.js kernels run at the top level (count
 * and time per step, by phase), and the rest. Not a test; medians and means over the steps.
 *
 *   npx tsx bench/train-step-profile.ts [--shapes small;mid] [--runs 20] [--adam native|tfjs]
 *                                       [--backend native|wasm|cpu] [--pause ms]
 *
 * `--adam tfjs` times tf.train.adam instead (same as GRIDCAST_NATIVE_ADAM=0); `--pause 30` sleeps
 * before every step as bench:models does between our runs and PyTorch's (cold caches, sleeping
 * pool threads).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvLSTM, createAdamOptimizer, maskedMse, selectBackend, type BackendChoice } from '../models/index.js';
import { loadNativeAddon } from '../models/native/loader.js';
import { trainStep } from '../pipeline/train/train-step.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const NAMED: Record<string, string> = { small: '4,5,2,12,12,14,2', seed: '4,5,2,12,12,14,2', mid: '8,10,4,32,32,32,2', large: '8,10,4,64,64,64,2' };
const shapes = (arg('shapes') ?? 'small').split(';').filter(Boolean).map((s) => NAMED[s] ?? s);
const runs = Number(arg('runs') ?? 20);
const pause = Number(arg('pause') ?? 0);
const adam = arg('adam') ?? 'native';
await selectBackend((arg('backend') ?? 'native') as BackendChoice, { log: () => {} });

// Addon calls: wrapped to time them (per function and per step).
type Stat = { n: number; ms: number };
const addonStats = new Map<string, Stat>();
let addonInStep = 0;
const addon = loadNativeAddon().addon as unknown as Record<string, (...a: unknown[]) => unknown> | null;
for (const k of ['forward', 'backward', 'maskedLoss', 'maskedLossGrad', 'adamUpdate']) {
  const f = addon?.[k];
  if (typeof f !== 'function') continue;
  addon![k] = (...a: unknown[]) => {
    const t0 = performance.now();
    try {
      return f(...a);
    } finally {
      const d = performance.now() - t0;
      const e = addonStats.get(k) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += d;
      addonStats.set(k, e);
      addonInStep += d;
    }
  };
}

// Top-level TF.js kernels (registered kernels and custom ops), by phase.
const eng = tf.engine() as unknown as { runKernelFunc: (p: { kernelName?: string }) => unknown };
const run = eng.runKernelFunc.bind(eng);
let depth = 0;
let phase = 'other';
const kernels = new Map<string, Stat>();
eng.runKernelFunc = (p) => {
  if (depth > 0) return run(p);
  depth++;
  const t0 = performance.now();
  try {
    return run(p);
  } finally {
    depth--;
    const name = `${phase}:${p.kernelName ?? 'custom op'}`;
    const e = kernels.get(name) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += performance.now() - t0;
    kernels.set(name, e);
  }
};

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

for (const spec of shapes) {
  const [B, T, C, H, W, hid, layers] = spec.split(',').map(Number) as [number, number, number, number, number, number, number];
  const net = new ConvLSTM({ inputDim: C, hiddenDim: hid, kernelSize: [3, 3], numLayers: layers, batchFirst: true, seed: 1 });
  const x = tf.randomNormal([B, T, C, H, W]);
  const y = tf.randomNormal([B, T, hid, H, W]);
  const opt = adam === 'tfjs' ? tf.train.adam(1e-3) : createAdamOptimizer(1e-3);
  // The step, with the optimizer's applyGradients timed as its own phase.
  const apply = opt.applyGradients.bind(opt);
  let tAdam = 0;
  opt.applyGradients = (g: tf.NamedTensorMap) => {
    phase = 'adam';
    const t0 = performance.now();
    apply(g as never);
    tAdam += performance.now() - t0;
    phase = 'backward';
  };
  const vars = net.trainableVariables();
  const steps: { total: number; addon: number; adam: number }[] = [];
  const step = () => {
    addonInStep = 0;
    tAdam = 0;
    const t0 = performance.now();
    trainStep(() => {
      phase = 'forward';
      const l = maskedMse(net.apply(x).layerOutputs[0]!, y);
      phase = 'backward';
      return l;
    }, vars, opt);
    phase = 'other';
    return { total: performance.now() - t0, addon: addonInStep, adam: tAdam };
  };
  for (let i = 0; i < 3; i++) step();
  kernels.clear();
  addonStats.clear();
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < runs; i++) {
    if (pause) await new Promise((r) => setTimeout(r, pause));
    steps.push(step());
  }
  console.log(`\n== ${spec}: ${runs} steps, ${opt.constructor.name}, backend ${tf.getBackend()}, tensors leaked per step ${(tf.memory().numTensors - n0) / runs}`);
  console.log(`median per step: total ${median(steps.map((s) => s.total)).toFixed(3)} ms, in addon calls ${median(steps.map((s) => s.addon)).toFixed(3)} ms, ` +
    `outside them ${median(steps.map((s) => s.total - s.addon)).toFixed(3)} ms; optimizer ${median(steps.map((s) => s.adam)).toFixed(3)} ms`);
  const rows = [...kernels.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const count = rows.reduce((a, [, v]) => a + v.n, 0);
  console.log(`TF.js kernels at the top level: ${(count / runs).toFixed(1)} per step (custom ops included; mean ms per step):`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(28)} ${(v.n / runs).toFixed(1).padStart(5)}  ${(v.ms / runs).toFixed(3).padStart(9)} ms`);
  for (const [k, v] of addonStats) console.log(`  addon.${k.padEnd(22)} ${(v.n / runs).toFixed(1).padStart(5)}  ${(v.ms / runs).toFixed(3).padStart(9)} ms`);
  tf.dispose([x, y]);
  opt.dispose();
  net.dispose();
}
