/**
 * The portable ConvLSTM layer: TensorFlow.js ops only, so it runs on every backend (cpu, wasm,
 * tensorflow). Forward follows the seed cell exactly (conv over [x_t, h_{t-1}] → split i,f,o,g →
 * gates → state update); the conv is split in two because convolution is linear in its input
 * channels: the input half runs once over all T steps as one big conv, only the hidden half per step.
 *
 * The gradient is hand-written back-propagation through time instead of the autodiff tape: per step
 * one 'same' conv with the rotated kernel (a forward conv, fast on XNNPACK) plus element-wise gate
 * algebra; the weight gradient is one Conv2DBackpropFilter (im2col GEMM) per group of steps,
 * accumulated, groups bounded in memory (the 64x64x64 benchmark shape must fit the wasm heap).
 * Parity with autodiff is tested to 1e-4.
 *
 * Layout choices, from profiling the wasm backend (whose Slice copies row by row in JS and has no
 * fast path above rank 4): tensors are NHWC internally; gates live gate-major ([4, B*H*W*hid],
 * one transpose per step) so that splitting and stacking them are contiguous copies; nothing is
 * sliced at rank 5. The layer is registered with the engine's multi-output `runKernelFunc` (what
 * tf.customGrad is built on), so outputs, h_T and c_T each get their own upstream gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerCpuTrainingKernels } from '../cpu-kernels.js';
import { registerModelGradients } from '../gradients.js';
import { registerWasmTrainingKernels } from '../wasm-kernels.js';
import { registerConvLstmImpl, type ConvLstmLayerImpl, type ConvLstmLayerResult } from './layer-impl.js';

/** Upper bound of gate-gradient elements grouped into one weight-gradient GEMM (64 MB). */
const GRAD_GROUP_ELEMENTS = 16 * 1024 * 1024;

interface Dims { B: number; T: number; Cin: number; H: number; W: number; hid: number; kh: number; kw: number }

/** The engine entry point tf.customGrad uses, which allows several outputs. */
interface KernelFuncEngine {
  isTapeOn(): boolean;
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: (tensors: tf.Tensor[]) => void) => tf.Tensor[];
    backwardsFunc: (dys: tf.Tensor[], saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor[];
}

/** HWIO kernel of a 'same' conv → kernel whose 'same' conv computes the input gradient. */
function rotateForBackprop(k: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(k, [0, 1]), [0, 1, 3, 2]);
}

function splitKernel(kernel: tf.Tensor4D, d: Dims): [tf.Tensor4D, tf.Tensor4D] {
  const { Cin, hid, kh, kw } = d;
  // Slicing HWIO on the I axis: reshape so the copied blocks are whole [I-part, O] planes.
  const k3 = tf.reshape(kernel, [kh * kw, Cin + hid, 4 * hid]);
  const wx = tf.reshape(tf.slice(k3, [0, 0, 0], [kh * kw, Cin, 4 * hid]), [kh, kw, Cin, 4 * hid]) as tf.Tensor4D;
  const wh = tf.reshape(tf.slice(k3, [0, Cin, 0], [kh * kw, hid, 4 * hid]), [kh, kw, hid, 4 * hid]) as tf.Tensor4D;
  return [wx, wh];
}

/** [B,H,W,4h] → gate-major [4, B*H*W*h]. */
function toGateMajor(z: tf.Tensor, n: number, hid: number): tf.Tensor2D {
  return tf.reshape(tf.transpose(tf.reshape(z, [n, 4, hid]), [1, 0, 2]), [4, n * hid]);
}

/** Gate-major [4, B*H*W*h] → [B,H,W,4h]. */
function fromGateMajor(g: tf.Tensor, d: Dims): tf.Tensor4D {
  const { B, H, W, hid } = d;
  return tf.reshape(tf.transpose(tf.reshape(g, [4, B * H * W, hid]), [1, 0, 2]), [B, H, W, 4 * hid]);
}

