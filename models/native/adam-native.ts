/**
 * Adam on the native addon (src/adam.cc): one addon call updates the first and second moments and
 * the weights of every variable, on the addon's thread pool, instead of ~16 TensorFlow.js ops per
 * variable (each ~40 µs of wasm/cpu overhead plus a pass over the data) and their tidy/dispose.
 *
 * Same numbers as `tf.train.adam`: the addon performs TensorFlow.js's AdamOptimizer.applyGradients
 * op by op in float32, in the same order and without fused multiply-adds —
 *   m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2);
 *   w' = (m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε) · (−lr) + w
 * with β1ᵗ, β2ᵗ the float32 running products TF.js keeps in its accBeta variables (starting at β,
 * multiplied by β after every step), so a run matches the TF.js Adam bit for bit. Elements are
 * independent, so the thread count does not change a bit either.
 *
 * Drop-in for tf.train.adam: a `tf.Optimizer` with `applyGradients`/`minimize`, a writable
 * `learningRate`, and `getWeights`/`setWeights` in TF.js's layout (`iter`, then every `<var>/m`,
 * then every `<var>/v`), so checkpoints written with either optimizer restore into the other. On
 * restore, the bias-correction powers are recomputed as the training products (TF.js uses
 * pow(β, n+1), which differs in the last bit; pipeline/train/optimizer-state.ts patches that for
 * the TF.js Adam), so a resumed run continues bit-exactly.
 *
 * Where the data lives: the moments are non-trainable tf.Variables as in TF.js. On the wasm
 * backend the addon reads weights, gradients and moments where the backend keeps them (heap views,
 * no copies), updates the moments in place and writes the new weights into fresh heap buffers that
 * the weight variables are then assigned. Not in place for weights: tfjs-backend-wasm caches XNNPACK
 * operators (with their packed copy of the weights) by tensor id for MatMul/Conv2D, assuming a
 * tensor's data never changes, so a weight updated in place would keep being multiplied with its
 * old packed values (a forecaster's head did exactly that). The moments are read by this optimizer
 * only (getWeights' callers copy them), and a moment buffer shared with another tensor (refCount >
 * 1) is first replaced by a private copy, so no other tensor sees a value change. On the cpu backend
 * the addon writes fresh arrays for all three, then assigned (the cpu backend hands out its live
 * arrays from dataSync(), which must keep their values as with tf.train.adam). On other backends,
 * when the addon or GRIDCAST_NATIVE_ADAM (read when the optimizer is made) says no, or for a
 * non-float32 variable, the same optimizer runs the TF.js ops instead (same state, same numbers).
 *
 * ```ts
 * import { createAdamOptimizer } from '../optimizers.js';
 * const opt = createAdamOptimizer(1e-3);   // NativeAdamOptimizer on cpu/wasm with the addon, else tf.train.adam
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeKernelError } from './errors.js';
import { heapBackend, tensorFromInfo, type HeapBackend } from './heap.js';
import { loadNativeAddon } from './loader.js';

/** The addon function this file uses (src/addon.cc). */
interface AdamAddon {
  /**
   * hyper = [β1, 1−β1, β2, 1−β2, 1−β1ᵗ, 1−β2ᵗ, ε, −lr] (float32); per variable i reads w[i], g[i],
   * m[i], v[i] and writes wOut[i], mOut[i], vOut[i] (which may be w[i], m[i], v[i]: in place).
   */
  adamUpdate(
    hyper: Float32Array, w: Float32Array[], g: Float32Array[], m: Float32Array[], v: Float32Array[],
    wOut: Float32Array[], mOut: Float32Array[], vOut: Float32Array[],
  ): void;
}

function adamAddon(): AdamAddon | null {
  const a = loadNativeAddon().addon as unknown as Partial<AdamAddon> | null;
  return a && typeof a.adamUpdate === 'function' ? (a as AdamAddon) : null;
}

