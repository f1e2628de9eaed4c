/**
 * An independent statement of the blob checksum (format gridcast-blob-v2, see
 * workers/transport/blob-digest.ts), written from its definition with node:crypto only, so the
 * tests pin the definition rather than echo the implementation.
 */
import { createHash } from 'node:crypto';

/** SHA-256("gridcast-blob-v2" ‖ u64be(size) ‖ u64be(chunkSize) ‖ SHA-256(chunk 0) ‖ …), hex. */
export function expectedRoot(bytes: Uint8Array, chunkSize: number): string {
  const head = Buffer.alloc(32);
  head.write('gridcast-blob-v2', 0, 'ascii');
  head.writeBigUInt64BE(BigInt(bytes.length), 16);
  head.writeBigUInt64BE(BigInt(chunkSize), 24);
  const h = createHash('sha256').update(head);
  for (let off = 0; off < bytes.length; off += chunkSize) {
    h.update(createHash('sha256').update(bytes.subarray(off, off + chunkSize)).digest());
  }
  return h.digest('hex');
}