function forward(x: tf.Tensor5D, kernel: tf.Tensor4D, bias: tf.Tensor1D | null, h0: tf.Tensor4D, c0: tf.Tensor4D, d: Dims, keepForBackward: boolean) {
  const { B, T, Cin, H, W, hid } = d;
  const n = B * H * W;
  const N = n * hid;
  const xs = tf.reshape(tf.transpose(x, [1, 0, 3, 4, 2]), [T * B, H, W, Cin]) as tf.Tensor4D;
  const [wx, wh] = splitKernel(kernel, d);
  const zxAll: tf.Tensor4D = bias ? tf.fused.conv2d({ x: xs, filter: wx, strides: 1, pad: 'same', bias }) : tf.conv2d(xs, wx, 1, 'same');
  const zx = tf.unstack(tf.reshape(zxAll, [T, B, H, W, 4 * hid])) as tf.Tensor4D[];
  let h = tf.transpose(h0, [0, 2, 3, 1]) as tf.Tensor4D; // NHWC
  let c = tf.reshape(tf.transpose(c0, [0, 2, 3, 1]), [N]) as tf.Tensor1D; // flat NHWC
  const hs: tf.Tensor4D[] = [h];
  const cs: tf.Tensor1D[] = [c];
  const acts: tf.Tensor2D[] = [];
  // Per-step tidy: only h, c and the gate activations outlive a step (memory at large grids).
  for (let t = 0; t < T; t++) {
    const [hNext, cNext, act] = tf.tidy((): tf.Tensor[] => {
      const z = toGateMajor(tf.add(zx[t]!, tf.conv2d(h, wh, 1, 'same')), n, hid);
      const z2 = tf.reshape(z, [4 * N]);
      const sig = tf.sigmoid(tf.slice(z2, [0], [3 * N]));
      const g = tf.tanh(tf.slice(z2, [3 * N], [N]));
      const [i, f, o] = tf.split(sig, 3) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      const cn = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor1D;
      const hn = tf.reshape(tf.mul(o, tf.tanh(cn)), [B, H, W, hid]) as tf.Tensor4D;
      return keepForBackward ? [hn, cn, tf.reshape(tf.concat([sig, g]), [4, N])] : [hn, cn];
    });
    zx[t]!.dispose();
    h = hNext as tf.Tensor4D;
    c = cNext as tf.Tensor1D;
    hs.push(h);
    cs.push(c);
    if (act) acts.push(act as tf.Tensor2D);
  }
  const outputs = tf.transpose(tf.stack(hs.slice(1)), [1, 0, 4, 2, 3]) as tf.Tensor5D;
  const hT = tf.transpose(h, [0, 3, 1, 2]) as tf.Tensor4D;
  const cT = tf.transpose(tf.reshape(c, [B, H, W, hid]), [0, 3, 1, 2]) as tf.Tensor4D;
  return { outputs, hT, cT, xs, hs, cs, acts };
}