/** False when GRIDCAST_NATIVE_ADAM is 0/off/false (A/B against tf.train.adam). */
function enabledByEnv(): boolean {
  const flag = (process.env.GRIDCAST_NATIVE_ADAM ?? '').toLowerCase();
  return !(flag === '0' || flag === 'off' || flag === 'false');
}

/**
 * True when the fused Adam can run now: the addon is loaded (and has adamUpdate),
 * GRIDCAST_NATIVE_ADAM is not 0/off/false, and the active backend is cpu or wasm.
 */
export function nativeAdamSupported(): boolean {
  return enabledByEnv() && fusedBackend();
}

/** The active backend is cpu or wasm and the addon has adamUpdate. */
function fusedBackend(): boolean {
  const b = tf.getBackend();
  return (b === 'cpu' || b === 'wasm') && adamAddon() !== null;
}

/** tfjs-core's NamedTensor (not exported from the package index). */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** A moment variable and the name it is saved under (tfjs-core's OptimizerVariable). */
interface MomentVariable {
  originalName: string;
  variable: tf.Variable;
}

/** The cpu backend's storage (tfjs-backend-cpu's MathBackendCPU.data), read-only here. */
interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } | undefined };
}

/** The variable's float32 values without a copy on cpu (read-only!), else a copy via dataSync. */
function cpuValues(t: tf.Tensor): Float32Array {
  const values = (tf.backend() as unknown as Partial<CpuBackend>).data?.get(t.dataId)?.values;
  return values instanceof Float32Array && values.length === t.size ? values : (t.dataSync() as Float32Array);
}

/** β^(n+1) as TF.js's Adam computes it while training: float32 products, one per step. */
export function adamBetaPower(beta: number, steps: number): number {
  const b = Math.fround(beta);
  let p = b;
  for (let i = 0; i < steps; i++) p = Math.fround(p * b);
  return p;
}

/** Adam with a fused native update (see the file comment); same state and numbers as tf.train.adam. */
export class NativeAdamOptimizer extends tf.Optimizer {
  /** TF.js's class name for Adam, so a serialised config reads as Adam. */
  static get className(): string {
    return 'Adam';
  }

