/**
 * Gradient functions for the kernels our models differentiate through.
 *
 * Why this file exists: in Node, `@tensorflow/tfjs-core` resolves to its CommonJS bundle, which
 * registers no gradients at all (they ship only as extension-less ESM files that Node cannot load;
 * the `@tensorflow/tfjs` umbrella package bundles them, and we do not depend on it). These are
 * ports of tfjs-core's own gradient configs (Apache-2.0, src/gradients/*_grad.ts), restricted to the
 * kernels our models use. Each is registered only when no gradient for that kernel exists yet, so
 * loading the umbrella package (or tfjs-node) alongside keeps its own.
 */
import * as tf from '@tensorflow/tfjs-core';

type Saved = tf.Tensor[];
type Attrs = Record<string, unknown>;

/** Axes of `outShape` that were broadcast from `inShape` (tfjs broadcast_util.getReductionAxes). */
function reductionAxes(inShape: number[], outShape: number[]): number[] {
  const axes: number[] = [];
  for (let i = 0; i < outShape.length; i++) {
    const inDim = inShape[inShape.length - 1 - i];
    const outAxis = outShape.length - 1 - i;
    if (inDim === undefined || (inDim === 1 && outShape[outAxis]! > 1)) axes.unshift(outAxis);
  }
  return axes;
}

function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = reductionAxes(shape, g.shape);
  return tf.reshape(axes.length ? tf.sum(g, axes) : g, shape);
}

/** Multi-output kernels get dy as a list, except when they have a single output. */
function asList(dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(dy) ? dy : [dy];
}

function normAxes(axis: unknown, rank: number): number[] {
  const list = axis === undefined || axis === null ? [...Array(rank).keys()] : Array.isArray(axis) ? axis : [axis];
  return (list as number[]).map((a) => (a < 0 ? a + rank : a));
}

