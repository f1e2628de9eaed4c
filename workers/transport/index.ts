/** Tensor transport over Redis: checksummed, reference-counted, budgeted binary blobs. */
export { BlobStore, type BlobManifest, type BlobUsage, type ChunkSource } from './blob-store.js';
export { assertBlobRef, isBlobRef, type BlobRef } from './blob-ref.js';
export { BLOB_FORMAT, blobRoot, pieceSizeFor } from './blob-digest.js';
export { getBlobFile, putBlobFile } from './blob-file.js';
export { MiB, type BlobStoreOptions, type PutBlobOptions } from './options.js';
