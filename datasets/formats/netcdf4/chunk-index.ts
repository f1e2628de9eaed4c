/**
 * Where each stored chunk of a chunked HDF5 dataset lives in the file, so the hot read path can
 * fetch the compressed bytes itself and inflate them with Node's zlib on the libuv thread pool
 * (both cores, native speed) instead of inside the single-threaded wasm build of HDF5.
 *
 * Only what that needs is parsed, and only the layouts netcdf-c writes (superblock v0–v3, object
 * header v1/v2 with continuation blocks, data layout message v3 with a version-1 B-tree chunk
 * index). Anything else — layout v4 indexes (fixed/extensible array, B-tree v2), 4-byte offsets,
 * a structure that does not check out — returns undefined and the caller falls back to h5wasm,
 * which stays the reference implementation. The object header address comes from h5wasm (an
 * object reference is that address).
 *
 * Spec: https://support.hdfgroup.org/documentation/hdf5/latest/_f_m_t3.html — sections II.A
 * (superblock), III.A.1 (B-tree v1), IV.A (object headers), IV.A.2.i (data layout message).
 */
import type { ByteSource } from '../../source/byte-source.js';

/** One stored chunk: its byte range and which filters were skipped for it. */
export interface ChunkLocation {
  address: number;
  size: number;
  filterMask: number;
}

/** Stored chunks keyed by their linear index in the grid of chunks (C order). */
export interface ChunkIndex {
  /** Chunks per dimension. */
  grid: number[];
  chunks: Map<number, ChunkLocation>;
}

const OFFSET_SIZE = 8;
const MAX_NODES = 100_000;
const MAX_HEADER_BLOCKS = 1_000;
/** Object header blocks are a few KiB; anything near this is corrupt. */
const MAX_HEADER_BLOCK_BYTES = 1 << 20;

/** Little-endian unsigned integer of 1..8 bytes; undefined beyond 2^53. */
function uint(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[at + i];
  return v;
}

function isUndefinedAddress(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < OFFSET_SIZE; i++) if (b[at + i] !== 0xff) return false;
  return true;
}

async function bytes(src: ByteSource, at: number, n: number): Promise<Uint8Array | undefined> {
  if (!Number.isSafeInteger(at) || !Number.isSafeInteger(n) || at < 0 || n < 0 || at + n > src.size) return undefined;
  return src.read(at, n);
}

/** Base address of the file's addresses, or undefined unless offsets and lengths are 8 bytes. */
export async function superblockBase(src: ByteSource): Promise<number | undefined> {
  const b = await bytes(src, 0, 48);
  if (!b) return undefined;
  const version = b[8];
  if (version === 0 || version === 1) {
    if (b[13] !== OFFSET_SIZE || b[14] !== OFFSET_SIZE) return undefined;
    return uint(b, version === 0 ? 24 : 28, 8);
  }
  if (version === 2 || version === 3) {
    if (b[9] !== OFFSET_SIZE || b[10] !== OFFSET_SIZE) return undefined;
    return uint(b, 12, 8);
  }
  return undefined;
}

/** The raw body of the first message of `type` in the object header at `address`. */
async function findMessage(src: ByteSource, address: number, type: number): Promise<Uint8Array | undefined> {
  // Longest prefix: 'OHDR', version, flags, 4 times, 2 phase-change values, an 8-byte chunk size.
  const start = await bytes(src, address, Math.min(34, src.size - address));
  if (!start || start.length < 16) return undefined;
  const blocks: { at: number; len: number; v2: boolean }[] = [];
  let creationOrder = false;
  if (start[0] === 0x4f && start[1] === 0x48 && start[2] === 0x44 && start[3] === 0x52) {
    const flags = start[5];
    let at = 6;
    if (flags & 0x20) at += 16; // access, modification, change, birth times
    if (flags & 0x10) at += 4; // attribute phase change values
    const sizeBytes = 1 << (flags & 3);
    const len = uint(start, at, sizeBytes);
    creationOrder = (flags & 0x04) !== 0;
    blocks.push({ at: address + at + sizeBytes, len, v2: true });
  } else if (start[0] === 1) {
    blocks.push({ at: address + 16, len: uint(start, 8, 4), v2: false });
  } else {
    return undefined;
  }
  for (let k = 0; k < blocks.length && k < MAX_HEADER_BLOCKS; k++) {
    const { at, len, v2 } = blocks[k];
    if (len > MAX_HEADER_BLOCK_BYTES) return undefined;
    const body = await bytes(src, at, len);
    if (!body) return undefined;
    // Chunk #0's length counts messages only; a v2 continuation block ('OCHK') counts its
    // signature and trailing checksum too.
    const cont = v2 && k > 0;
    let p = cont ? 4 : 0;
    const end = cont ? len - 4 : len;
    while (p + (v2 ? 4 : 8) <= end) {
      const mtype = v2 ? body[p] : uint(body, p, 2);
      const msize = uint(body, p + (v2 ? 1 : 2), 2);
      const dataAt = p + (v2 ? 4 + (creationOrder ? 2 : 0) : 8);
      if (dataAt + msize > len) return undefined;
      const data = body.subarray(dataAt, dataAt + msize);
      if (mtype === type) return data;
      if (mtype === 0x10 && msize >= 16) {
        const next = uint(data, 0, 8);
        if (blocks.some((b) => b.at === next)) return undefined; // continuation cycle
        blocks.push({ at: next, len: uint(data, 8, 8), v2 });
      }
      p = dataAt + (v2 ? msize : (msize + 7) & ~7);
    }
  }
  return undefined;
}

