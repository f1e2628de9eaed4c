/** Errors of the native codecs (a kind of GridcastError, so callers' `isGridcastError` guards work). */
import { GridcastError } from '../errors.js';

/** The native codec addon failed or was misused (a hasher used after `digest`, or while busy). */
export class NativeCodecError extends GridcastError {
  override readonly kind = 'NativeCodec';
}