/** Back-propagation through time over the saved forward tensors. */
function backward(dys: tf.Tensor[], saved: tf.Tensor[], hasBias: boolean, d: Dims): Record<string, () => tf.Tensor> {
  const { B, T, Cin, H, W, hid, kh, kw } = d;
  const N = B * H * W * hid;
  const [dOut, dhT, dcT] = dys as [tf.Tensor5D, tf.Tensor4D, tf.Tensor4D];
  const [xs, kernel, hStack, cStack, actStack] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor5D, tf.Tensor2D, tf.Tensor3D];
  const [wx, wh] = splitKernel(kernel, d);
  const whRot = rotateForBackprop(wh);
  const wxRot = rotateForBackprop(wx);
  const dOutSteps = tf.unstack(tf.reshape(tf.transpose(dOut, [1, 0, 3, 4, 2]), [T, N])) as tf.Tensor1D[];
  const cs = tf.unstack(cStack) as tf.Tensor1D[];
  const act2 = tf.reshape(actStack, [T, 4 * N]);
  const hFlat = tf.reshape(hStack, [T + 1, N]);
  const filterShape = [kh, kw, Cin + hid, 4 * hid];
  let dc: tf.Tensor1D = tf.reshape(tf.transpose(dcT, [0, 2, 3, 1]), [N]);
  let dhNext: tf.Tensor1D = tf.reshape(tf.transpose(dhT, [0, 2, 3, 1]), [N]);
  let dKernel: tf.Tensor = tf.zeros(filterShape);
  let dBias: tf.Tensor = tf.zeros([4 * hid]);
  const dxGroups: tf.Tensor4D[] = []; // dx of each group of steps, in ascending time
  // Per step: gate algebra and dh (the recurrence); the weight, bias and input gradients are taken
  // over groups of steps (one im2col GEMM and one conv per group, the group bounded in memory), so
  // no [T, ...] gate gradient is held at 64x64 grids while small grids still get large GEMMs.
  let pending: { inp: tf.Tensor4D; dz: tf.Tensor4D }[] = [];
  const flush = () => {
    const ascending = [...pending].reverse();
    const next = tf.tidy(() => {
      const inp = ascending.length === 1 ? ascending[0]!.inp : tf.concat(ascending.map((p) => p.inp), 0);
      const dz = ascending.length === 1 ? ascending[0]!.dz : tf.concat(ascending.map((p) => p.dz), 0);
      const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x: inp, dy: dz },
        { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape } as never) as tf.Tensor;
      return [
        tf.add(dKernel, dW),
        hasBias ? tf.add(dBias, tf.sum(tf.reshape(dz, [-1, 4 * hid]), 0)) : dBias.clone(),
        tf.conv2d(dz, wxRot, 1, 'same'),
      ];
    });
    tf.dispose([dKernel, dBias, ...pending.flatMap((p) => [p.inp, p.dz])]);
    [dKernel, dBias] = next as [tf.Tensor, tf.Tensor];
    dxGroups.unshift(next[2] as tf.Tensor4D);
    pending = [];
  };
  for (let t = T - 1; t >= 0; t--) {
    const prev = [dc, dhNext];
    let dz: tf.Tensor4D;
    let inp: tf.Tensor4D;
    [dc, dhNext, dz, inp] = tf.tidy(() => {
      const act = tf.reshape(tf.slice(act2, [t, 0], [1, 4 * N]), [4 * N]);
      const [i, f, o, g] = tf.split(act, 4) as tf.Tensor1D[];
      const sig = tf.slice(act, [0], [3 * N]);
      const deriv = tf.concat([tf.mul(sig, tf.sub(1, sig)), tf.sub(1, tf.square(g!))]);
      const tc = tf.tanh(cs[t + 1]!);
      const dh = tf.add(dOutSteps[t]!, dhNext);
      const dcT = tf.add(dc, tf.mul(tf.mul(dh, o!), tf.sub(1, tf.square(tc))));
      const dAct = tf.concat([tf.mul(dcT, g!), tf.mul(dcT, cs[t]!), tf.mul(dh, tc), tf.mul(dcT, i!)]);
      const dzT = fromGateMajor(tf.mul(dAct, deriv), d);
      const xT = tf.slice(xs, [t * B, 0, 0, 0], [B, H, W, Cin]);
      const hPrev = tf.reshape(tf.slice(hFlat, [t, 0], [1, N]), [B, H, W, hid]);
      return [
        tf.mul(dcT, f!) as tf.Tensor1D,
        tf.reshape(tf.conv2d(dzT, whRot, 1, 'same'), [N]) as tf.Tensor1D,
        dzT,
        tf.concat([xT, hPrev], 3) as tf.Tensor4D,
      ] as const;
    });
    tf.dispose([...prev, dOutSteps[t]!]);
    pending.push({ inp, dz });
    if (t === 0 || pending.length * dz.size >= GRAD_GROUP_ELEMENTS) flush();
  }
  const toNchw = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, H, W, hid]), [0, 3, 1, 2]);
  const grads: Record<string, () => tf.Tensor> = {
    x: () => tf.transpose(tf.reshape(dxGroups.length === 1 ? dxGroups[0]! : tf.concat(dxGroups, 0), [T, B, H, W, Cin]), [1, 0, 4, 2, 3]),
    kernel: () => dKernel,
    h0: () => toNchw(dhNext),
    c0: () => toNchw(dc),
  };
  if (hasBias) grads.bias = () => dBias;
  return grads;
}

function run(x: tf.Tensor5D, kernel: tf.Tensor4D, bias: tf.Tensor1D | null, h0: tf.Tensor4D, c0: tf.Tensor4D): ConvLstmLayerResult {
  const [B, T, Cin, H, W] = x.shape;
  const [kh, kw, , four] = kernel.shape;
  const d: Dims = { B, T, Cin, H, W, hid: four / 4, kh, kw };
  const inputs: Record<string, tf.Tensor> = { x, kernel, h0, c0 };
  if (bias) inputs.bias = bias;
  const engine = tf.engine() as unknown as KernelFuncEngine;
  // Inference (no gradient tape) keeps nothing for the backward pass.
  const recording = typeof engine.isTapeOn === 'function' ? engine.isTapeOn() : true;
  const outs = engine.runKernelFunc({
    forwardFunc: (_backend, save) => {
      const r = forward(x, kernel, bias, h0, c0, d, recording);
      if (recording) save([r.xs, kernel, tf.stack(r.hs), tf.stack(r.cs), tf.stack(r.acts)]);
      return [r.outputs, r.hT, r.cT];
    },
    backwardsFunc: (dys, saved) => backward(dys, saved, bias !== null, d),
    inputs,
  });
  const [outputs, h, c] = outs as [tf.Tensor5D, tf.Tensor4D, tf.Tensor4D];
  return { outputs, h, c };
}

/** The composite (TensorFlow.js ops) implementation of the ConvLSTM layer seam. */
export const compositeConvLstmImpl: ConvLstmLayerImpl = {
  name: 'composite',
  supports: () => true,
  run,
};

let registered = false;
/** Registers the composite implementation, our gradients and the cpu/wasm kernel fixes (idempotent; every ConvLSTM cell calls it). */
export function ensureCompositeConvLstmImpl(): void {
  registerModelGradients();
  registerCpuTrainingKernels();
  registerWasmTrainingKernels();
  if (registered) return;
  registerConvLstmImpl(compositeConvLstmImpl);
  registered = true;
}
