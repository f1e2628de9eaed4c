/**
 * The 'native' ConvLstmLayerImpl: one call of the fused C++ kernels (src/kernels.inc) runs a layer
 * over all T steps, and its gradient runs BPTT in one call too. It plugs into the seam of
 * ../convlstm/layer-impl.ts, so models, optimisers and training loops do not change; on backends
 * other than 'cpu' and 'wasm' (whose data we can read synchronously) the composite layer is used.
 *
 * ```ts
 * import { nativeAvailable } from './models/native/convlstm-native.js';
 * console.log(nativeAvailable()); // { ok: true, reason: 'loaded from …', isa: 'avx512', threads: 2 }
 * ```
 *
 * Why not tf.customGrad: it insists on a single output tensor, while the layer has three
 * (outputs, h, c) and all three receive upstream gradients. Packing them into one tensor and slicing
 * would cost a pad + add over the whole output in the backward pass (slow on the cpu backend). So
 * this uses the engine entry point customGrad itself is built on (`runKernelFunc` with a forward and
 * a backwards function), which supports several outputs; the gradient receives one dy per output
 * (zeros for those not on the path to the loss).
 *
 * The forward pass keeps its saved state (padded inputs, gate activations, cell states) in native
 * memory only while TensorFlow.js is recording gradients; the gradient consumes and frees it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerConvLstmImpl, type ConvLstmLayerImpl, type ConvLstmLayerResult } from '../convlstm/layer-impl.js';
import { NativeKernelError } from './errors.js';
import { loadNativeAddon, type NativeAddon, type NativeSerialChoice, type NativeState } from './loader.js';

/** What nativeAvailable() reports. */
export interface NativeStatus {
  /** True when the addon loaded and the layer is registered. */
  ok: boolean;
  /** Where it was loaded from, or why it is unavailable (one line, for the log). */
  reason: string;
  /** Active instruction set ('avx512' | 'avx2' | 'portable'), '' when unavailable. */
  isa: string;
  /** Threads of the native pool, 0 when unavailable. */
  threads: number;
}

/** The slice of the engine we use: the same call tf.customGrad makes, allowing several outputs. */
interface KernelFuncEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: (tensors: tf.Tensor[]) => void) => tf.Tensor[];
    backwardsFunc: (dys: tf.Tensor[], saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor[];
  isTapeOn(): boolean;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
}

function engine(): KernelFuncEngine {
  return tf.engine() as unknown as KernelFuncEngine;
}

function addonOrThrow(): NativeAddon {
  const { addon, reason } = loadNativeAddon();
  if (!addon) throw new NativeKernelError(`native ConvLSTM kernels unavailable: ${reason}`, { model: 'native ConvLSTM' });
  return addon;
}

/** Status of the native kernels (never throws). */
export function nativeAvailable(): NativeStatus {
  const { addon, reason } = loadNativeAddon();
  if (!addon) return { ok: false, reason, isa: '', threads: 0 };
  const info = addon.info();
  return { ok: true, reason, isa: info.isa, threads: info.threads };
}

/** Sets the native thread count (0 = default: GRIDCAST_THREADS, else every core); returns it. */
export function setNativeThreads(n: number): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new NativeKernelError(`threads must be a non-negative integer, got ${n}`, { field: 'threads' });
  }
  return addonOrThrow().setThreads(n);
}

/** Auto mode times layer call shapes under this many multiply-adds per time step (0 without the addon). */
export function nativeAutoMaxMacs(): number {
  const { addon } = loadNativeAddon();
  return addon ? addon.info().autoMaxMacs : 0;
}

/** Default of {@link setNativeSerialBelow} (also env GRIDCAST_NATIVE_SERIAL_MACS=auto). */
export const NATIVE_SERIAL_BELOW_DEFAULT = 'auto';

/**
 * Which layer calls run on the calling thread alone instead of the pool. 'auto' (the default):
 * call shapes under {@link nativeAutoMaxMacs} (64e6) multiply-adds per time step are timed both
 * ways on their first calls and then run the faster way (which one wins depends on the machine;
 * see addon.cc). A number: calls
 * under `macs` multiply-adds per step run serially, the rest on the pool (0 = always every thread).
 * Results are the same bits either way. Returns the new setting.
 */
export function setNativeSerialBelow(macs: number | 'auto'): number | 'auto' {
  if (macs === 'auto') {
    addonOrThrow().setSerialBelow(-1);
    return 'auto';
  }
  if (!Number.isFinite(macs) || macs < 0) {
    throw new NativeKernelError(`serial threshold must be 'auto' or a finite number >= 0, got ${macs}`, { field: 'serialBelow' });
  }
  return addonOrThrow().setSerialBelow(macs);
}

