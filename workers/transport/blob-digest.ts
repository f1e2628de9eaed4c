/**
 * The checksum of a blob (format `gridcast-blob-v2`): a hash list, like BitTorrent's piece hashes
 * or S3's multipart ETags.
 *
 *   chunk digest  d_i  = SHA-256(chunk i's bytes)                  (what `sha256sum` prints for it)
 *   blob digest (root) = SHA-256("gridcast-blob-v2" ‖ u64be(size) ‖ u64be(chunkSize) ‖ d_0 ‖ … ‖ d_{n-1})
 *
 * where "gridcast-blob-v2" is those 16 ASCII bytes, u64be is an 8-byte big-endian integer, the
 * d_i are the 32 raw digest bytes and n = ceil(size / chunkSize) (0 for an empty blob). The root is
 * `BlobRef.sha256` and the manifest's `sha256`; the d_i are the manifest's `chunkSha256`.
 *
 * Why not SHA-256 of the whole byte string (format v1): that digest has to be computed in one
 * sequential pass next to each chunk's own, ~1.55× the CPU of one pass, and on the 2-core machines
 * we run on the hashing competes with redis-server. With a hash list every byte is hashed once,
 * chunks are hashed independently (several interleaved: `sha256Many`), and the root over a few
 * dozen digests is free. Strength: under SHA-256's collision resistance a different blob cannot
 * have the same root — changing any byte changes its d_i (or the root would collide), and the
 * fixed-length prefix binds the size and chunking, so chunks cannot be re-cut, dropped or
 * appended. What changes is only that the root is not the flat `sha256sum` of the blob.
 *
 * Readers (getBlob, readChunks, getBlobFile) recompute the root from the manifest's chunk digests
 * and compare it with the reference's `sha256` (the root of trust, from job data) before reading a
 * chunk, then check each chunk's bytes against its digest: every byte handed out is verified.
 */
import { createHash } from 'node:crypto';
import { ChecksumError } from '../errors.js';

/** The manifest's `format` field for blobs checksummed as described above. */
export const BLOB_FORMAT = 'gridcast-blob-v2';
const DOMAIN = Buffer.from(BLOB_FORMAT, 'ascii'); // 16 bytes

/** The root (hex) of a blob of `size` bytes cut in `chunkSize` chunks with these chunk digests. */
export function blobRoot(size: number, chunkSize: number, digests: Buffer | readonly Buffer[]): string {
  const head = Buffer.alloc(DOMAIN.length + 16);
  DOMAIN.copy(head);
  head.writeBigUInt64BE(BigInt(size), DOMAIN.length);
  head.writeBigUInt64BE(BigInt(chunkSize), DOMAIN.length + 8);
  const h = createHash('sha256').update(head);
  if (Buffer.isBuffer(digests)) h.update(digests);
  else for (const d of digests) h.update(d);
  return h.digest('hex');
}

/** Throws a ChecksumError naming the blob and chunk unless `got` (32 bytes) is `expected` (hex). */
export function checkChunk(blobId: string, chunk: number, got: Buffer, expected: string | undefined): void {
  const hex = got.toString('hex');
  if (hex !== expected) throw new ChecksumError(`SHA-256 mismatch: got ${hex}`, { blobId, chunk, expected });
}
