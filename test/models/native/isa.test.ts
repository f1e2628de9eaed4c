/**
 * Every instruction-set variant this CPU can run (AVX-512, AVX2, portable) agrees with the portable
 * one to 1e-5, forward and gradients; forcing an unavailable or unknown one is a named error.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeKernelError } from '../../../models/native/errors.js';
import { nativeAvailable, nativeIsas, runNativeConvLstm, setNativeIsa } from '../../../models/native/convlstm-native.js';
import { type Case, makeInputs, maxAbsDiff, relativeError, valuesAndGrads } from './reference.js';
import { skipReason, useCpu } from './setup.js';

const cases: Case[] = [
  { B: 2, T: 3, Cin: 3, H: 5, W: 7, hid: 13, kh: 3, kw: 5, bias: true },
  { B: 1, T: 2, Cin: 5, H: 6, W: 4, hid: 37, kh: 5, kw: 3, bias: false },
];

describe.skipIf(skipReason !== '')('native ConvLSTM instruction sets', () => {
  beforeAll(useCpu);
  afterAll(() => {
    setNativeIsa('auto');
  });

  it('lists the portable variant and picks the fastest by default', () => {
    const isas = nativeIsas();
    expect(isas).toContain('portable');
    expect(nativeAvailable().isa).toBe(isas[0]);
  });

  it.each(cases.map((c) => [`hidden ${c.hid}, ${c.kh}x${c.kw}`, c] as const))('agree to 1e-5: %s', (_n, c) => {
    const inputs = makeInputs(c, 99 + c.hid);
    setNativeIsa('portable');
    const base = valuesAndGrads(runNativeConvLstm, inputs, 3);
    for (const isa of nativeIsas().filter((i) => i !== 'portable')) {
      expect(setNativeIsa(isa)).toBe(isa);
      const r = valuesAndGrads(runNativeConvLstm, inputs, 3);
      r.values.forEach((v, i) => expect(maxAbsDiff(v, base.values[i]!), `${isa} value ${i}`).toBeLessThan(1e-5));
      r.grads.forEach((g, i) => expect(relativeError(g, base.grads[i]!), `${isa} grad ${i}`).toBeLessThan(1e-5));
    }
    setNativeIsa('auto');
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
  });

  it('rejects an unknown instruction set with a named error', () => {
    expect(() => setNativeIsa('sse9')).toThrow(NativeKernelError);
    expect(() => setNativeIsa('sse9')).toThrow(/not available/);
  });
});
