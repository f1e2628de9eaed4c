/**
 * 3x3 kernels run by Winograd F(2x2, 3x3) by default (models/native/src/winograd.inc) and by the
 * direct implicit GEMM when it is switched off. Both against the composite TensorFlow.js reference
 * (outputs 1e-5, gradients 1e-4 relative) and against each other, on shapes that exercise the
 * tiling's edges: odd H and W (partial 2x2 tiles), grids smaller than a tile, channel counts that
 * are not multiples of the vector width, tile rows longer than one register tile, rows wider than
 * one work item's chunk of tiles, B=1, T=1.
 * Also: bit-identical for 1, 2 and 3 threads on both paths, the switch (function and env).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_SERIAL_BELOW_DEFAULT, nativeWinograd, runNativeConvLstm, setNativeSerialBelow, setNativeThreads,
  setNativeWinograd,
} from '../../../models/native/convlstm-native.js';
import { NativeKernelError } from '../../../models/native/errors.js';
import { repoRoot } from '../../helpers.js';
import {
  type Case, makeInputs, maxAbsDiff, referenceLayer, relativeError, sameResults, valuesAndGrads,
} from './reference.js';
import { skipReason, useCpu } from './setup.js';

const cases: Array<[string, Case]> = [
  ['odd H and W (partial tiles on both edges)', { B: 2, T: 3, Cin: 3, H: 7, W: 5, hid: 6, kh: 3, kw: 3, bias: true }],
  ['1x1 grid', { B: 2, T: 2, Cin: 2, H: 1, W: 1, hid: 5, kh: 3, kw: 3, bias: true }],
  ['2x3 grid, B=1, T=1, no bias', { B: 1, T: 1, Cin: 4, H: 2, W: 3, hid: 9, kh: 3, kw: 3, bias: false }],
  ['hidden 17, 20 channels (padded columns and lanes)', { B: 1, T: 3, Cin: 3, H: 6, W: 6, hid: 17, kh: 3, kw: 3, bias: true }],
  ['73 channels, hidden 33 (several column tiles, a padded last one)', { B: 1, T: 2, Cin: 40, H: 5, W: 4, hid: 33, kh: 3, kw: 3, bias: true }],
  ['W=33: 17 tiles per row (more than one register tile), H=3', { B: 2, T: 2, Cin: 2, H: 3, W: 33, hid: 8, kh: 3, kw: 3, bias: true }],
  ['W=131: rows of 66 tiles split into chunks of 32, 32 and 2 (the last one partial)', { B: 1, T: 2, Cin: 3, H: 5, W: 131, hid: 6, kh: 3, kw: 3, bias: true }],
  ['hidden 32, 12x12 (even: no partial tiles)', { B: 2, T: 3, Cin: 4, H: 12, W: 12, hid: 32, kh: 3, kw: 3, bias: true }],
];

function layerResults(on: boolean, c: Case, seed: number) {
  expect(setNativeWinograd(on)).toBe(on);
  const inputs = makeInputs(c, seed);
  const r = valuesAndGrads(runNativeConvLstm, inputs, 31);
  tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
  return r;
}

describe.skipIf(skipReason !== '')('native ConvLSTM: Winograd F(2x2, 3x3) and the direct path', () => {
  beforeAll(useCpu);
  afterAll(() => {
    setNativeWinograd(true);
    setNativeThreads(0);
    setNativeSerialBelow(NATIVE_SERIAL_BELOW_DEFAULT);
  });

  it('is on by default', () => {
    expect(nativeWinograd()).toBe(true);
  });

  it.each(cases)('both paths match the composite layer and each other: %s', (_name, c) => {
    const seed = 500 + c.hid * 3 + c.W;
    const inputs = makeInputs(c, seed);
    const ref = valuesAndGrads(referenceLayer, inputs, 31);
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
    const wino = layerResults(true, c, seed);
    const direct = layerResults(false, c, seed);
    const gradNames = c.bias ? ['x', 'kernel', 'h0', 'c0', 'bias'] : ['x', 'kernel', 'h0', 'c0'];
    for (const [name, ours] of [['winograd', wino], ['direct', direct]] as const) {
      ref.values.forEach((v, i) => expect(maxAbsDiff(ours.values[i]!, v), `${name} value ${i}`).toBeLessThan(1e-5));
      ref.grads.forEach((g, i) => expect(relativeError(ours.grads[i]!, g), `${name} d${gradNames[i]}`).toBeLessThan(1e-4));
    }
    wino.values.forEach((v, i) => expect(maxAbsDiff(v, direct.values[i]!)).toBeLessThan(1e-5));
    wino.grads.forEach((g, i) => expect(relativeError(g, direct.grads[i]!)).toBeLessThan(1e-5));
  });

  it('the switch takes effect for 3x3 kernels only', () => {
    const c3: Case = { B: 2, T: 2, Cin: 3, H: 6, W: 7, hid: 10, kh: 3, kw: 3, bias: true };
    const a = layerResults(true, c3, 8), b = layerResults(false, c3, 8);
    // Different arithmetic, so different rounding somewhere (agreement is checked above).
    expect(sameResults(a, b)).toBe(false);
    const c5: Case = { B: 2, T: 2, Cin: 3, H: 6, W: 7, hid: 10, kh: 3, kw: 5, bias: true };
    const d = layerResults(true, c5, 9), e = layerResults(false, c5, 9);
    expect(sameResults(d, e)).toBe(true);
    setNativeWinograd(true);
  });

  it.each([true, false])('winograd=%s: bit-identical outputs and gradients for 1, 2 and 3 threads', (on) => {
    setNativeSerialBelow(0); // always the pool
    const c: Case = { B: 2, T: 3, Cin: 5, H: 9, W: 75, hid: 20, kh: 3, kw: 3, bias: true };
    const results = [1, 2, 3].map((n) => {
      expect(setNativeThreads(n)).toBe(n);
      return layerResults(on, c, 4243);
    });
    for (const other of results.slice(1)) expect(sameResults(other, results[0]!)).toBe(true);
    setNativeWinograd(true);
  });

  it('rejects a non-boolean setting with a named error', () => {
    expect(() => setNativeWinograd('yes' as unknown as boolean)).toThrow(NativeKernelError);
    expect(() => setNativeWinograd('yes' as unknown as boolean)).toThrow(/winograd must be true or false/);
    expect(nativeWinograd()).toBe(true);
  });

  it('GRIDCAST_NATIVE_WINOGRAD=0 starts with the direct path', () => {
    const script = `
import { nativeWinograd } from ${JSON.stringify(join(repoRoot, 'models/native/convlstm-native.ts'))};
console.log(JSON.stringify(nativeWinograd()));`;
    const run = (value: string) => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot, encoding: 'utf8', env: { ...process.env, GRIDCAST_NATIVE_WINOGRAD: value },
    }).trim().split('\n').pop();
    expect(run('0')).toBe('false');
    expect(run('1')).toBe('true');
  });
});
