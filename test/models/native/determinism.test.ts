/**
 * Results must not depend on the thread count (embedded and distributed runs stay identical):
 * outputs and all five gradients bit for bit with 1, 2 and 3 threads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIVE_SERIAL_BELOW_DEFAULT, runNativeConvLstm, setNativeSerialBelow, setNativeThreads } from '../../../models/native/convlstm-native.js';
import { type Case, makeInputs, valuesAndGrads } from './reference.js';
import { skipReason, useCpu } from './setup.js';

describe.skipIf(skipReason !== '')('native ConvLSTM determinism', () => {
  beforeAll(async () => {
    await useCpu();
    // This layer is small enough to run single-threaded by default; make it use the pool.
    setNativeSerialBelow(0);
  });
  afterAll(() => {
    setNativeThreads(0);
    setNativeSerialBelow(NATIVE_SERIAL_BELOW_DEFAULT);
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

  it('runs a small layer on the calling thread with the same bits as on the pool', () => {
    const c: Case = { B: 2, T: 3, Cin: 3, H: 9, W: 13, hid: 20, kh: 3, kw: 3, bias: true };
    const inputs = makeInputs(c, 77);
    expect(setNativeThreads(2)).toBe(2);
    const results = [0, 1e12].map((below) => {
      expect(setNativeSerialBelow(below)).toBe(below);
      return valuesAndGrads(runNativeConvLstm, inputs, 5);
    });
    setNativeSerialBelow(0);
    results[1]!.values.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(results[0]!.values[i]!.buffer))).toBe(true));
    results[1]!.grads.forEach((g, i) => expect(Buffer.from(g.buffer).equals(Buffer.from(results[0]!.grads[i]!.buffer))).toBe(true));
    expect(() => setNativeSerialBelow(-1)).toThrow(/serial threshold/);
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
  });
});
