import path from 'node:path';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js';

/** The media store as configured (`MEDIA_STORE` and `MEDIA_S3_*`). */
export type BlobStoreConfig =
  | { kind: 'fs'; dataDir: string }
  | ({ kind: 's3'; bucket: string | undefined } & Omit<S3BlobStoreOptions, 'bucket'>);

/** Where bytes wait while a remote media store is down (`DATA_DIR/media-spool`). */
export function openSpool(c: BlobStoreConfig, dataDir: string): FsBlobStore | undefined {
  return c.kind === 'fs' ? undefined : new FsBlobStore(path.join(dataDir, 'media-spool'));
}

/** Opens the configured media store (loadConfig has checked the S3 settings). */
export function openBlobStore(c: BlobStoreConfig): BlobStore {
  if (c.kind === 'fs') return new FsBlobStore(path.join(c.dataDir, 'media'));
  if (!c.bucket) throw new Error('MEDIA_STORE=s3 needs MEDIA_S3_BUCKET (the bucket media are kept in)');
  return new S3BlobStore({ ...c, bucket: c.bucket });
}