const configs: tf.GradConfig[] = [
  { kernelName: 'Add', inputsToSave: ['a', 'b'], gradFunc: (dy, s) => ({ a: () => unbroadcast(dy as tf.Tensor, (s as Saved)[0]!.shape), b: () => unbroadcast(dy as tf.Tensor, (s as Saved)[1]!.shape) }) },
  { kernelName: 'Sub', inputsToSave: ['a', 'b'], gradFunc: (dy, s) => ({ a: () => unbroadcast(dy as tf.Tensor, (s as Saved)[0]!.shape), b: () => tf.neg(unbroadcast(dy as tf.Tensor, (s as Saved)[1]!.shape)) }) },
  {
    kernelName: 'Multiply', inputsToSave: ['a', 'b'], gradFunc: (dy, s) => {
      const [a, b] = s as Saved;
      return { a: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(b!, 'float32')), a!.shape), b: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(a!, 'float32')), b!.shape) };
    },
  },
  {
    kernelName: 'RealDiv', inputsToSave: ['a', 'b'], gradFunc: (dy, s) => {
      const [a, b] = s as Saved;
      return {
        a: () => unbroadcast(tf.div(dy as tf.Tensor, b!), a!.shape),
        b: () => unbroadcast(tf.neg(tf.div(tf.mul(dy as tf.Tensor, a!), tf.square(b!))), b!.shape),
      };
    },
  },
  {
    kernelName: 'AddN', saveAllInputs: true, gradFunc: (dy, s) => {
      const out: Record<string, () => tf.Tensor> = {};
      (s as Saved).forEach((_t, i) => { out[i] = () => (dy as tf.Tensor).clone(); });
      return out;
    },
  },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) },
  { kernelName: 'Square', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul((s as Saved)[0]!, 2)) }) },
  { kernelName: 'Sqrt', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.div(dy as tf.Tensor, tf.mul(tf.sqrt((s as Saved)[0]!), 2)) }) },
  { kernelName: 'Abs', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, tf.sign((s as Saved)[0]!)) }) },
  { kernelName: 'Exp', outputsToSave: [true], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, (s as Saved)[0]!) }) },
  { kernelName: 'Sigmoid', outputsToSave: [true], gradFunc: (dy, s) => { const y = (s as Saved)[0]!; return { x: () => tf.mul(dy as tf.Tensor, tf.mul(y, tf.sub(1, y))) }; } },
  { kernelName: 'Tanh', outputsToSave: [true], gradFunc: (dy, s) => { const y = (s as Saved)[0]!; return { x: () => tf.mul(tf.sub(1, tf.square(y)), dy as tf.Tensor) }; } },
  { kernelName: 'Relu', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.mul(dy as tf.Tensor, tf.step((s as Saved)[0]!)) }) },
  {
    kernelName: 'Softmax', outputsToSave: [true], gradFunc: (dy, s, attrs) => {
      const y = (s as Saved)[0]!;
      const dim = (attrs as Attrs).dim as number;
      const dyY = tf.mul(dy as tf.Tensor, y);
      return { logits: () => tf.sub(dyY, tf.mul(tf.sum(dyY, [dim], true), y)) };
    },
  },
  {
    kernelName: 'Sum', inputsToSave: ['x'], gradFunc: (dy, s, attrs) => {
      const x = (s as Saved)[0]!;
      const shape = x.shape.slice();
      normAxes((attrs as Attrs).axis, x.rank).forEach((a) => { shape[a] = 1; });
      return { x: () => tf.mul(tf.reshape(dy as tf.Tensor, shape), tf.ones(x.shape)) };
    },
  },
  {
    kernelName: 'Mean', inputsToSave: ['x'], gradFunc: (dy, s, attrs) => {
      const x = (s as Saved)[0]!;
      const shape = x.shape.slice();
      const axes = normAxes((attrs as Attrs).axis, x.rank);
      let n = 1;
      axes.forEach((a) => { n *= x.shape[a]!; shape[a] = 1; });
      return { x: () => tf.div(tf.mul(tf.reshape(dy as tf.Tensor, shape), tf.ones(x.shape)), n) };
    },
  },
  { kernelName: 'Reshape', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.reshape(dy as tf.Tensor, (s as Saved)[0]!.shape) }) },
  { kernelName: 'ExpandDims', inputsToSave: ['input'], gradFunc: (dy, s) => ({ input: () => tf.reshape(dy as tf.Tensor, (s as Saved)[0]!.shape) }) },
  { kernelName: 'Log', inputsToSave: ['x'], gradFunc: (dy, s) => ({ x: () => tf.div(dy as tf.Tensor, (s as Saved)[0]!) }) },
  {
    kernelName: 'ClipByValue', inputsToSave: ['x'], gradFunc: (dy, s, attrs) => {
      const x = (s as Saved)[0]!;
      const { clipValueMin: lo, clipValueMax: hi } = attrs as { clipValueMin: number; clipValueMax: number };
      return { x: () => tf.where(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)), dy as tf.Tensor, tf.zerosLike(dy as tf.Tensor)) };
    },
  },
  {
    kernelName: 'Maximum', inputsToSave: ['a', 'b'], gradFunc: (dy, s) => {
      const [a, b] = s as Saved;
      return { a: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(tf.greaterEqual(a!, b!), 'float32')), a!.shape), b: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(tf.less(a!, b!), 'float32')), b!.shape) };
    },
  },
  {
    kernelName: 'Minimum', inputsToSave: ['a', 'b'], gradFunc: (dy, s) => {
      const [a, b] = s as Saved;
      return { a: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(tf.lessEqual(a!, b!), 'float32')), a!.shape), b: () => unbroadcast(tf.mul(dy as tf.Tensor, tf.cast(tf.greater(a!, b!), 'float32')), b!.shape) };
    },
  },
  { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => (dy as tf.Tensor).clone() }) },
  { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => tf.cast(dy as tf.Tensor, 'float32') }) },
  {
    kernelName: 'Transpose', gradFunc: (dy, _s, attrs) => {
      const perm = (attrs as Attrs).perm as number[];
      const undo = perm.map((_p, i) => perm.indexOf(i));
      return { x: () => tf.transpose(dy as tf.Tensor, undo) };
    },
  },
  {
    kernelName: 'Slice', inputsToSave: ['x'], gradFunc: (dy, s, attrs) => {
      const x = (s as Saved)[0]!;
      const { begin, size } = attrs as { begin: number | number[]; size: number | number[] };
      const b = Array.isArray(begin) ? begin : [begin];
      const sz = Array.isArray(size) ? size : [size];
      const paddings = x.shape.map((d, i) => {
        const bi = b[i] ?? 0;
        const si = sz[i] === undefined || sz[i] === -1 ? d - bi : sz[i]!;
        return [bi, d - bi - si] as [number, number];
      });
      return { x: () => tf.pad(dy as tf.Tensor, paddings) };
    },
  },
  {
    kernelName: 'PadV2', inputsToSave: ['x'], gradFunc: (dy, s, attrs) => {
      const x = (s as Saved)[0]!;
      const paddings = (attrs as Attrs).paddings as [number, number][];
      return { x: () => tf.slice(dy as tf.Tensor, paddings.map((p) => p[0]), x.shape) };
    },
  },
  {
    kernelName: 'Concat', saveAllInputs: true, gradFunc: (dy, s, attrs) => {
      const saved = s as Saved;
      const axis = normAxes((attrs as Attrs).axis, saved[0]!.rank)[0]!;
      const parts = tf.split(dy as tf.Tensor, saved.map((t) => t.shape[axis]!), axis);
      return parts.map((t) => () => t) as unknown as Record<string, () => tf.Tensor>;
    },
  },
  { kernelName: 'SplitV', gradFunc: (dy, _s, attrs) => ({ x: () => tf.concat(asList(dy), (attrs as Attrs).axis as number) }) },
  {
    kernelName: 'Pack', saveAllInputs: true, gradFunc: (dy, _s, attrs) =>
      tf.unstack(dy as tf.Tensor, (attrs as Attrs).axis as number).map((t) => () => t) as unknown as Record<string, () => tf.Tensor>,
  },
  { kernelName: 'Unpack', gradFunc: (dy, _s, attrs) => ({ value: () => tf.stack(asList(dy), (attrs as Attrs).axis as number) }) },
  { kernelName: 'Reverse', gradFunc: (dy, _s, attrs) => ({ x: () => tf.reverse(dy as tf.Tensor, (attrs as Attrs).dims as number[]) }) },
  {
    kernelName: 'Tile', inputsToSave: ['x'], gradFunc: (dy, s, attrs) => {
      const x = (s as Saved)[0]!;
      const reps = (attrs as Attrs).reps as number[];
      // Sum the dy over every repetition: reshape [r0, d0, r1, d1, ...] and reduce the r axes.
      const shape: number[] = [];
      x.shape.forEach((d, i) => shape.push(reps[i]!, d));
      const axes = x.shape.map((_d, i) => 2 * i);
      return { x: () => tf.reshape(tf.sum(tf.reshape(dy as tf.Tensor, shape), axes), x.shape) };
    },
  },
  {
    kernelName: 'Select', inputsToSave: ['condition'], gradFunc: (dy, s) => {
      const cond = (s as Saved)[0]!;
      return {
        condition: () => tf.cast(tf.zerosLike(cond), 'float32'),
        t: () => tf.mul(dy as tf.Tensor, tf.cast(cond, 'float32')),
        e: () => tf.mul(dy as tf.Tensor, tf.cast(tf.logicalNot(cond), 'float32')),
      };
    },
  },
  {
    kernelName: 'BatchMatMul', inputsToSave: ['a', 'b'], gradFunc: (dy, s, attrs) => {
      const [a, b] = s as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      const { transposeA: tA, transposeB: tB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (!tA && !tB) return { a: () => tf.matMul(g, b, false, true), b: () => tf.matMul(a, g, true, false) };
      if (!tA && tB) return { a: () => tf.matMul(g, b, false, false), b: () => tf.matMul(g, a, true, false) };
      if (tA && !tB) return { a: () => tf.matMul(b, g, false, true), b: () => tf.matMul(a, g, false, false) };
      return { a: () => tf.matMul(b, g, true, true), b: () => tf.matMul(g, a, true, true) };
    },
  },
  {
    kernelName: 'Conv2D', inputsToSave: ['x', 'filter'], gradFunc: (dy, s, attrs) => {
      const [x, filter] = s as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat } = attrs as { strides: [number, number] | number; pad: 'same' | 'valid' | number; dataFormat: 'NHWC' | 'NCHW' };
      return {
        x: () => tf.conv2dTranspose(dy as tf.Tensor4D, filter, x.shape, strides, pad as 'same'),
        filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dy as tf.Tensor }, { strides, pad, dataFormat, dimRoundingMode: undefined, filterShape: filter.shape } as never) as tf.Tensor,
      };
    },
  },
];

/** Comparisons and logical ops: piecewise constant, zero gradient (tfjs has none; a path through a where condition needs one). */
const zeroGradOf = (names: string[], inputs: string[]): tf.GradConfig[] => names.map((kernelName) => ({
  kernelName,
  inputsToSave: inputs,
  gradFunc: (_dy, s) => Object.fromEntries(inputs.map((name, i) => [name, () => tf.zerosLike((s as Saved)[i]!)])),
}));
configs.push(
  ...zeroGradOf(['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr'], ['a', 'b']),
  ...zeroGradOf(['IsNan', 'LogicalNot', 'Step', 'Sign'], ['x']),
);

let done = false;
/** Registers the gradients above where none is registered yet (idempotent, cheap). */
export function registerModelGradients(): void {
  if (done) return;
  for (const c of configs) if (!tf.getGradient(c.kernelName)) tf.registerGradient(c);
  done = true;
}