/** The v1 B-tree address of a chunked dataset (layout message v3), else undefined. */
async function btreeAddress(src: ByteSource, headerAddress: number, rank: number): Promise<number | undefined> {
  const layout = await findMessage(src, headerAddress, 0x0008);
  if (!layout || layout[0] !== 3 || layout[1] !== 2) return undefined;
  if (layout[2] !== rank + 1 || layout.length < 3 + OFFSET_SIZE) return undefined;
  return isUndefinedAddress(layout, 3) ? -1 : uint(layout, 3, OFFSET_SIZE);
}

/**
 * Locates every stored chunk of the dataset whose object header is at `headerAddress` (relative to
 * `base`), or undefined when the layout is not one this parser handles or does not check out.
 */
export async function readChunkIndex(src: ByteSource, base: number, headerAddress: number, shape: number[], chunkDims: number[]): Promise<ChunkIndex | undefined> {
  const rank = shape.length;
  if (chunkDims.length !== rank || rank === 0 || chunkDims.some((c) => !(c > 0))) return undefined;
  const root = await btreeAddress(src, base + headerAddress, rank);
  if (root === undefined) return undefined;
  const grid = shape.map((n, i) => Math.ceil(n / chunkDims[i]));
  if (!Number.isSafeInteger(grid.reduce((a, b) => a * b, 1))) return undefined;
  const chunks = new Map<number, ChunkLocation>();
  if (root === -1) return { grid, chunks }; // nothing written yet
  const keySize = 8 + 8 * (rank + 1);
  const seen = new Set<number>(); // a corrupt tree may point back at itself
  const visit = async (addr: number, depth: number): Promise<boolean> => {
    if (seen.has(addr) || seen.size >= MAX_NODES || depth > 64) return false;
    seen.add(addr);
    const head = await bytes(src, base + addr, 24);
    if (!head || head[0] !== 0x54 || head[1] !== 0x52 || head[2] !== 0x45 || head[3] !== 0x45 || head[4] !== 1) return false;
    const level = head[5];
    const used = uint(head, 6, 2);
    const body = await bytes(src, base + addr + 24, used * (keySize + OFFSET_SIZE) + keySize);
    if (!body) return false;
    for (let i = 0; i < used; i++) {
      const k = i * (keySize + OFFSET_SIZE);
      const child = uint(body, k + keySize, OFFSET_SIZE);
      if (level > 0) {
        if (!(await visit(child, depth + 1))) return false;
        continue;
      }
      let linear = 0;
      for (let d = 0; d < rank; d++) {
        const off = uint(body, k + 8 + 8 * d, 8);
        if (off % chunkDims[d] !== 0) return false;
        const g = off / chunkDims[d];
        if (g >= grid[d]) { linear = -1; break; } // beyond the current extent (shrunk dataset)
        linear = linear * grid[d] + g;
      }
      const size = uint(body, k, 4);
      if (base + child + size > src.size) return false;
      if (linear >= 0) chunks.set(linear, { address: base + child, size, filterMask: uint(body, k + 4, 4) });
    }
    return true;
  };
  return (await visit(root, 0)) ? { grid, chunks } : undefined;
}
