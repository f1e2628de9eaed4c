/** Node-only: a ByteSource over a local file, read with positioned reads (no whole-file load). */
import { open, type FileHandle } from 'node:fs/promises';
import { checkRange, type ByteSource } from './byte-source.js';
import { GridcastError } from '../errors.js';

/** Error opening a file (missing, a directory, no permission). */
export class FileOpenError extends GridcastError { override readonly kind = 'FileOpen'; }

export class FileSource implements ByteSource {
  private constructor(private handle: FileHandle | null, readonly name: string, readonly size: number) {}

  /** Opens `path` for reading. Rejects with FileOpenError naming the path. */
  static async open(path: string): Promise<FileSource> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((cause as Error).message);
      throw new FileOpenError(why, { file: path, cause });
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new FileOpenError('not a regular file', { file: path });
    }
    return new FileSource(handle, path, st.size);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    await this.readInto(offset, out);
    return out;
  }

  async readInto(offset: number, target: Uint8Array): Promise<void> {
    const length = target.length;
    checkRange(this.name, this.size, offset, length);
    if (!this.handle) throw new GridcastError('read after close', { file: this.name });
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(target, done, length - done, offset + done);
      if (bytesRead === 0) {
        checkRange(this.name, offset + done, offset, length); // file shrank while we read
      }
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await h.close();
  }
}
