/**
 * Common set-up of the native ConvLSTM tests: the cpu backend, the gradients the reference needs,
 * and whether the addon is built (the tests skip, saying why, only when it is not).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerModelGradients } from '../../../models/gradients.js';
import { nativeAvailable } from '../../../models/native/convlstm-native.js';

registerModelGradients();

/** Status of the addon; `skipReason` is non-empty when the native tests cannot run. */
export const native = nativeAvailable();
export const skipReason = native.ok ? '' : `native addon not built (${native.reason}); run: node scripts/build-native.mjs`;
if (skipReason) console.warn(`skipping native ConvLSTM tests: ${skipReason}`);

/** Switches to the cpu backend (the reference runs there). */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}
