/**
 * Results must not depend on the thread count (embedded and distributed runs stay identical):
 * outputs and all five gradients bit for bit with 1, 2 and 3 threads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SERIAL_BELOW_DEFAULT, nativeAutoMaxMacs, nativeSerialChoices, runNativeConvLstm, setNativeSerialBelow,
  setNativeThreads,
} from '../../../models/native/convlstm-native.js';
import { loadNativeAddon } from '../../../models/native/loader.js';
import { type Case, makeInputs, sameResults, valuesAndGrads } from './reference.js';
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
    for (const other of results.slice(1)) expect(sameResults(other, results[0]!)).toBe(true);
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
    expect(sameResults(results[1]!, results[0]!)).toBe(true);
    expect(() => setNativeSerialBelow(-1)).toThrow(/serial threshold/);
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
  });

  it('auto mode times a small call shape both ways, then keeps one; the bits never change', () => {
    const c: Case = { B: 1, T: 2, Cin: 2, H: 7, W: 5, hid: 6, kh: 3, kw: 1, bias: false };
    const inputs = makeInputs(c, 91);
    expect(setNativeThreads(2)).toBe(2);
    expect(setNativeSerialBelow('auto')).toBe('auto');
    const dims = [1, 2, 2, 7, 5, 6, 3, 1, 0];
    const mine = () => nativeSerialChoices().filter((e) => e.dims.join() === dims.join());
    expect(mine()).toEqual([]);
    // Each round: one inference call, one forward with gradients recorded, one backward.
    const results = Array.from({ length: 7 }, () => valuesAndGrads(runNativeConvLstm, inputs, 5));
    for (const other of results.slice(1)) expect(sameResults(other, results[0]!)).toBe(true);
    const choices = mine();
    expect(choices.map((e) => e.kind).sort()).toEqual(['backward', 'forward', 'inference']);
    for (const e of choices) {
      expect(e.threads).toBe(2);
      expect(typeof e.serial).toBe('boolean');
      expect(e.poolMs).toBeGreaterThan(0);
      expect(e.serialMs).toBeGreaterThan(0);
      expect(e.serial).toBe(e.serialMs! < e.poolMs!);
    }
    // A call shape at or above the threshold the addon reports always runs on the pool, untimed.
    const big: Case = { B: 1, T: 1, Cin: 32, H: 32, W: 32, hid: 32, kh: 3, kw: 3, bias: true };
    expect(big.B * big.H * big.W * big.kh * big.kw * (big.Cin + big.hid) * 4 * big.hid).toBeGreaterThanOrEqual(nativeAutoMaxMacs());
    const bigInputs = makeInputs(big, 5);
    valuesAndGrads(runNativeConvLstm, bigInputs, 5);
    expect(nativeSerialChoices().filter((e) => e.dims.join() === [1, 1, 32, 32, 32, 32, 3, 3, 1].join())).toEqual([]);
    tf.dispose(Object.values(bigInputs).filter((t): t is tf.Tensor => t !== null));
    // A fixed threshold replaces auto mode; going back to auto starts the timings over.
    expect(setNativeSerialBelow(0)).toBe(0);
    valuesAndGrads(runNativeConvLstm, inputs, 5);
    expect(mine()).toHaveLength(3);
    expect(setNativeSerialBelow('auto')).toBe('auto');
    expect(mine()).toEqual([]);
    setNativeSerialBelow(0);
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
  });

  it('survives many back-to-back short parallel regions (no lost wake-up)', () => {
    // A regression guard for the pool's completion hand-off: the caller once slept forever with
    // every item done (a store-load race between the caller and the worker that finished the last
    // item; pool.cc). Races are probabilistic, so this cannot prove their absence: it runs 20000
    // three-item regions (the fused loss over three 32768-element chunks) on two threads and
    // checks every result; a hang fails it by the test timeout.
    const addon = loadNativeAddon().addon as unknown as { maskedLoss(p: Float32Array, t: Float32Array, mae: boolean): [number, number] };
    expect(setNativeThreads(2)).toBe(2);
    const n = 3 * 32768;
    const pred = new Float32Array(n).map((_, i) => Math.sin(i));
    const target = new Float32Array(n).map((_, i) => (i % 7 === 0 ? NaN : Math.cos(i)));
    const first = addon.maskedLoss(pred, target, false);
    let same = 0;
    for (let i = 0; i < 20000; i++) {
      const r = addon.maskedLoss(pred, target, false);
      if (r[0] === first[0] && r[1] === first[1]) same++;
    }
    expect(same).toBe(20000);
  }, 60_000);
});

