/**
 * A faster Conv2DBackpropFilter for the pure-JS cpu backend: tfjs-backend-cpu 4.22's kernel loops
 * over every (filter tap, output pixel) pair with index arithmetic and took 14.5 s of a 14.5 s
 * training step at the seed's tiny shape. Ours is the same im2col + GEMM as the wasm one (see
 * wasm-kernels.ts), with the cpu backend's BatchMatMul. Checked against the original in
 * test/models/backend.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterWith } from './wasm-kernels.js';

interface CpuBackendLike {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  data: { get(dataId: unknown): { values?: unknown } };
  disposeIntermediateTensorInfo(t: tf.TensorInfo): void;
}

let replaced = false;
/** Replaces the cpu backend's Conv2DBackpropFilter (once; only when the cpu backend's kernel is registered). */
export function registerCpuTrainingKernels(): boolean {
  if (replaced) return false;
  const existing = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  if (!existing) return false;
  replaced = true;
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'cpu',
    kernelFunc: conv2DBackpropFilterWith('cpu', (b) => {
      const cpu = b as CpuBackendLike;
      return {
        alloc: (shape) => cpu.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((x, y) => x * y, 1))),
        view: (t) => cpu.data.get(t.dataId).values as Float32Array,
        free: (t) => cpu.disposeIntermediateTensorInfo(t),
      };
    }) as unknown as tf.KernelFunc,
  });
  return true;
}
