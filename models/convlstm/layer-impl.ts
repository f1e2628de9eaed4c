/**
 * The seam between the ConvLSTM model and the code that runs one layer over a whole sequence.
 * The composite TensorFlow.js implementation works on every backend; a fused native
 * implementation (N-API addon, see models/native/) registers itself here when it loads, and models,
 * optimisers and training loops do not change.
 *
 * Contract of `run` (all tensors float32):
 *  - x:      [B, T, Cin, H, W]                (batch first, channels first: the seed's layout)
 *  - kernel: [kh, kw, Cin + hidden, 4*hidden] (TensorFlow.js HWIO; input channels first, then
 *            hidden channels; output channels in the seed's gate order i, f, o, g)
 *  - bias:   [4*hidden] or null
 *  - h0, c0: [B, hidden, H, W]
 *  Returns outputs [B, T, hidden, H, W] (h_t for every t) and the last h, c ([B, hidden, H, W]).
 *  "Same" zero padding (kh//2, kw//2); kh, kw odd. Gates: i,f,o = sigmoid, g = tanh,
 *  c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t).
 *  Must be differentiable with respect to x, kernel, bias, h0 and c0 through tf.grads/optimisers.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';

export interface ConvLstmLayerResult {
  outputs: tf.Tensor5D;
  h: tf.Tensor4D;
  c: tf.Tensor4D;
}

export interface ConvLstmLayerImpl {
  /** 'composite' (TensorFlow.js ops) or 'native' (fused kernels). */
  readonly name: string;
  /** True when this implementation can run on the currently active TensorFlow.js backend. */
  supports(backendName: string): boolean;
  run(
    x: tf.Tensor5D,
    kernel: tf.Tensor4D,
    bias: tf.Tensor1D | null,
    h0: tf.Tensor4D,
    c0: tf.Tensor4D,
  ): ConvLstmLayerResult;
}

const impls = new Map<string, ConvLstmLayerImpl>();
let preferred: string | null = null;

/** Adds (or replaces) an implementation. */
export function registerConvLstmImpl(impl: ConvLstmLayerImpl): void {
  impls.set(impl.name, impl);
}

/** Forces one implementation by name ('composite' | 'native'), or null for automatic choice. */
export function preferConvLstmImpl(name: string | null): void {
  preferred = name;
}

/** Names of the registered implementations. */
export function convLstmImplNames(): string[] {
  return [...impls.keys()];
}

/**
 * The implementation to use on `backendName`: the preferred one if set and supported, else
 * 'native' when registered and supported, else 'composite'.
 */
export function selectConvLstmImpl(backendName: string): ConvLstmLayerImpl {
  const order = [preferred, 'native', 'composite'].filter((n): n is string => n !== null);
  for (const name of order) {
    const impl = impls.get(name);
    if (impl && impl.supports(backendName)) return impl;
  }
  throw new BackendError(`no ConvLSTM layer implementation registered for backend '${backendName}'`, {
    expected: `one of ${convLstmImplNames().join(', ') || '(none registered)'} supporting it`,
  });
}
