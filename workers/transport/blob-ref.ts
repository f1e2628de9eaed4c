/**
 * The small JSON reference to a blob that travels in BullMQ job data instead of the bytes.
 */
import { InvalidBlobRefError } from '../errors.js';

/** What `putBlob` returns and `getBlob` takes; plain JSON, a few dozen bytes. */
export interface BlobRef {
  /** Blob id (URL-safe base64); keys are `<prefix>:blob:<id>[:<n>]`. */
  id: string;
  /** Length of the blob in bytes. */
  size: number;
  /**
   * The blob's root digest, lower-case hex: SHA-256("gridcast-blob-v3" ‖ u64be(size) ‖
   * u64be(chunkSize) ‖ u64be(pieceSize) ‖ SHA-256(piece 0) ‖ … ‖ SHA-256(piece m-1)) — a hash
   * list over fixed-size pieces of the blob (blob-digest.ts; 256 KiB for the usual chunk sizes),
   * not the flat `sha256sum` of the bytes. The consumer trusts this value (it
   * comes with the job) and checks the manifest's piece digests and every chunk against it.
   */
  sha256: string;
  /** Number of chunk keys. */
  chunks: number;
}

/** True when `value` has the shape of a {@link BlobRef}. */
export function isBlobRef(value: unknown): value is BlobRef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(v.id) &&
    Number.isSafeInteger(v.size) && (v.size as number) >= 0 &&
    typeof v.sha256 === 'string' && /^[0-9a-f]{64}$/.test(v.sha256) &&
    Number.isSafeInteger(v.chunks) && (v.chunks as number) >= 0;
}

/** Throw {@link InvalidBlobRefError} unless `value` is a {@link BlobRef} (job data is untrusted). */
export function assertBlobRef(value: unknown): asserts value is BlobRef {
  if (!isBlobRef(value)) {
    let shown: string;
    try { shown = JSON.stringify(value)?.slice(0, 200) ?? String(value); } catch { shown = String(value); }
    throw new InvalidBlobRefError(`not a blob reference: ${shown}`, {
      expected: '{ id: URL-safe string, size: integer ≥ 0, sha256: 64 hex digits, chunks: integer ≥ 0 }',
    });
  }
}
