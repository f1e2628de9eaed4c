/**
 * Results must not depend on the thread count (embedded and distributed runs stay identical):
 * outputs and all five gradients bit for bit with 1, 2 and 3 threads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNativeConvLstm, setNativeThreads } from '../../../models/native/convlstm-native.js';
import { type Case, makeInputs, valuesAndGrads } from './reference.js';
import { skipReason, useCpu } from './setup.js';

describe.skipIf(skipReason !== '')('native ConvLSTM determinism', () => {
  beforeAll(useCpu);
  afterAll(() => {
    setNativeThreads(0);
  });

  it('gives bit-identical outputs and gradients for 1, 2 and 3 threads', () => {
    const c: Case = { B: 2, T: 3, Cin: 3, H: 9, W: 13, hid: 20, kh: 3, kw: 3, bias: true };
    const inputs = makeInputs(c, 4242);
    const results = [1, 2, 3].map((n) => {
      expect(setNativeThreads(n)).toBe(n);
      return valuesAndGrads(runNativeConvLstm, inputs, 5);
    });
    for (const other of results.slice(1)) {
      other.values.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(results[0]!.values[i]!.buffer))).toBe(true));
      other.grads.forEach((g, i) => expect(Buffer.from(g.buffer).equals(Buffer.from(results[0]!.grads[i]!.buffer))).toBe(true));
    }
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
  });
});
