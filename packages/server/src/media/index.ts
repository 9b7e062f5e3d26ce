export { BlobMissingError, type BlobStore, type ByteRange, blobKey } from './blob-store.js';
export { MediaKeeper, type MediaKeeperOptions } from './keeper.js';
export { MediaKeepingIngestor } from './keeping-ingestor.js';
export { type BlobStoreConfig, openBlobStore, openSpool } from './open.js';
