/**
 * An independent statement of the blob checksum (format gridcast-blob-v3, see
 * workers/transport/blob-digest.ts), written from its definition with node:crypto only, so the
 * tests pin the definition rather than echo the implementation.
 */
import { createHash } from 'node:crypto';

/** The piece size the store picks for a chunk size: 256 KiB, else 128 or 64 KiB if it divides it, else the chunk size. */
export function expectedPieceSize(chunkSize: number): number {
  return [262144, 131072, 65536].find((p) => chunkSize % p === 0) ?? chunkSize;
}

/**
 * SHA-256("gridcast-blob-v3" ‖ u64be(size) ‖ u64be(chunkSize) ‖ u64be(pieceSize) ‖ SHA-256(piece 0) ‖ …), hex,
 * the pieces being consecutive `pieceSize`-byte slices of the blob (the last may be shorter).
 */
export function expectedRoot(bytes: Uint8Array, chunkSize: number, pieceSize = expectedPieceSize(chunkSize)): string {
  const head = Buffer.alloc(40);
  head.write('gridcast-blob-v3', 0, 'ascii');
  head.writeBigUInt64BE(BigInt(bytes.length), 16);
  head.writeBigUInt64BE(BigInt(chunkSize), 24);
  head.writeBigUInt64BE(BigInt(pieceSize), 32);
  const h = createHash('sha256').update(head);
  for (let off = 0; off < bytes.length; off += pieceSize) {
    h.update(createHash('sha256').update(bytes.subarray(off, off + pieceSize)).digest());
  }
  return h.digest('hex');
}

/** The SHA-256 (hex) of each `pieceSize`-byte piece of `bytes`, as the manifest lists them. */
export function expectedPieces(bytes: Uint8Array, pieceSize: number): string[] {
  const out: string[] = [];
  for (let off = 0; off < bytes.length; off += pieceSize) out.push(createHash('sha256').update(bytes.subarray(off, off + pieceSize)).digest('hex'));
  return out;
}
