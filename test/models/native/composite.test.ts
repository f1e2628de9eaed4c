/**
 * The fused layer and the project's composite layer (models/convlstm/composite-impl.ts, what every
 * other backend runs) agree to 1e-5 forward and 1e-4 in the gradients, through the seam itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compositeConvLstmImpl, ensureCompositeConvLstmImpl } from '../../../models/convlstm/composite-impl.js';
import { type ConvLstmLayerImpl, preferConvLstmImpl, selectConvLstmImpl } from '../../../models/convlstm/layer-impl.js';
import { nativeConvLstmImpl } from '../../../models/native/convlstm-native.js';
import { type Case, makeInputs, maxAbsDiff, relativeError, valuesAndGrads } from './reference.js';
import { skipReason, useCpu } from './setup.js';

function runner(impl: ConvLstmLayerImpl) {
  return (x: tf.Tensor5D, k: tf.Tensor4D, b: tf.Tensor1D | null, h0: tf.Tensor4D, c0: tf.Tensor4D) => impl.run(x, k, b, h0, c0);
}

describe.skipIf(skipReason !== '')('native vs composite ConvLSTM layer', () => {
  beforeAll(async () => {
    await useCpu();
    ensureCompositeConvLstmImpl();
  });
  afterAll(() => preferConvLstmImpl(null));

  it('the seam picks native on cpu once both are registered, composite when asked', () => {
    expect(selectConvLstmImpl('cpu').name).toBe('native');
    preferConvLstmImpl('composite');
    expect(selectConvLstmImpl('cpu').name).toBe('composite');
    preferConvLstmImpl(null);
  });

  it.each([
    [{ B: 2, T: 3, Cin: 3, H: 5, W: 7, hid: 5, kh: 3, kw: 5, bias: true }],
    [{ B: 1, T: 2, Cin: 4, H: 6, W: 4, hid: 13, kh: 5, kw: 3, bias: false }],
  ] as Array<[Case]>)('agree on %j', (c) => {
    const t = makeInputs(c, 555 + c.hid);
    const comp = valuesAndGrads(runner(compositeConvLstmImpl), t, 8);
    const nat = valuesAndGrads(runner(nativeConvLstmImpl), t, 8);
    comp.values.forEach((v, i) => expect(maxAbsDiff(nat.values[i]!, v)).toBeLessThan(1e-5));
    comp.grads.forEach((g, i) => expect(relativeError(nat.grads[i]!, g)).toBeLessThan(1e-4));
    tf.dispose(Object.values(t).filter((v): v is tf.Tensor => v !== null));
  });
});
