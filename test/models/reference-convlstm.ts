/**
 * A test-only ConvLSTM layer written as literally as the seed: per step concat [x_t, h] → conv2d
 * 'same' → split i,f,o,g → gates, differentiated by TensorFlow.js's autodiff tape. The composite
 * impl (hand-written BPTT) and the native impl are checked against it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvLstmLayerImpl } from '../../models/convlstm/layer-impl.js';

export const referenceConvLstmImpl: ConvLstmLayerImpl = {
  name: 'reference',
  supports: () => true,
  run(x, kernel, bias, h0, c0) {
    return tf.tidy(() => {
      const [, T] = x.shape;
      const hid = h0.shape[1];
      let h: tf.Tensor4D = tf.transpose(h0, [0, 2, 3, 1]);
      let c: tf.Tensor4D = tf.transpose(c0, [0, 2, 3, 1]);
      const xs = tf.unstack(tf.transpose(x, [1, 0, 3, 4, 2])) as tf.Tensor4D[];
      const hs: tf.Tensor4D[] = [];
      for (let t = 0; t < T; t++) {
        let z: tf.Tensor4D = tf.conv2d(tf.concat([xs[t]!, h], 3), kernel, 1, 'same');
        if (bias) z = tf.add(z, bias);
        const [ci, cf, co, cg] = tf.split(z, [hid, hid, hid, hid], 3) as tf.Tensor4D[];
        c = tf.add(tf.mul(tf.sigmoid(cf!), c), tf.mul(tf.sigmoid(ci!), tf.tanh(cg!)));
        h = tf.mul(tf.sigmoid(co!), tf.tanh(c));
        hs.push(h);
      }
      const outputs = tf.transpose(tf.stack(hs, 1), [0, 1, 4, 2, 3]) as tf.Tensor5D;
      return { outputs, h: tf.transpose(h, [0, 3, 1, 2]) as tf.Tensor4D, c: tf.transpose(c, [0, 3, 1, 2]) as tf.Tensor4D };
    });
  },
};
