/**
 * On wasm, Identity (tf.clone, and the engine's copies of the tensors a custom op saves for its
 * gradient) shares the input's heap buffer instead of copying it (models/wasm-kernels.ts): same
 * values, either tensor can be disposed first, no leaked tensors or buffers, strings unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../models/backend.js';
import { preferConvLstmImpl } from '../../models/convlstm/layer-impl.js';

interface Wasm { getMemoryOffset(dataId: object): number; numDataIds(): number }

describe('wasm Identity', () => {
  afterAll(async () => {
    preferConvLstmImpl(null);
    await tf.setBackend('cpu');
  });

  it('shares the buffer, keeps values, frees it with the last reference', async () => {
    const sel = await selectBackend('wasm', { log: () => {} });
    expect(sel.backend).toBe('wasm');
    const b = tf.backend() as unknown as Wasm;
    const before = { tensors: tf.memory().numTensors, ids: b.numDataIds() };
    const x = tf.tensor([1.5, -2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(b.getMemoryOffset(y.dataId)).toBe(b.getMemoryOffset(x.dataId));
    expect(b.numDataIds()).toBe(before.ids + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3, 4]);
    const z = tf.add(y, 1); // a kernel reads it after the original is gone
    expect(Array.from(z.dataSync())).toEqual([2.5, -1, 4, 5]);
    tf.dispose([y, z]);
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(b.numDataIds()).toBe(before.ids);
    const s = tf.tensor(['a', 'bc']);
    const sc = tf.clone(s);
    expect(sc.dataSync()).toEqual(['a', 'bc']);
    tf.dispose([s, sc]);
  });

  it('gradients through tensors saved by custom ops are unchanged (no leaks)', async () => {
    await selectBackend('wasm', { log: () => {} });
    const x = tf.tensor([0.5, -1, 2, 3]);
    const before = tf.memory().numTensors;
    const f = tf.customGrad(((a: tf.Tensor, save: (t: tf.Tensor[]) => void) => {
      save([a]);
      return { value: tf.square(a), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.mul(saved[0]!, 2)) };
    }) as never);
    const { value, grad } = tf.valueAndGrad(f as (a: tf.Tensor) => tf.Tensor)(x);
    expect(Array.from(value.dataSync())).toEqual([0.25, 1, 4, 9]);
    expect(Array.from(grad.dataSync())).toEqual([1, -2, 4, 6]);
    tf.dispose([value, grad]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