/** Auto mode's serial-or-pool timings and decisions per layer call shape ([] without the addon). */
export function nativeSerialChoices(): NativeSerialChoice[] {
  const { addon } = loadNativeAddon();
  return addon ? addon.serialChoices() : [];
}

/** Forces an instruction set: 'auto' | 'avx512' | 'avx2' | 'portable' (also env GRIDCAST_ISA). */
export function setNativeIsa(name: string): string {
  try {
    return addonOrThrow().setIsa(name);
  } catch (e) {
    if (e instanceof NativeKernelError) throw e;
    throw new NativeKernelError((e as Error).message, { field: 'isa', cause: e });
  }
}

/**
 * Whether 3x3 convolutions use Winograd F(2x2, 3x3) (true, the default; env
 * GRIDCAST_NATIVE_WINOGRAD=0 turns it off) or the direct implicit GEMM (other kernel sizes always
 * do). Results agree to ~1e-6; each way is deterministic. Returns the new setting.
 */
export function setNativeWinograd(on: boolean): boolean {
  if (typeof on !== 'boolean') {
    throw new NativeKernelError(`winograd must be true or false, got ${String(on)}`, { field: 'winograd' });
  }
  return addonOrThrow().setWinograd(on);
}

/** Whether 3x3 convolutions currently use Winograd (false without the addon). */
export function nativeWinograd(): boolean {
  const { addon } = loadNativeAddon();
  return addon ? addon.info().winograd : false;
}

/** Instruction sets this CPU can run with the addon, fastest first ([] when unavailable). */
export function nativeIsas(): string[] {
  const { addon } = loadNativeAddon();
  return addon ? addon.info().isas : [];
}

/** Frees the native work-buffer cache (e.g. after training, before a long idle); returns bytes freed. */
export function trimNativeMemory(): number {
  const { addon } = loadNativeAddon();
  return addon ? addon.trimMemory() : 0;
}

/** Measured fp32 FMA peak of the active instruction set on all native threads, GFLOP/s. */
export function nativeFmaPeak(seconds = 0.3): number {
  return addonOrThrow().fmaPeak(seconds);
}

function checkShapes(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null, h0: tf.Tensor, c0: tf.Tensor): number[] {
  const bad = (field: string, expected: string, got: readonly number[]) =>
    new NativeKernelError(`shape [${got.join(', ')}]`, { model: 'native ConvLSTM', field, expected });
  if (x.rank !== 5) throw bad('x', '[B, T, Cin, H, W]', x.shape);
  const [B, T, Cin, H, W] = x.shape as number[] as [number, number, number, number, number];
  if (kernel.rank !== 4) throw bad('kernel', '[kh, kw, Cin + hidden, 4 * hidden]', kernel.shape);
  const [kh, kw, C, four] = kernel.shape as number[] as [number, number, number, number];
  const hid = four / 4;
  if (!Number.isInteger(hid) || hid < 1 || C !== Cin + hid || kh % 2 !== 1 || kw % 2 !== 1) {
    throw bad('kernel', `[odd kh, odd kw, ${Cin} + hidden, 4 * hidden]`, kernel.shape);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== four)) throw bad('bias', `[${four}]`, bias.shape);
  for (const [name, t] of [['h0', h0], ['c0', c0]] as const) {
    const s = t.shape;
    if (t.rank !== 4 || s[0] !== B || s[1] !== hid || s[2] !== H || s[3] !== W) throw bad(name, `[${B}, ${hid}, ${H}, ${W}]`, s);
  }
  for (const [name, t] of [['x', x], ['kernel', kernel], ['bias', bias], ['h0', h0], ['c0', c0]] as const) {
    if (t && t.dtype !== 'float32') throw new NativeKernelError(`dtype ${t.dtype}`, { field: name, expected: 'float32' });
  }
  return [B, T, Cin, H, W, hid, kh, kw, bias ? 1 : 0];
}

function f32(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** The wasm backend's heap access (tfjs-backend-wasm's BackendWasm), when it is the active backend. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  dataIdMap: { has(dataId: object): boolean };
}

