/**
 * Byte sources: readers take one of these, never a path, so the same reader works on a file, a
 * buffer, or (later) an object store. Modelled on geotiff.js `source/basesource.js` and zarrita's
 * storage interface.
 */
import { TruncatedFileError } from '../errors.js';

/** Random access to an immutable sequence of bytes. */
export interface ByteSource {
  /** Name shown in errors (usually the file path). */
  readonly name: string;
  /** Total length in bytes. */
  readonly size: number;
  /**
   * Reads exactly `length` bytes at `offset`. Rejects with TruncatedFileError when the range goes
   * past the end. The returned view may share memory with an internal buffer: copy it to keep it.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: reads `target.length` bytes at `offset` into memory the caller owns. Readers use it
   * to fill buffers they reuse from one time slice to the next; allocating (and zero-filling) a
   * fresh buffer per read costs as much as the read itself at page-cache speed.
   */
  readInto?(offset: number, target: Uint8Array): Promise<void>;
  /** Releases the underlying handle. Reading after close is an error. */
  close(): Promise<void>;
}

/** Throws TruncatedFileError unless [offset, offset+length) lies inside a source of `size` bytes. */
export function checkRange(name: string, size: number, offset: number, length: number, what = 'data'): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new TruncatedFileError(`invalid byte range for ${what}: offset ${offset}, length ${length}`, { file: name });
  }
  if (offset + length > size) {
    throw new TruncatedFileError(
      `file ends at byte ${size} but ${what} needs bytes ${offset}..${offset + length}`,
      { file: name, expected: `at least ${offset + length} bytes` },
    );
  }
}

/** A source over bytes already in memory. */
export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array, readonly name = '<memory>') {
    this.size = bytes.byteLength;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, this.size, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }
  async readInto(offset: number, target: Uint8Array): Promise<void> {
    checkRange(this.name, this.size, offset, target.length);
    target.set(this.bytes.subarray(offset, offset + target.length));
  }
  async close(): Promise<void> {}
}
