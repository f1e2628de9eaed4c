/**
 * Errors of the workers layer (queues, tensor transport over Redis). They extend the datasets
 * layer's {@link GridcastError}, so `isGridcastError(e, 'Checksum')` works across the product.
 *
 * ```ts
 * try { await store.getBlob(ref) } catch (e) {
 *   if (isGridcastError(e, 'Checksum')) throw new UnrecoverableError(e.message) // corrupt: no retry
 *   throw e // transient (connection): let BullMQ retry with backoff
 * }
 * ```
 */
import { GridcastError, type ErrorContext } from '../datasets/errors.js';

/** What a transport error may say besides the common context: the blob and chunk concerned. */
export interface TransportErrorContext extends ErrorContext {
  /** Id of the blob concerned. */
  blobId?: string;
  /** Index of the chunk concerned (0-based), when one chunk is at fault. */
  chunk?: number;
}

/** Base class of tensor-transport errors; carries the blob id and chunk index when known. */
export class TransportError extends GridcastError {
  override readonly kind: string = 'Transport';
  readonly blobId?: string;
  readonly chunk?: number;

  constructor(message: string, context: TransportErrorContext = {}) {
    const where = context.blobId === undefined ? '' :
      `blob ${context.blobId}${context.chunk === undefined ? '' : ` chunk ${context.chunk}`}: `;
    super(where + message, context);
    this.blobId = context.blobId;
    this.chunk = context.chunk;
  }
}

/** Bytes read back do not match their SHA-256 (a chunk or the whole blob) or their declared size. */
export class ChecksumError extends TransportError { override readonly kind = 'Checksum'; }

/** The blob (or one of its chunks) is not in Redis: never stored, expired, or already released. */
export class BlobNotFoundError extends TransportError { override readonly kind = 'BlobNotFound'; }

/** A blob reference from job data is malformed (not something `putBlob` returned). */
export class InvalidBlobRefError extends TransportError { override readonly kind = 'InvalidBlobRef'; }

/** The byte budget stayed full for longer than the put's timeout (backpressure gave up). */
export class BudgetTimeoutError extends TransportError { override readonly kind = 'BudgetTimeout'; }

/** A blob can never fit: it is larger than the whole byte budget. */
export class BudgetExceededError extends TransportError { override readonly kind = 'BudgetExceeded'; }

/** `REDIS_URL` (or a connection option) cannot be used; the message shows it with the password redacted. */
export class RedisUrlError extends GridcastError { override readonly kind = 'RedisUrl'; }