  /**
   * tf.Optimizer answers `instanceof` by duck typing (any object with minimize/applyGradients), and
   * subclasses inherit that; restore the prototype-chain test so `x instanceof NativeAdamOptimizer`
   * means what it says.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, x);
  }

  /** Public and writable like tf.train.adam's (learning-rate schedules assign it between steps). */
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** β1ᵗ, β2ᵗ: float32 running products (TF.js's accBeta1/accBeta2 scalar variables). */
  private accBeta1: number;
  private accBeta2: number;
  private accumulatedFirstMoment: MomentVariable[] = [];
  private accumulatedSecondMoment: MomentVariable[] = [];
  private readonly hyper = new Float32Array(8);
  /** GRIDCAST_NATIVE_ADAM, read when the optimizer is made (an A/B switch, like createAdamOptimizer's). */
  private readonly fusedAllowed = enabledByEnv();

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) {
    super();
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    // TF.js: the backend's epsilon (1e-7 on float32 backends) unless given.
    this.epsilon = epsilon ?? tf.backend().epsilon();
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients);
    const names = list ? (variableGradients as NamedTensor[]).map((v) => v.name) : Object.keys(variableGradients);
    const registered = tf.engine().registeredVariables;
    const entries: { value: tf.Variable; grad: tf.Tensor; m: tf.Variable; v: tf.Variable }[] = [];
    names.forEach((name, i) => {
      const value = registered[name];
      if (!value) throw new NativeKernelError(`no registered variable named '${name}'`, { model: 'native Adam', field: 'variableGradients' });
      // Moments by position, created on first use for every listed variable (as TF.js does).
      if (this.accumulatedFirstMoment[i] == null) {
        this.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      if (this.accumulatedSecondMoment[i] == null) {
        this.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      const grad = list ? (variableGradients as NamedTensor[])[i]!.tensor : (variableGradients as tf.NamedTensorMap)[name];
      if (grad == null) return;
      entries.push({ value, grad, m: this.accumulatedFirstMoment[i]!.variable, v: this.accumulatedSecondMoment[i]!.variable });
    });
    // A variable listed twice is updated twice, one after the other, as TF.js does (the fused call
    // updates all at once, so it takes the ops path then; so do other dtypes and shape mismatches).
    const fused = this.fusedAllowed && fusedBackend() && new Set(entries.map((e) => e.value)).size === entries.length && entries.every((e) =>
      e.value.dtype === 'float32' && e.grad.dtype === 'float32' && tf.util.arraysEqual(e.grad.shape, e.value.shape) &&
      tf.util.arraysEqual(e.m.shape, e.value.shape) && tf.util.arraysEqual(e.v.shape, e.value.shape));
    if (fused) this.applyNative(entries);
    else this.applyComposite(entries);
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
    this.incrementIterations();
  }

  /** The float32 hyper-parameters of this step, rounded the way TF.js's scalar ops round them. */
  private hyperParams(): Float32Array {
    const h = this.hyper; // Float32Array stores round to float32, as Math.fround / tf.scalar do
    h[0] = this.beta1;
    h[1] = 1 - this.beta1; // TF.js: mul(gradient, 1 - this.beta1), the difference taken in float64
    h[2] = this.beta2;
    h[3] = 1 - this.beta2;
    h[4] = 1 - this.accBeta1; // sub(1, accBeta1): both float32, the difference rounded once
    h[5] = 1 - this.accBeta2;
    h[6] = this.epsilon;
    h[7] = -this.learningRate;
    return h;
  }

  private applyNative(entries: { value: tf.Variable; grad: tf.Tensor; m: tf.Variable; v: tf.Variable }[]): void {
    const addon = adamAddon()!;
    const hyper = this.hyperParams();
    const hb = heapBackend(entries.flatMap((e) => [e.value, e.m, e.v]));
    if (hb) {
      // Moments in place. A moment buffer shared with another tensor gets a private copy first.
      // New weights go to fresh heap buffers that are then assigned (see the file comment: the wasm
      // backend caches XNNPACK operators with packed weights by tensor id, so a weight must never
      // change under an id it has been used with). All allocations happen before any view is taken:
      // growing the heap detaches earlier views.
      for (const e of entries) {
        privatize(hb, e.m);
        privatize(hb, e.v);
      }
      const wOut = entries.map((e) => hb.makeOutput([...e.value.shape], 'float32'));
      // A gradient outside the heap (another backend's tensor) is read through a copy.
      const grads = entries.map((e) => (hb.dataIdMap.has(e.grad.dataId) ? null : (e.grad.dataSync() as Float32Array)));
      const w = entries.map((e) => hb.typedArrayFromHeap(e.value));
      const m = entries.map((e) => hb.typedArrayFromHeap(e.m));
      const v = entries.map((e) => hb.typedArrayFromHeap(e.v));
      const g = entries.map((e, i) => grads[i] ?? hb.typedArrayFromHeap(e.grad));
      addon.adamUpdate(hyper, w, g, m, v, wOut.map((info) => hb.typedArrayFromHeap(info)), m, v);
      entries.forEach((e, i) => {
        const t = tensorFromInfo(wOut[i]!);
        e.value.assign(t);
        t.dispose();
      });
      return;
    }
    // cpu: the backend's own arrays as inputs, fresh arrays as outputs, then assigned (wasm without
    // heap access, GRIDCAST_NATIVE_HEAP=0: copies in, copies out).
    const outs = entries.map((e) => [new Float32Array(e.value.size), new Float32Array(e.value.size), new Float32Array(e.value.size)] as const);
    addon.adamUpdate(
      hyper, entries.map((e) => cpuValues(e.value)), entries.map((e) => cpuValues(e.grad)), entries.map((e) => cpuValues(e.m)),
      entries.map((e) => cpuValues(e.v)), outs.map((o) => o[0]), outs.map((o) => o[1]), outs.map((o) => o[2]),
    );
    entries.forEach((e, i) => {
      const [w, m, v] = outs[i]!;
      assignArray(e.value, w);
      assignArray(e.m, m);
      assignArray(e.v, v);
    });
  }

  /** TF.js's AdamOptimizer.applyGradients, op for op, on this optimizer's state (any backend). */
  private applyComposite(entries: { value: tf.Variable; grad: tf.Tensor; m: tf.Variable; v: tf.Variable }[]): void {
    tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, tf.scalar(this.accBeta1));
      const oneMinusAccBeta2 = tf.sub(1, tf.scalar(this.accBeta2));
      for (const { value, grad, m, v } of entries) {
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(grad, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
        const mHat = tf.div(newM, oneMinusAccBeta1);
        const vHat = tf.div(newV, oneMinusAccBeta2);
        m.assign(newM);
        v.assign(newV);
        value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), value));
      }
    });
  }

  override dispose(): void {
    tf.dispose([...this.accumulatedFirstMoment, ...this.accumulatedSecondMoment].map((m) => m.variable));
    this.accumulatedFirstMoment = [];
    this.accumulatedSecondMoment = [];
    super.dispose();
  }

  /** TF.js Adam's layout: [iter, <var>/m…, <var>/v…]; the tensors stay owned by the optimizer except `iter`. */
  override async getWeights(): Promise<NamedTensor[]> {
    const moments = [...this.accumulatedFirstMoment, ...this.accumulatedSecondMoment];
    return [await this.saveIterations()].concat(moments.map((m) => ({ name: m.originalName, tensor: m.variable })));
  }

  /**
   * Restores [iter, m…, v…] (TF.js Adam's layout, from either optimizer). The values are copied (the
   * given tensors stay the caller's); β1ᵗ, β2ᵗ become the products training would have reached.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    if (rest.length % 2 !== 0) {
      throw new NativeKernelError(`${rest.length} moment tensors (expected first and second moments in pairs)`, { model: 'native Adam', field: 'weightValues' });
    }
    const copies = await Promise.all(rest.map(async (w) => {
      if (w.tensor.dtype !== 'float32') throw new NativeKernelError(`moment '${w.name}' has dtype ${w.tensor.dtype}`, { model: 'native Adam', field: w.name, expected: 'float32' });
      return { name: w.name, shape: [...w.tensor.shape], data: Float32Array.from(await w.tensor.data() as Float32Array) };
    }));
    const made = copies.map((c) => {
      const t = tf.tensor(c.data, c.shape, 'float32');
      const variable = t.variable(false);
      t.dispose();
      return { originalName: c.name, variable };
    });
    tf.dispose([...this.accumulatedFirstMoment, ...this.accumulatedSecondMoment].map((m) => m.variable));
    const half = made.length / 2;
    this.accumulatedFirstMoment = made.slice(0, half);
    this.accumulatedSecondMoment = made.slice(half);
    this.accBeta1 = adamBetaPower(this.beta1, this.iterations);
    this.accBeta2 = adamBetaPower(this.beta2, this.iterations);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config.learningRate, config.beta1, config.beta2, config.epsilon);
  }
}

/**
 * Gives `t` (a variable in the wasm heap) a buffer no other tensor shares, copying its values, so
 * an in-place update changes this variable only.
 */
function privatize(hb: HeapBackend, t: tf.Variable): void {
  if (hb.refCount(t.dataId) === 1) return;
  const info = hb.makeOutput([...t.shape], 'float32');
  hb.typedArrayFromHeap(info).set(hb.typedArrayFromHeap(t));
  const copy = tensorFromInfo(info);
  t.assign(copy);
  copy.dispose();
}

/** Makes `data` (a fresh array the caller gives up) the value of `v` (cpu backend: no copy). */
function assignArray(v: tf.Variable, data: Float32Array): void {
  const t = tf.tensor(data, v.shape, 'float32');
  v.assign(t);
  t.dispose();
}
