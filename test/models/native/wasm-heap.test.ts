/**
 * On the wasm backend the native layer reads its inputs from and writes its outputs into the wasm
 * heap directly (no copies). It must give the same bits as on the cpu backend (dataSync + fresh
 * arrays), values and every gradient, with and without bias, and leave no tensors behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../models/backend.js';
import { preferConvLstmImpl } from '../../../models/convlstm/layer-impl.js';
import { runNativeConvLstm } from '../../../models/native/convlstm-native.js';
import { type Case, makeInputs, valuesAndGrads } from './reference.js';
import { skipReason, useCpu } from './setup.js';

const cases: [string, Case][] = [
  ['odd sizes, bias', { B: 2, T: 3, Cin: 3, H: 7, W: 11, hid: 20, kh: 3, kw: 5, bias: true }],
  ['B=1, T=1, no bias', { B: 1, T: 1, Cin: 2, H: 5, W: 4, hid: 9, kh: 3, kw: 3, bias: false }],
];

function run(c: Case) {
  const inputs = makeInputs(c, 777);
  const before = tf.memory().numTensors;
  const r = valuesAndGrads(runNativeConvLstm, inputs, 9);
  const leaked = tf.memory().numTensors - before;
  tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
  return { ...r, leaked };
}

describe.skipIf(skipReason !== '')('native ConvLSTM on the wasm heap', () => {
  afterAll(async () => {
    preferConvLstmImpl(null);
    await useCpu();
  });

  it.each(cases)('gives the same bits as on the cpu backend: %s', async (_name, c) => {
    await useCpu();
    const cpu = run(c);
    const sel = await selectBackend('wasm', { log: () => {} });
    expect(sel.backend).toBe('wasm');
    const wasm = run(c);
    expect(wasm.leaked).toBe(0);
    expect(wasm.values.length).toBe(3);
    expect(wasm.grads.length).toBe(c.bias ? 5 : 4);
    wasm.values.forEach((v, i) => expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(cpu.values[i]!.buffer, cpu.values[i]!.byteOffset, cpu.values[i]!.byteLength)), `value ${i}`).toBe(true));
    wasm.grads.forEach((g, i) => expect(Buffer.from(g.buffer, g.byteOffset, g.byteLength).equals(Buffer.from(cpu.grads[i]!.buffer, cpu.grads[i]!.byteOffset, cpu.grads[i]!.byteLength)), `grad ${i}`).toBe(true));
  });
});
