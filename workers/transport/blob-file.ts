/**
 * Move a safetensors FILE through the blob store chunk by chunk, never holding it whole in memory
 * (at most `streamWindow` chunks in flight each way).
 *
 * ```ts
 * const ref = await putBlobFile(store, 'shards/train-000.safetensors', { refs: 1 });
 * await getBlobFile(store, ref, '/data/in/train-000.safetensors'); // verified, then renamed into place
 * ```
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TransportError } from '../errors.js';
import type { BlobRef } from './blob-ref.js';
import type { BlobStore } from './blob-store.js';
import type { PutBlobOptions } from './options.js';

/** Store the file at `path` as a blob, reading one chunk at a time. */
export async function putBlobFile(store: BlobStore, path: string, options: PutBlobOptions = {}): Promise<BlobRef> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    return await store.putChunks(size, async (i, length, offset) => {
      // A fresh buffer per chunk: the previous ones may still be queued on the socket.
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) {
          throw new TransportError(`file shrank while being stored: chunk ${i} ended after ${got} of ${length} bytes`, { file: path });
        }
        got += bytesRead;
      }
      return buf;
    }, options);
  } finally {
    await fh.close();
  }
}

/**
 * Write blob `ref` to `path`: chunks are verified as they arrive (see `readChunks`) and written to
 * a temporary file next to `path`, which is renamed into place only after every chunk matched. On any
 * error the temporary file is removed and nothing is left at `path`.
 */
export async function getBlobFile(store: BlobStore, ref: BlobRef, path: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  let closed = false;
  try {
    for await (const chunk of store.readChunks(ref)) {
      let done = 0;
      while (done < chunk.length) done += (await fh.write(chunk, done, chunk.length - done)).bytesWritten;
    }
    await fh.sync();
    await fh.close();
    closed = true;
    await rename(tmp, path);
  } catch (e) {
    if (!closed) await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}
