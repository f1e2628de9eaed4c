/**
 * Node-only: safetensors files on disk. Writing streams each tensor's bytes after the header (no
 * concatenated copy) into a temporary name that is renamed at the end, so a crash never leaves a
 * half-written file under the final name. Reading goes through a ByteSource and reads only the
 * header plus the tensors asked for.
 */
import { open, rename, rm } from 'node:fs/promises';
import type { ByteSource } from '../source/byte-source.js';
import { FileSource } from '../source/file-source.js';
import { TensorFileError } from '../errors.js';
import { encodeHeader, parseHeader, viewTensor, type SafetensorsHeader, type Tensor } from './safetensors.js';

/** A unique temporary name beside `path` (same directory, so rename is atomic). */
export function tempNameFor(path: string): string {
  return `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Writes tensors and metadata to `path` atomically. */
export async function writeSafetensorsFile(
  path: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Promise<number> {
  const { header, dataLength } = encodeHeader(tensors, metadata);
  const tmp = tempNameFor(path);
  const fh = await open(tmp, 'w');
  try {
    await fh.write(header, 0, header.length, 0);
    let pos = header.length;
    for (const t of Object.values(tensors)) {
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, pos + done);
        done += bytesWritten;
      }
      pos += bytes.length;
    }
    await fh.close();
    await rename(tmp, path);
    return header.length + dataLength;
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Reads and validates the header of a safetensors source. */
export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  let want = Math.min(source.size, 64 * 1024);
  for (;;) {
    if (source.size < 8) throw new TensorFileError('too short to be a safetensors file', { file: source.name });
    const prefix = await source.read(0, want);
    const h = parseHeader(prefix, source.size, source.name);
    if (!('needBytes' in h)) return h;
    want = h.needBytes;
  }
}

/** Reads the named tensors (all when `names` is omitted) from a source with a parsed header. */
export async function readTensors(
  source: ByteSource,
  header: SafetensorsHeader,
  names: string[] = Object.keys(header.entries),
): Promise<Record<string, Tensor>> {
  const out: Record<string, Tensor> = {};
  for (const name of names) {
    const e = header.entries[name];
    if (!e) {
      throw new TensorFileError(`no tensor '${name}' (the file has: ${Object.keys(header.entries).join(', ') || 'none'})`, {
        file: source.name,
        variable: name,
      });
    }
    const [b, en] = e.data_offsets;
    const bytes = await source.read(header.dataStart + b, en - b);
    // FileSource returns a fresh buffer at offset 0, so the view is aligned and owns its memory.
    out[name] = viewTensor(e, bytes);
  }
  return out;
}

/** Reads a whole safetensors file: every tensor and the metadata. */
export async function readSafetensorsFile(path: string): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  const source = await FileSource.open(path);
  try {
    const header = await readSafetensorsHeader(source);
    return { tensors: await readTensors(source, header), metadata: header.metadata };
  } finally {
    await source.close();
  }
}
