/** Errors of the native ConvLSTM layer (a kind of ModelError, so callers' guards keep working). */
import { ModelError } from '../errors.js';

/** The native kernels cannot run what was asked (unavailable addon, bad shapes, lost state). */
export class NativeKernelError extends ModelError {
  override readonly kind = 'NativeKernel';
}
