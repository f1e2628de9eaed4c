/**
 * Fused masked MSE / MAE on the native addon (src/masked_loss.cc) for the cpu and wasm backends:
 * one pass computes sum(mask·(p−t)²) (MAE: |p−t|) in float64 and the count of non-NaN targets, one
 * pass writes the gradient w.r.t. the prediction (2·mask·(p−t)·dy/count; MAE: mask·sign(p−t)·dy/count).
 * The composite TensorFlow.js loss costs ~10 wasm ops forward and ~15 backward over the whole
 * prediction (isNaN, where, sub, mul, square, sum and their gradients, ~40 µs each plus the memory
 * traffic); this is two passes.
 *
 * Registered with the engine's `runKernelFunc` (forward + backwards functions, as tf.customGrad does)
 * with the prediction as the only input: targets are constants and get no gradient. On the wasm
 * backend the addon reads prediction and target where the backend keeps them (heap views) and
 * writes the gradient into a tensor the backend allocated; on cpu it uses dataSync() and a fresh
 * array. Deterministic: fixed-size chunks summed in a fixed order, whatever the thread count.
 *
 * ```ts
 * import { nativeMaskedLossSupported, nativeMaskedLoss } from './models/native/masked-loss-native.js';
 * if (nativeMaskedLossSupported()) loss = nativeMaskedLoss(pred, target, 'mse');
 * ```
 *
 * Off with GRIDCAST_NATIVE=0 (no addon at all) or GRIDCAST_NATIVE_LOSS=0 (this op only, for A/B).
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeKernelError } from './errors.js';
import { loadNativeAddon } from './loader.js';

/** The addon functions this file uses (src/addon.cc). */
interface MaskedLossAddon {
  /** Returns [loss, count]: loss = sum / max(1, count). */
  maskedLoss(pred: Float32Array, target: Float32Array, mae: boolean): [number, number];
  /** Writes the gradient w.r.t. pred (every element); scale = dy / max(1, count). */
  maskedLossGrad(pred: Float32Array, target: Float32Array, mae: boolean, scale: number, grad: Float32Array): void;
}

interface KernelFuncEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: (tensors: tf.Tensor[]) => void) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
}

function engine(): KernelFuncEngine {
  return tf.engine() as unknown as KernelFuncEngine;
}

function lossAddon(): MaskedLossAddon | null {
  const { addon } = loadNativeAddon();
  const a = addon as unknown as Partial<MaskedLossAddon> | null;
  return a && typeof a.maskedLoss === 'function' && typeof a.maskedLossGrad === 'function' ? (a as MaskedLossAddon) : null;
}

/**
 * True when the fused loss can run: the addon is loaded (and has the loss), GRIDCAST_NATIVE_LOSS is
 * not 0/off/false, and the active backend is cpu or wasm (whose data can be read synchronously).
 */
export function nativeMaskedLossSupported(): boolean {
  const flag = (process.env.GRIDCAST_NATIVE_LOSS ?? '').toLowerCase();
  if (flag === '0' || flag === 'off' || flag === 'false') return false;
  const b = tf.getBackend();
  if (b !== 'cpu' && b !== 'wasm') return false;
  return lossAddon() !== null && typeof (engine() as Partial<KernelFuncEngine>).runKernelFunc === 'function';
}

/** The wasm backend's heap access (tfjs-backend-wasm's BackendWasm), when it is the active backend. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  dataIdMap: { has(dataId: object): boolean };
}

function heapBackend(tensors: tf.Tensor[]): HeapBackend | null {
  if (process.env.GRIDCAST_NATIVE_HEAP === '0' || tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function' || !b.dataIdMap) return null;
  const hb = b as HeapBackend;
  return tensors.every((t) => t.dtype === 'float32' && hb.dataIdMap.has(t.dataId)) ? hb : null;
}

function f32(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new NativeKernelError(`dtype ${t.dtype}`, { model: 'native masked loss', expected: 'float32' });
  return t.dataSync() as Float32Array;
}

/**
 * Masked mean squared ('mse') or absolute ('mae') error of `pred` against `target` (NaN = missing),
 * 0 when every target is NaN. Shapes must be equal (checked by the caller, models/losses.ts).
 * Differentiable w.r.t. `pred` only.
 */
export function nativeMaskedLoss(pred: tf.Tensor, target: tf.Tensor, kind: 'mse' | 'mae'): tf.Scalar {
  const addon = lossAddon();
  if (!addon) throw new NativeKernelError(`native masked loss unavailable: ${loadNativeAddon().reason}`, { model: 'native masked loss' });
  const mae = kind === 'mae';
  let count = 0;
  return engine().runKernelFunc({
    forwardFunc: (_backend, save) => {
      const hb = heapBackend([pred, target]);
      const p = hb ? hb.typedArrayFromHeap(pred) : f32(pred);
      const t = hb ? hb.typedArrayFromHeap(target) : f32(target);
      const [loss, n] = addon.maskedLoss(p, t, mae);
      count = n;
      save([pred, target]);
      return tf.scalar(loss, 'float32');
    },
    backwardsFunc: (dy, saved) => {
      const [sp, st] = saved as [tf.Tensor, tf.Tensor];
      return {
        pred: () => {
          const d = Array.isArray(dy) ? dy[0]! : dy;
          const scale = d.dataSync()[0]! / Math.max(1, count);
          const hb = heapBackend([sp, st]);
          if (hb) {
            const info = hb.makeOutput(sp.shape, 'float32'); // before taking views: may grow the heap
            addon.maskedLossGrad(hb.typedArrayFromHeap(sp), hb.typedArrayFromHeap(st), mae, scale, hb.typedArrayFromHeap(info));
            return engine().makeTensorFromTensorInfo(info);
          }
          const g = new Float32Array(sp.size);
          addon.maskedLossGrad(f32(sp), f32(st), mae, scale, g);
          return tf.tensor(g, sp.shape, 'float32');
        },
      };
    },
    inputs: { pred },
  }) as tf.Scalar;
}
