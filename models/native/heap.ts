/**
 * The wasm backend's heap access (tfjs-backend-wasm's BackendWasm), shared by the native ops that
 * read and write tensors where the wasm backend keeps them (zero-copy). Growing the heap (any
 * allocation: makeOutput, a new tensor) detaches views taken before, so callers allocate first and
 * take views last, and never keep a view past the call.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  dataIdMap: { has(dataId: object): boolean };
  refCount(dataId: object): number;
}

/**
 * The active backend when it is wasm with heap access (and GRIDCAST_NATIVE_HEAP is not 0), and
 * every given tensor is float32 and lives in its heap; otherwise null (copy in/out instead).
 */
export function heapBackend(tensors: readonly tf.Tensor[] = []): HeapBackend | null {
  if (process.env.GRIDCAST_NATIVE_HEAP === '0' || tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function' || !b.dataIdMap || typeof b.refCount !== 'function') return null;
  const hb = b as HeapBackend;
  return tensors.every((t) => t.dtype === 'float32' && hb.dataIdMap.has(t.dataId)) ? hb : null;
}

/** A tensor owning the backend buffer `info` (e.g. one from makeOutput): the engine's own wrapper. */
export function tensorFromInfo(info: tf.TensorInfo): tf.Tensor {
  return (tf.engine() as unknown as { makeTensorFromTensorInfo(i: tf.TensorInfo): tf.Tensor }).makeTensorFromTensorInfo(info);
}