function heapBackend(): HeapBackend | null {
  if (process.env.GRIDCAST_NATIVE_HEAP === '0' || tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' && b.dataIdMap ? (b as HeapBackend) : null;
}

/**
 * Input arrays and output tensors for one addon call. On the wasm backend the addon reads the
 * inputs from and writes the outputs into the wasm heap directly (views, no copies: at
 * (8,10,4,32,32,32,2) the copies in and out of the heap and the zero-filled JS arrays took ~30%
 * of a training step); elsewhere (cpu) it uses dataSync() and fresh arrays. Every element of
 * every output is written by the addon, so uninitialised heap memory is fine.
 */
function io(inputs: (tf.Tensor | null)[], outShapes: number[][]): { ins: (Float32Array | null)[]; outs: Float32Array[]; tensors: () => tf.Tensor[] } {
  const hb = heapBackend();
  if (hb && inputs.every((t) => t === null || (t.dtype === 'float32' && hb.dataIdMap.has(t.dataId)))) {
    // Allocate every output first: growing the heap detaches views taken before.
    const infos = outShapes.map((shape) => hb.makeOutput(shape, 'float32'));
    return {
      ins: inputs.map((t) => (t ? hb.typedArrayFromHeap(t) : null)),
      outs: infos.map((info) => hb.typedArrayFromHeap(info)),
      tensors: () => infos.map((info) => engine().makeTensorFromTensorInfo(info)),
    };
  }
  const outs = outShapes.map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));
  return {
    ins: inputs.map((t) => (t ? f32(t) : null)),
    outs,
    tensors: () => outs.map((o, i) => tf.tensor(o, outShapes[i]!)),
  };
}

/** Runs one layer over the sequence with the fused kernels (see ConvLstmLayerImpl.run). */
export function runNativeConvLstm(
  x: tf.Tensor5D, kernel: tf.Tensor4D, bias: tf.Tensor1D | null, h0: tf.Tensor4D, c0: tf.Tensor4D,
): ConvLstmLayerResult {
  const addon = addonOrThrow();
  const dims = checkShapes(x, kernel, bias, h0, c0);
  const [B, T, Cin, H, W, hid] = dims as [number, number, number, number, number, number];
  const keep = engine().isTapeOn();
  let state: NativeState | null = null;
  const inputs: Record<string, tf.Tensor> = bias ? { x, kernel, bias, h0, c0 } : { x, kernel, h0, c0 };
  const outs = engine().runKernelFunc({
    forwardFunc: (_backend, save) => {
      const { ins, outs: [out, h, c], tensors } = io([x, kernel, bias, h0, c0], [[B, T, hid, H, W], [B, hid, H, W], [B, hid, H, W]]);
      state = addon.forward(dims, ins[0]!, ins[1]!, ins[2] ?? null, ins[3]!, ins[4]!, out!, h!, c!, keep);
      // The backward pass needs the kernel as it was here: the engine keeps a reference (same
      // buffer, no copy; freed after the gradient). Tensors are immutable (the fused Adam writes
      // new weights into new buffers), so reading it again then gives the same values, where a
      // copy would cost a pass over the kernel per layer and step.
      if (keep) save([kernel]);
      return tensors();
    },
    backwardsFunc: (dys, saved) => {
      const k = saved[0];
      if (!state || !k) {
        throw new NativeKernelError('gradient requested but the forward state was not kept', { model: 'native ConvLSTM' });
      }
      const [dOut, dh, dc] = dys as [tf.Tensor, tf.Tensor, tf.Tensor];
      const shapes = [x.shape, kernel.shape, h0.shape, c0.shape, ...(bias ? [bias.shape] : [])];
      const { ins, outs, tensors } = io([dOut, dh, dc, k], shapes);
      const [dx, dk, dh0, dc0, db] = outs as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array | undefined];
      const s = state;
      state = null;
      addon.backward(s, ins[3]!, ins[0]!, ins[1]!, ins[2]!, dx, dk, db ?? null, dh0, dc0);
      const [tx, tk, th0, tc0, tb] = tensors();
      const grads: Record<string, () => tf.Tensor> = { x: () => tx!, kernel: () => tk!, h0: () => th0!, c0: () => tc0! };
      if (bias && tb) grads.bias = () => tb;
      return grads;
    },
    inputs,
  });
  const [outputs, h, c] = outs as [tf.Tensor5D, tf.Tensor4D, tf.Tensor4D];
  return { outputs, h, c };
}

/** The 'native' implementation of the ConvLSTM layer seam. */
export const nativeConvLstmImpl: ConvLstmLayerImpl = {
  name: 'native',
  supports(backendName: string): boolean {
    return (backendName === 'cpu' || backendName === 'wasm') && loadNativeAddon().addon !== null &&
      typeof (engine() as Partial<KernelFuncEngine>).runKernelFunc === 'function';
  },
  run: runNativeConvLstm,
};

/** Registers the native layer when the addon is available; returns whether it did. */
export function registerNativeConvLstm(): boolean {
  if (!loadNativeAddon().addon) return false;
  registerConvLstmImpl(nativeConvLstmImpl);
  return true;
}

registerNativeConvLstm();
